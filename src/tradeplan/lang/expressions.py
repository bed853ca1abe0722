"""Expression text -> expression AST, with every node's span in real file coordinates.

The same function reads `when:` strings from YAML and expression values from the text form,
so both forms report the same message at the same column for the same mistake. A syntax error
becomes one TP003 diagnostic in plain words; no Lark exception ever reaches the caller.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

from tradeplan.diagnostics.collector import Collector
from tradeplan.diagnostics.model import Diagnostic, Span
from tradeplan.lang.expr import (
    Binary,
    Call,
    Compare,
    Cross,
    Expr,
    Index,
    Logic,
    Name,
    Not,
    Number,
    Quantity,
    TimeBetween,
    Unary,
)
from tradeplan.lang.expression_errors import syntax_problem
from tradeplan.lang.grammar import get_parser
from tradeplan.lang.scalar_places import Places

CODE = "TP003"
MAX_DEPTH = 100
"""Nesting beyond this is refused with a diagnostic rather than risking Python's stack."""

_UNITS = {"pips": "pips", "pip": "pips", "ticks": "ticks", "tick": "ticks"}


class Locator:
    """Maps offsets in an expression's text to file positions.

    By default the text is taken as written from `base` on, line breaks included. A reader that
    knows better (a folded, quoted or escaped value) gives `places` instead: runs of
    (offset, line, column), see `tradeplan.lang.scalar_places`.
    """

    __slots__ = ("_file", "_length", "_offsets", "_places")

    def __init__(self, source: str, base: Span, places: Places | None = None) -> None:
        self._file = base.file
        if not places:
            starts = [0] + [i + 1 for i, ch in enumerate(source) if ch == "\n"]
            places = tuple(
                (start, base.line + row, base.col if row == 0 else 1)
                for row, start in enumerate(starts)
            )
        self._places = places
        self._offsets = [offset for offset, _, _ in places]
        self._length = len(source)

    def position(self, offset: int) -> tuple[int, int]:
        offset = min(max(offset, 0), max(self._length - 1, 0))
        run = max(bisect_right(self._offsets, offset) - 1, 0)
        start, line, col = self._places[run]
        return line, col + offset - start

    def span(self, start: int, end: int) -> Span:
        """The characters `start` to `end` (exclusive). The end is just after the last one, so
        a token that ends a line ends on that line; when the last one is written wider in the
        file (`\\"`, `''`), the end is where the next character is written."""
        end = max(end, start + 1)
        line, col = self.position(start)
        end_line, end_col = self.position(end - 1)
        end_col += 1
        if end < self._length:
            next_line, next_col = self.position(end)
            if next_line == end_line and next_col > end_col:
                end_col = next_col
        if (end_line, end_col) < (line, col):  # pragma: no cover - places only go forward
            end_line, end_col = line, col
        return Span(self._file, line, col, end_line, end_col)


Node = Tree[Token] | Token


class _Builder:
    """Parse tree -> AST, one method per grammar rule. Slips the grammar lets through (e.g.
    `close[1.5]`) are reported and building goes on, so one pass finds all of them."""

    def __init__(self, locate: Locator, out: Collector) -> None:
        self.locate = locate
        self.out = out
        self.rules: dict[str, Callable[[Tree[Token], Span, int], Expr]] = {
            "expression": lambda n, _s, d: self.build(n.children[0], d),
            "or_test": self.logic,
            "and_test": self.logic,
            "not_op": lambda n, s, d: Not(self.build(n.children[1], d), s),
            "comparison": self.comparison,
            "arith": self.binary,
            "term": self.binary,
            "neg": lambda n, s, d: Unary("-", self.build(n.children[1], d), s),
            "pos": lambda n, s, d: replace(self.build(n.children[1], d), span=s),
            "paren": lambda n, s, d: replace(self.build(n.children[1], d), span=s),
            "index": self.index,
            "call": self.call,
            "quantity": self.quantity,
            "between": self.between,
        }

    def span_of(self, node: Node) -> Span:
        if isinstance(node, Token):
            start = node.start_pos or 0
            end = node.end_pos if node.end_pos is not None else start + len(node.value)
            return self.locate.span(start, end)
        return self.locate.span(node.meta.start_pos, node.meta.end_pos)

    def report(self, node: Node, message: str, hint: str | None = None) -> None:
        self.out.report(CODE, self.span_of(node), message, hint)

    def build(self, node: Node, depth: int = 0) -> Expr:
        if depth > MAX_DEPTH:
            raise _TooDeep(node)
        span = self.span_of(node)
        if isinstance(node, Token):
            if node.type == "NUMBER":
                return Number(Decimal(node.value), span)
            return Name(str(node.value), span)
        return self.rules[str(node.data)](node, span, depth + 1)

    def logic(self, node: Tree[Token], span: Span, depth: int) -> Expr:
        op = "or" if node.data == "or_test" else "and"
        return Logic(op, tuple(self.build(k, depth) for k in node.children[::2]), span)

    def comparison(self, node: Tree[Token], span: Span, depth: int) -> Expr:
        left, op, right = node.children
        a, b = self.build(left, depth), self.build(right, depth)
        if str(op).startswith("crosses_"):
            return Cross(str(op).removeprefix("crosses_"), a, b, span)
        return Compare(str(op), a, b, span)

    def binary(self, node: Tree[Token], span: Span, depth: int) -> Expr:
        """`a - b + c` arrives flat; it folds to the left, each fold one level deeper."""
        kids = node.children
        if depth + len(kids) // 2 > MAX_DEPTH:
            raise _TooDeep(node)
        result = self.build(kids[0], depth)
        for i in range(1, len(kids), 2):
            right = self.build(kids[i + 1], depth)
            first, last = result.span, right.span
            joined = Span(span.file, first.line, first.col, last.end_line, last.end_col)
            result = Binary(str(kids[i]), result, right, joined)
        return result

    def index(self, node: Tree[Token], span: Span, depth: int) -> Expr:
        target = self.build(node.children[0], depth)
        offset = node.children[2]
        raw = str(offset)
        if not raw.isdigit():
            self.report(
                offset,
                f"a history offset is a whole number of bars, not `{raw}`",
                "write e.g. `close[1]` for the previous bar",
            )
            return target
        if len(raw) > 9:
            self.report(offset, f"the history offset `{raw}` is too large")
            return target
        return Index(target, int(raw), span)

    def call(self, node: Tree[Token], span: Span, depth: int) -> Expr:
        kids = node.children
        args = tuple(
            self.build(k, depth)
            for k in kids[2:-1]
            if not (isinstance(k, Token) and k.type == "COMMA")
        )
        return Call(str(kids[0]), args, span)

    def quantity(self, node: Tree[Token], span: Span, depth: int) -> Expr:
        first, second = node.children
        if isinstance(first, Token) and first.type == "DOLLAR":
            return Quantity(Decimal(str(second)), "price", span)
        return Quantity(Decimal(str(first)), _UNITS.get(str(second), "percent"), span)

    def between(self, node: Tree[Token], span: Span, depth: int) -> Expr:
        name, _, start, _, end = node.children
        if str(name) != "time":
            self.report(
                name,
                f"only `time` can be used with `between`, not `{name}`",
                "write `time between 09:35 and 15:50`",
            )
        return TimeBetween(str(start), str(end), span)


class _TooDeep(Exception):
    def __init__(self, node: Node) -> None:
        super().__init__("nested too deeply")
        self.node = node


def parse_expression(
    source: str, span: Span, places: Places | None = None
) -> tuple[Expr | None, list[Diagnostic]]:
    """Parse `source`, whose first character sits at `span`'s line and column in `span.file`,
    or whose characters sit at `places` when the reader knows them."""
    out = Collector()
    locate = Locator(source, span, places)
    # Line breaks are plain spaces inside an expression; one char for one keeps every offset.
    text = source.replace("\r", " ").replace("\n", " ")
    if not text.strip():
        out.report(
            CODE, locate.span(0, max(len(source), 1)), "expected an expression, found nothing"
        )
        return None, out.items
    if "#" in text:  # the grammar skips comments; inside an expression a `#` is a mistake
        at = text.index("#")
        out.report(CODE, locate.span(at, at + 1), "unexpected `#`: an expression has no comments")
        return None, out.items
    try:
        tree = get_parser().parse(text, start="expression")
    except UnexpectedInput as exc:
        problem = syntax_problem(exc, text)
        out.report(CODE, locate.span(problem.start, problem.end), problem.message, problem.hint)
        return None, out.items
    except LarkError as exc:  # pragma: no cover - Lark reports every input problem above
        out.report(CODE, locate.span(0, 1), f"the expression cannot be read ({exc})")
        return None, out.items
    builder = _Builder(locate, out)
    try:
        expr = builder.build(tree)
    except _TooDeep as exc:
        builder.report(exc.node, f"the expression is nested too deeply (over {MAX_DEPTH} levels)")
        return None, out.items
    except (InvalidOperation, ValueError) as exc:  # pragma: no cover - the grammar forbids it
        out.report(CODE, locate.span(0, 1), f"a number in the expression cannot be read ({exc})")
        return None, out.items
    if out.has_errors:
        return None, out.items
    return expr, out.items


__all__ = ["Locator", "parse_expression"]
