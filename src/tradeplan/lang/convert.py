"""Converting a document tree to either form, for `tradeplan fmt`.

The tree is normalised first (a single `grid:` becomes `grids: [...]` for the text form and back,
top-level keys go in the order of docs/language.md); below the top level both writers keep the
order of the keys, so YAML -> YAML and YAML -> text -> YAML give the same file, and a key that
comes first in its block stays first (a suppression comment there covers the block too).
Scalars are written as their raw text, so no number changes on the way. The comments of the
file travel with the items they belong to.
"""

from __future__ import annotations

from typing import Any

from tradeplan.lang.comments import Comments, Path
from tradeplan.lang.nodes import Mapping, Node, Scalar, Sequence
from tradeplan.lang.text_writer import write_text
from tradeplan.lang.yaml_writer import write_yaml

_TOP_ORDER = list(
    [
        "tradeplan",
        "name",
        "description",
        "instrument",
        "account",
        "broker",
        "session",
        "timeframe",
        "fees",
        "sizing",
        "entries",
        "exits",
        "grid",
        "grids",
        "risk",
        "on_restart",
    ]
)
_LISTS = ("entries", "grids")


def plain(node: Node) -> Any:
    if isinstance(node, Mapping):
        return {(k.value or ""): plain(v) for k, v in node.entries}
    if isinstance(node, Sequence):
        return [plain(i) for i in node.items]
    return node.value


def _ordered(doc: dict[str, Any]) -> dict[str, Any]:
    known = {k: doc[k] for k in _TOP_ORDER if k in doc}
    return {**known, **{k: v for k, v in doc.items() if k not in known}}


def _lists_first(notes: Comments) -> Comments:
    """The text form has no line for `entries:` or `grids:` themselves, so a comment after
    either goes above it, in both forms alike."""
    for name in _LISTS:
        found = notes.by_path.get((name,))
        if found is not None and found.after:
            found.before.extend(found.after)
            found.after.clear()
    return notes


def to_text(tree: Node, comments: Comments | None = None) -> str:
    doc = plain(tree)
    notes = comments if comments is not None else Comments()
    if isinstance(doc, dict) and "grid" in doc:
        grids = [doc.pop("grid"), *list(doc.pop("grids", []) or [])]
        doc["grids"] = grids
        notes = notes.moved(_grid_into_grids)
    return write_text(_ordered(doc), _lists_first(notes))


def _grid_into_grids(path: Path) -> Path:
    if path[:1] == ("grid",):
        return ("grids", 0, *path[1:])
    if path[:1] == ("grids",) and len(path) > 1 and isinstance(path[1], int):
        return ("grids", path[1] + 1, *path[2:])
    return path


def _grids_into_grid(path: Path) -> Path:
    """`grids` with one item is written as `grid:`; the list's comments and its item's meet."""
    if path == ("grids",):
        return ("grid",)
    if path[:2] == ("grids", 0):
        return ("grid", *path[2:])
    return path


def to_yaml(tree: Node, comments: Comments | None = None) -> str:
    doc = plain(tree)
    notes = comments if comments is not None else Comments()
    if (
        isinstance(doc, dict)
        and isinstance(doc.get("grids"), list)
        and len(doc["grids"]) == 1
        and "grid" not in doc
    ):
        doc["grid"] = doc.pop("grids")[0]
        notes = notes.moved(_grids_into_grid)
    return write_yaml(_ordered(doc), _lists_first(notes))


def is_scalar(node: Node) -> bool:
    return isinstance(node, Scalar)
