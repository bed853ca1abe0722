"""Converting a document tree to either form, for `tradeplan fmt`.

The tree is normalised first (a single `grid:` becomes `grids: [...]` for the text form and back)
and its keys put in one fixed order, the order the text form reads them back in, so YAML -> YAML
and YAML -> text -> YAML give the same file. Scalars are written as their raw text, so no number
changes on the way. The comments of the file travel with the items they belong to.
"""

from __future__ import annotations

from typing import Any

from tradeplan.spec.comments import Comments, Path
from tradeplan.spec.nodes import Mapping, Node, Scalar, Sequence
from tradeplan.spec.text_syntax import PAIR_STATEMENTS
from tradeplan.spec.text_writer import NAMED, write_text
from tradeplan.spec.yaml_writer import write_yaml

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
    ]
)
_ENTRY_FIRST = ("name", "side", "when")
_GRID_FIRST = ("side", "name", "from", "to", "step", "at", "units")
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


def _front(value: dict[str, Any], first: tuple[str, ...], last: tuple[str, ...] = ()) -> Any:
    middle = {k: v for k, v in value.items() if k not in first and k not in last}
    return {
        **{k: value[k] for k in first if k in value},
        **middle,
        **{k: value[k] for k in last if k in value},
    }


def canonical(value: Any, key: str | None = None) -> Any:
    """Keys in the order the text form writes and reads them: an entry's name, side and when
    first and its exits last, a grid's header words first, a statement's leading value first."""
    if isinstance(value, list):
        items = [canonical(item) for item in value]
        if key == "entries":
            return [
                _front(i, _ENTRY_FIRST, ("exits",)) if isinstance(i, dict) else i for i in items
            ]
        if key == "grids":
            return [_front(i, _GRID_FIRST) if isinstance(i, dict) else i for i in items]
        return items
    if not isinstance(value, dict):
        return value
    value = {k: canonical(v, k) for k, v in value.items()}
    if key == "grid":
        return _front(value, _GRID_FIRST)
    primary = PAIR_STATEMENTS.get(key or "", (None, ()))[0]
    if primary is not None and key not in NAMED:
        return _front(value, (primary,))
    return value


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
    return write_text(canonical(_ordered(doc)), _lists_first(notes))


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
    return write_yaml(canonical(_ordered(doc)), _lists_first(notes))


def is_scalar(node: Node) -> bool:
    return isinstance(node, Scalar)
