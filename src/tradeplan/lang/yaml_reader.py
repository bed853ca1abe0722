"""YAML form -> document tree.

`yaml.compose` keeps every scalar's raw text and its position, which is all we want from YAML:
values are interpreted later by the builder, so `105.00` stays exact and `no` stays a word.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import yaml

from tradeplan.diagnostics.collector import Collector
from tradeplan.diagnostics.lines import FileLines
from tradeplan.diagnostics.model import Span
from tradeplan.lang.nodes import Mapping, Node, Scalar, Sequence
from tradeplan.lang.scalar_places import Places, yaml_places

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NULL_TAG = "tag:yaml.org,2002:null"
_ODD_BREAKS = str.maketrans({"\x85": " ", "\u2028": " ", "\u2029": " "})

_FRIENDLY = (
    (
        "mapping values are not allowed",
        "a `:` where none is expected",
        "put values that contain `: ` in quotes, or check the indentation of this line",
    ),
    ("could not find expected ':'", "a key without `:`", "write `key: value`"),
    (
        "did not find expected key",
        "this line does not line up with the keys around it",
        "check the indentation: keys of one mapping start in the same column",
    ),
    (
        "did not find expected '-' indicator",
        "a list item does not line up with the others",
        "start every item of a list with `- ` in the same column",
    ),
    (
        "did not find expected ',' or '}'",
        "a `{` is not closed, or a `,` is missing between two entries",
        "close the mapping with `}` on the line where it starts, e.g. `sizing: {risk: 1%}`",
    ),
    (
        "did not find expected ',' or ']'",
        "a `[` is not closed, or a `,` is missing between two items",
        "close the list with `]`",
    ),
    ("found undefined alias", "an alias (`*name`) that no anchor defines", None),
    (
        "expected a single document",
        "the file holds more than one YAML document",
        "remove the `---` separator: one strategy per file",
    ),
    (
        "found unexpected end of stream",
        "the file ends inside a quoted value or bracket",
        "close the quote or bracket",
    ),
    ("found character '\\t'", "a tab character", "use spaces; YAML does not allow tabs here"),
)

_KEY_TROUBLE = (
    "mapping values are not allowed",
    "could not find expected ':'",
    "did not find expected key",
)


def _span(lines: FileLines, node: yaml.Node) -> Span:
    """The node's span in the file; libyaml ends a block at the start of the next token,
    which may be a line the file does not have, so the end is taken back to the content."""
    start, end = node.start_mark, node.end_mark
    return lines.span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _places(lines: FileLines, node: yaml.ScalarNode) -> Callable[[], Places] | None:
    """Where the value's characters are written, for values not written as one plain run."""
    start, end = node.start_mark, node.end_mark
    if not node.style and start.line == end.line:
        return None
    return partial(
        yaml_places,
        lines.lines,
        node.style,
        (start.line, start.column),
        (end.line, end.column),
        node.value,
    )


def _convert(lines: FileLines, node: yaml.Node, out: Collector) -> Node:
    if isinstance(node, yaml.MappingNode):
        entries: list[tuple[Scalar, Node]] = []
        seen: dict[str, Span] = {}
        for key_node, value_node in node.value:
            key = _convert(lines, key_node, out)
            if not isinstance(key, Scalar):
                out.report("TP103", key.span, "a key must be a single word, not a mapping or list")
                continue
            name = key.value or ""
            if name in seen:
                first = seen[name]
                out.report(
                    "TP106",
                    key.span,
                    f"`{name}` is given twice in this mapping (first at line {first.line})",
                    "keep one of them: YAML would silently use the last",
                )
                continue
            seen[name] = key.span
            entries.append((key, _convert(lines, value_node, out)))
        return Mapping(tuple(entries), _span(lines, node))
    if isinstance(node, yaml.SequenceNode):
        items = tuple(_convert(lines, item, out) for item in node.value)
        return Sequence(items, _span(lines, node))
    assert isinstance(node, yaml.ScalarNode)
    quoted = node.style in {"'", '"'}
    value: str | None = node.value
    if node.tag == _NULL_TAG and not quoted:
        return Scalar(None, _span(lines, node), quoted)
    return Scalar(value, _span(lines, node), quoted, places=_places(lines, node))


def tab_problems(text: str, file: str, out: Collector) -> bool:
    found = False
    for number, line in enumerate(text.split("\n"), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            out.report(
                "TP004",
                Span(file, number, indent.index("\t") + 1),
                "a tab is used for indentation",
                "YAML needs spaces: replace the tab with spaces",
            )
            found = True
    return found


def _missing_colon(text: str, line: int) -> tuple[int, int, str, str] | None:
    """`stop_loss 30 pips` above `take_profit: 60 pips`: YAML reads the two lines as one value
    and trips on the second line's `:`, but the mistake is the missing `:` on the line above."""
    lines = text.split("\n")
    if not 1 < line <= len(lines):
        return None
    current = lines[line - 1]
    indent = len(current) - len(current.lstrip(" "))
    above = line - 1
    while above > 1 and (not lines[above - 1].strip() or lines[above - 1].lstrip().startswith("#")):
        above -= 1
    previous = lines[above - 1].split(" #")[0].rstrip()
    stripped = previous.lstrip(" ")
    if (
        len(previous) - len(stripped) != indent
        or not stripped
        or stripped.startswith(("-", "#", "{", "[", "'", '"'))
        or ":" in stripped
        or " " not in stripped
    ):
        return None
    key, _, value = stripped.partition(" ")
    return (
        above,
        indent + 1,
        f"invalid YAML: `{stripped}` has no `:` after its key",
        f"write `{key}: {value.strip()}`",
    )


def _aliases_refused(text: str, file: str, out: Collector) -> bool:
    """Refuse aliases and merge keys before anything is composed.

    A strategy file never needs them, and expanding them is how a few hundred bytes ("billion
    laughs", `<<` bombs) take minutes and gigabytes. Scanning the event stream is linear in the
    file and builds nothing.
    """
    found = False
    stack: list[str] = []  # per open collection: "key" or "value" (mappings) or "item"
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            stack.pop()
            continue
        if not isinstance(
            event,
            yaml.ScalarEvent | yaml.AliasEvent | yaml.MappingStartEvent | yaml.SequenceStartEvent,
        ):
            continue
        is_key = bool(stack) and stack[-1] == "key"
        if stack and stack[-1] != "item":
            stack[-1] = "value" if is_key else "key"
        mark = event.start_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        if isinstance(event, yaml.AliasEvent):
            out.report(
                "TP008",
                Span(file, line, col, line, col + 1),
                f"YAML aliases are not accepted in strategy files (`*{event.anchor}`)",
                "write the value out where it is used",
            )
            found = True
        elif isinstance(event, yaml.ScalarEvent) and is_key and event.value == "<<":
            if not event.style:  # plain; the C parser says "" where PyYAML says None
                out.report(
                    "TP008",
                    Span(file, line, col, line, col + 2),
                    "YAML merge keys (`<<`) are not accepted in strategy files",
                    "write the keys out in this mapping",
                )
                found = True
        elif isinstance(event, yaml.MappingStartEvent):
            stack.append("key")
        elif isinstance(event, yaml.SequenceStartEvent):
            stack.append("item")
    return found


def read_yaml(text: str, file: str, out: Collector) -> Node | None:
    if tab_problems(text, file, out):
        return None
    # YAML also breaks lines at NEL, LS and PS; editors and our spans count only "\n".
    text = text.translate(_ODD_BREAKS)
    lines = FileLines(text, file)
    try:
        # Without `*` there is no alias and without `<<` no merge key: most files skip the scan.
        if ("*" in text or "<<" in text) and _aliases_refused(text, file, out):
            return None
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raw = f"{exc.problem or ''} {exc.context or ''}".strip()
        message, hint = f"invalid YAML: {raw}", None
        for needle, friendly, friendly_hint in _FRIENDLY:
            if needle in raw:
                message, hint = f"invalid YAML: {friendly}", friendly_hint
                break
        opened = "did not find expected ','" in raw or "end of stream" in raw
        if opened and exc.context_mark is not None:
            # point at the quote or bracket that was opened, not at the end of the file
            line, col = exc.context_mark.line + 1, exc.context_mark.column + 1
        missing = _missing_colon(text, line) if any(n in raw for n in _KEY_TROUBLE) else None
        if missing is not None:
            line, col, message, hint = missing
        out.report("TP001", lines.point(line, col), message, hint)
        return None
    except yaml.YAMLError as exc:
        out.report("TP001", lines.point(1, 1), f"invalid YAML: {exc}")
        return None
    except RecursionError:
        out.report("TP001", lines.point(1, 1), "invalid YAML: nested too deeply")
        return None
    if root is None:
        return None
    return _convert(lines, root, out)
