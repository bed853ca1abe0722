"""Converting a document tree to either form, for `tradeplan fmt`.

The tree is normalised first (a single `grid:` becomes `grids: [...]` for the text form and back),
then written. Scalars are written as their raw text, so no number changes on the way.
"""

from __future__ import annotations

from typing import Any

import yaml

from tradeplan.spec.nodes import Mapping, Node, Scalar, Sequence
from tradeplan.spec.text_writer import write_text

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


def plain(node: Node) -> Any:
    if isinstance(node, Mapping):
        return {k.value: plain(v) for k, v in node.entries}
    if isinstance(node, Sequence):
        return [plain(i) for i in node.items]
    return node.value


def _ordered(doc: dict[str, Any]) -> dict[str, Any]:
    known = {k: doc[k] for k in _TOP_ORDER if k in doc}
    return {**known, **{k: v for k, v in doc.items() if k not in known}}


def to_text(tree: Node) -> str:
    doc = plain(tree)
    if isinstance(doc, dict) and "grid" in doc:
        grids = [doc.pop("grid"), *list(doc.pop("grids", []) or [])]
        doc["grids"] = grids
    return write_text(_ordered(doc))


def _plain_ok(value: str) -> bool:
    """Can `value` be written unquoted and read back by YAML as exactly the same raw text?"""
    if not value or value != value.strip() or "\n" in value:
        return False
    try:
        node = yaml.compose(f"k: {value}\n", Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return False
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        return False
    scalar = node.value[0][1]
    # The C parser says "" for a plain scalar where PyYAML says None; a plain `null` or `~` would
    # read back as no value, so those stay quoted.
    return (
        isinstance(scalar, yaml.ScalarNode)
        and not scalar.style
        and scalar.tag != "tag:yaml.org,2002:null"
        and scalar.value == value
    )


def _scalar(value: str | None) -> str:
    if value is None:
        return "null"
    if _plain_ok(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _emit(value: Any, indent: int, lines: list[str], key: str | None) -> None:
    pad = " " * indent
    prefix = f"{pad}{key}:" if key is not None else pad
    if isinstance(value, dict):
        if not value:
            lines.append(f"{prefix} {{}}")
            return
        if key is not None:
            lines.append(prefix)
        for k, v in value.items():
            _emit(v, indent + (2 if key is not None else 0), lines, k)
    elif isinstance(value, list):
        lines.append(prefix if key is not None else pad.rstrip())
        for item in value:
            if isinstance(item, dict) and item:
                sub: list[str] = []
                for k, v in item.items():
                    _emit(v, indent + 4, sub, k)
                first = sub[0].lstrip()
                lines.append(f"{pad}  - {first}")
                lines.extend(sub[1:])
            else:
                lines.append(f"{pad}  - {_scalar(item) if not isinstance(item, list) else item}")
    else:
        lines.append(f"{prefix} {_scalar(value)}")


def to_yaml(tree: Node) -> str:
    doc = plain(tree)
    if (
        isinstance(doc, dict)
        and isinstance(doc.get("grids"), list)
        and len(doc["grids"]) == 1
        and "grid" not in doc
    ):
        doc["grid"] = doc.pop("grids")[0]
    lines: list[str] = []
    for k, v in _ordered(doc).items():
        _emit(v, 0, lines, k)
    return "\n".join(lines) + "\n"


def is_scalar(node: Node) -> bool:
    return isinstance(node, Scalar)
