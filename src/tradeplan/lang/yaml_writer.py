"""Plain document -> block-style YAML, with the comments of its items, for `tradeplan fmt`.

Scalars are written as their raw text, unquoted when YAML reads them back unchanged. Every
mapping and list is written in block style, so each key has a line of its own for its
comments; a list item's first key shares the `- ` line unless it has comments of its own.
"""

from __future__ import annotations

from typing import Any

import yaml

from tradeplan.lang.comment_out import Out
from tradeplan.lang.comments import DOCUMENT, Comments, Path


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


def scalar_text(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    text = str(value)
    if _plain_ok(text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'  # a line break written as is would read back as a space


def _nested(value: object) -> bool:
    return isinstance(value, dict | list) and bool(value)


class _Writer:
    def __init__(self, notes: Comments) -> None:
        self.notes = notes
        self.out = Out(notes)

    def entry(
        self,
        key: str,
        value: Any,
        indent: int,
        path: Path,
        starts: tuple[Path, ...] = (),
        item: Path | None = None,
    ) -> None:
        """`key: value` with the key at column `indent`. `starts`: items whose value starts
        on this line too. `item`: the list item this key is the first key of; the line is then
        the item's `- ` line, and the item owns it."""
        pad = " " * indent
        line_pad, dash = (pad, "") if item is None else (pad[:-2], "- ")
        owner = path if item is None else item
        if not _nested(value):
            # an empty block has no inside: its end goes after it
            end = self.notes.of(path).end
            text = f"{dash}{key}: {scalar_text(value)}"
            self.out.code(line_pad, text, owner, (*starts, path), end)
            return
        self.out.code(line_pad, f"{dash}{key}:", owner, starts)
        self.body(value, indent + 2, path)
        self.out.end(pad + "  ", path)

    def body(self, value: dict[str, Any] | list[Any], indent: int, path: Path) -> None:
        """The lines inside a block; the block's own value starts on its first line."""
        if isinstance(value, dict):
            for number, (key, item) in enumerate(value.items()):
                self.entry(key, item, indent, (*path, key), (path,) if number == 0 else ())
            return
        pad = " " * indent
        for index, item in enumerate(value):
            here = (*path, index)
            starts = (path,) if index == 0 else ()
            if not (isinstance(item, dict) and item):
                self.out.code(pad, f"- {scalar_text(item)}", here, (*starts, here))
                continue
            key, first = next(iter(item.items()))
            if self.notes.of((*here, key)).before or self.notes.of((*here, key)).after:
                self.out.code(pad, "-", here, starts)
                self.body(item, indent + 2, here)
            else:
                self.entry(key, first, indent + 2, (*here, key), (*starts, here), here)
                rest = list(item.items())[1:]
                for name, value_ in rest:
                    self.entry(name, value_, indent + 2, (*here, name))
            self.out.end(pad + "  ", here)


def write_yaml(doc: dict[str, Any], notes: Comments | None = None) -> str:
    writer = _Writer(notes if notes is not None else Comments())
    writer.out.comments("", writer.notes.of(DOCUMENT).before)
    writer.body(doc, 0, DOCUMENT)
    writer.out.end("", DOCUMENT)
    return writer.out.render()
