"""Text form -> document tree (the same Mapping / Sequence / Scalar tree the YAML form gives).

Values stay raw text: a plain value is the exact slice of the line it was written on, so an
expression such as `close crosses_above highest(high, 20)[1]` reaches the builder unchanged and
with the span of that slice. Any input string gives a tree or diagnostics, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

from tradeplan.diagnostics.collector import Collector
from tradeplan.diagnostics.lines import FileLines
from tradeplan.diagnostics.model import Diagnostic, Span
from tradeplan.lang.grammar import get_parser
from tradeplan.lang.nodes import Mapping, Node, Scalar, Sequence
from tradeplan.lang.scalar_places import text_string_places
from tradeplan.lang.text_errors import syntax_problem
from tradeplan.lang.text_syntax import EXIT_KEYS, PAIR_STATEMENTS, unquote

SYNTAX = "TP002"
DUPLICATE = "TP106"
INTERNAL = "TP901"
MAX_BLOCK_DEPTH = 50

_LISTS = {"entry": "entries", "grid": "grids"}
_HEADER_KEYS = {"ON": "instrument", "ACCOUNT": "account", "VIA": "broker"}


class _TooDeep(Exception):
    def __init__(self, token: Token) -> None:
        super().__init__("blocks nested too deeply")
        self.token = token


@dataclass(slots=True)
class _Pending:
    """Entries of one mapping being built, with the lists (`entries`, `grids`) and an entry's
    `exits` filled in at the place where their first statement appeared."""

    rows: list[tuple[Scalar, Node] | str] = field(default_factory=list)
    groups: dict[str, tuple[Scalar, list[Node]]] = field(default_factory=dict)
    exits: tuple[Scalar, list[tuple[Scalar, Node]], list[Span]] | None = None


class _Reader:
    def __init__(self, source: str, file: str, out: Collector) -> None:
        self.source = source
        self.file = file
        self.out = out

    # -- spans and scalars ---------------------------------------------------------------------

    def tspan(self, tok: Token) -> Span:
        return Span(
            self.file, tok.line or 1, tok.column or 1, tok.end_line or 1, tok.end_column or 1
        )

    def tree_span(self, node: Tree[Token]) -> Span:
        m = node.meta
        return Span(self.file, m.line, m.column, m.end_line, m.end_column)

    @staticmethod
    def join(first: Span, last: Span) -> Span:
        return Span(first.file, first.line, first.col, last.end_line, last.end_col)

    def key(self, tok: Token, text: str | None = None) -> Scalar:
        return Scalar(text if text is not None else str(tok), self.tspan(tok))

    def scalar(self, node: Tree[Token] | Token) -> Scalar:
        """A value: one quoted string, or the exact source slice of a run of plain words."""
        if isinstance(node, Token):
            if node.type == "STRING":
                places = partial(text_string_places, str(node), node.line or 1, node.column or 1)
                return Scalar(unquote(str(node)), self.tspan(node), True, places=places)
            return Scalar(str(node), self.tspan(node))
        toks = [t for t in node.children if isinstance(t, Token)]
        if len(toks) == 1 and toks[0].type == "STRING":
            return self.scalar(toks[0])
        first, last = toks[0], toks[-1]
        text = self.source[first.start_pos or 0 : last.end_pos or 0]
        return Scalar(text, self.join(self.tspan(first), self.tspan(last)))

    # -- mappings ------------------------------------------------------------------------------

    def mapping(self, rows: list[tuple[Scalar, Node]], span: Span) -> Mapping:
        """A mapping; a key given twice is reported (as YAML's reader does) and the copy dropped."""
        seen: dict[str | None, Scalar] = {}
        kept: list[tuple[Scalar, Node]] = []
        for key, value in rows:
            if key.value in seen:
                first = seen[key.value].span
                self.out.report(
                    DUPLICATE,
                    key.span,
                    f"`{key.value}` is given twice here (first at line {first.line})",
                    "keep one of them",
                )
                continue
            seen[key.value] = key
            kept.append((key, value))
        return Mapping(tuple(kept), span)

    def block_rows(
        self, statements: list[Tree[Token]], depth: int, in_entry: bool = False
    ) -> list[tuple[Scalar, Node]]:
        pending = _Pending()
        for stmt in statements:
            kind = str(stmt.data)
            if kind in _LISTS:
                self.add_item(pending, kind, stmt, depth)
            elif kind == "strategy":
                pending.rows.extend(self.strategy(stmt))
            else:
                key, value = self.statement(stmt, depth)
                if in_entry and self.is_exit(key, value):
                    self.add_exit(pending, key, value)
                else:
                    pending.rows.append((key, value))
        return self.settle(pending)

    @staticmethod
    def is_exit(key: Scalar, value: Node) -> bool:
        return key.value in EXIT_KEYS or (key.value == "exits" and isinstance(value, Mapping))

    def add_item(self, pending: _Pending, kind: str, stmt: Tree[Token], depth: int) -> None:
        name = _LISTS[kind]
        item = self.entry(stmt, depth) if kind == "entry" else self.grid(stmt, depth)
        if name not in pending.groups:
            head = stmt.children[0]
            assert isinstance(head, Token)
            pending.groups[name] = (self.key(head, name), [])
            pending.rows.append(name)
        pending.groups[name][1].append(item)

    def add_exit(self, pending: _Pending, key: Scalar, value: Node) -> None:
        if pending.exits is None:
            pending.exits = (Scalar("exits", key.span), [], [])
            pending.rows.append("exits")
        _, rows, spans = pending.exits
        if key.value == "exits" and isinstance(value, Mapping):
            rows.extend(value.entries)
            spans.append(value.span)
        else:
            rows.append((key, value))
            spans.append(self.join(key.span, value.span))

    def settle(self, pending: _Pending) -> list[tuple[Scalar, Node]]:
        rows: list[tuple[Scalar, Node]] = []
        for row in pending.rows:
            if not isinstance(row, str):
                rows.append(row)
            elif row == "exits" and pending.exits is not None:
                key, exit_rows, spans = pending.exits
                rows.append((key, self.mapping(exit_rows, self.join(spans[0], spans[-1]))))
            else:
                key, items = pending.groups[row]
                span = self.join(items[0].span, items[-1].span)
                rows.append((key, Sequence(tuple(items), span)))
        return rows

    def block(self, node: Tree[Token], depth: int, in_entry: bool = False) -> Mapping:
        brace = node.children[0]
        assert isinstance(brace, Token)
        if depth >= MAX_BLOCK_DEPTH:
            raise _TooDeep(brace)
        stmts = [c for c in node.children if isinstance(c, Tree)]
        return self.mapping(self.block_rows(stmts, depth + 1, in_entry), self.tree_span(node))

    # -- statements ----------------------------------------------------------------------------

    def statement(self, stmt: Tree[Token], depth: int) -> tuple[Scalar, Node]:
        kind = str(stmt.data)
        if kind == "plain":
            return self.plain(stmt, depth)
        return self.pair_statement(stmt, depth)

    def plain(self, stmt: Tree[Token], depth: int) -> tuple[Scalar, Node]:
        head = stmt.children[0]
        assert isinstance(head, Token)
        key = self.key(head)
        value = next((c for c in stmt.children if isinstance(c, Tree) and c.data == "value"), None)
        block = next((c for c in stmt.children if isinstance(c, Tree) and c.data == "block"), None)
        if block is not None:
            if value is not None:
                brace = block.children[0]
                assert isinstance(brace, Token)
                self.out.report(
                    SYNTAX,
                    self.tspan(brace),
                    f"`{key.value}` has both a value and a `{{` block",
                    f"write either `{key.value} VALUE` or `{key.value} {{ ... }}`",
                )
            return key, self.block(block, depth)
        if value is not None:
            return key, self.scalar(value)
        return key, Scalar(None, key.span)

    def pair_statement(self, stmt: Tree[Token], depth: int) -> tuple[Scalar, Node]:
        """`trailing 2% spread 0.50` and friends: a single value, or a mapping when pairs or a
        block follow, with the leading value under the statement's primary field."""
        head = stmt.children[0]
        assert isinstance(head, Token)
        key = self.key(head)
        primary, _ = PAIR_STATEMENTS[key.value or ""]
        leading: Scalar | None = None
        rows: list[tuple[Scalar, Node]] = []
        block: Mapping | None = None
        for child in stmt.children[1:]:
            if not isinstance(child, Tree):
                continue
            if child.data == "block":
                block = self.block(child, depth)
            elif str(child.data).endswith("_pair"):
                word, value = child.children
                assert isinstance(word, Token)
                rows.append((self.key(word), self.scalar(value)))
            else:
                leading = self.scalar(child)
        if leading is not None and not rows and block is None:
            return key, leading
        if leading is None and not rows and block is None:
            return key, Scalar(None, key.span)
        if leading is not None:
            rows.insert(0, (Scalar(primary or "", leading.span), leading))
        if block is not None:
            rows.extend(block.entries)
        return key, self.mapping(rows, self.tree_span(stmt))

    def strategy(self, stmt: Tree[Token]) -> list[tuple[Scalar, Node]]:
        """`strategy NAME on SYMBOL pip X account CUR via BROKER` -> name, instrument, account,
        broker; the instrument becomes a mapping only when `pip` is given."""
        kids = stmt.children
        label = kids[1]
        assert isinstance(label, Tree)
        name = self.scalar(label.children[0])
        rows: list[tuple[Scalar, Node]] = [(Scalar("name", name.span), name)]
        symbol: tuple[Scalar, Scalar] | None = None
        pips: list[tuple[Scalar, Node]] = []
        instrument_at: int | None = None
        i = 2
        while i < len(kids):
            child = kids[i]
            if isinstance(child, Token):  # `on` SYMBOL
                symbol = (self.key(child), self.scalar(kids[i + 1]))
                instrument_at = len(rows)
                i += 2
                continue
            assert isinstance(child, Tree)
            word, value = child.children
            assert isinstance(word, Token)
            if word.type == "PIP":
                pips.append((self.key(word), self.scalar(value)))
                if instrument_at is None:
                    instrument_at = len(rows)
            else:
                field = _HEADER_KEYS[word.type]
                spelt = str(word) if str(word) != field else None  # `via` for `broker`
                rows.append((Scalar(field, self.tspan(word), written=spelt), self.scalar(value)))
            i += 1
        if instrument_at is not None:
            instrument: Node
            if pips:
                inner = ([(Scalar("symbol", symbol[1].span), symbol[1])] if symbol else []) + pips
                first = symbol[0].span if symbol else pips[0][0].span
                span = self.join(first, pips[-1][1].span)
                instrument = self.mapping(inner, span)
                key = self.key_at(symbol[0] if symbol else pips[0][0], "instrument")
            else:
                assert symbol is not None
                instrument, key = symbol[1], self.key_at(symbol[0], "instrument")
            rows.insert(instrument_at, (key, instrument))
        return rows

    @staticmethod
    def key_at(where: Scalar, name: str) -> Scalar:
        return Scalar(name, where.span)

    def entry(self, stmt: Tree[Token], depth: int) -> Mapping:
        """`entry NAME SIDE when EXPR { ... }` -> one item of `entries`."""
        rows: list[tuple[Scalar, Node]] = []
        block: Tree[Token] | None = None
        kids = stmt.children
        for i, child in enumerate(kids[1:], start=1):
            if isinstance(child, Tree) and child.data == "entry_name":
                name = self.scalar(child.children[0])
                rows.append((Scalar("name", name.span), name))
            elif isinstance(child, Tree) and child.data == "value":
                when = kids[i - 1]
                assert isinstance(when, Token)
                rows.append((self.key(when), self.scalar(child)))
            elif isinstance(child, Tree) and child.data == "block":
                block = child
            elif isinstance(child, Token) and child.type == "WORD":
                side = self.scalar(child)
                rows.append((Scalar("side", side.span), side))
        if block is not None:
            if depth >= MAX_BLOCK_DEPTH:
                raise _TooDeep(block.children[0])  # type: ignore[arg-type]
            stmts = [c for c in block.children if isinstance(c, Tree)]
            rows.extend(self.block_rows(stmts, depth + 1, in_entry=True))
        return self.mapping(rows, self.tree_span(stmt))

    def grid(self, stmt: Tree[Token], depth: int) -> Mapping:
        """`grid SIDE from A to B step S units U { ... }` -> one item of `grids`."""
        rows: list[tuple[Scalar, Node]] = []
        for child in stmt.children[1:]:
            if isinstance(child, Token):
                side = self.scalar(child)
                rows.append((Scalar("side", side.span), side))
            elif child.data == "grid_pair":
                word, value = child.children
                assert isinstance(word, Token)
                rows.append((self.key(word), self.scalar(value)))
            else:
                rows.extend(self.block(child, depth).entries)
        return self.mapping(rows, self.tree_span(stmt))

    def document(self, tree: Tree[Token]) -> Mapping:
        stmts = [c for c in tree.children if isinstance(c, Tree)]
        rows = self.block_rows(stmts, 0)
        lines = FileLines(self.source, self.file)
        whole = lines.span(1, 1, lines.count, len(lines.text(lines.count)) + 1)
        return self.mapping(rows, whole)


def read_text(source: str, file: str) -> tuple[Mapping | None, list[Diagnostic]]:
    """Read the text form. Returns the document tree, or None when the text cannot be parsed;
    diagnostics are TP002 (syntax) and TP106 (a key given twice in one block)."""
    out = Collector()
    try:
        return _read(source, file, out)
    except Exception as exc:  # a bug here must not take the linter down
        out.report(INTERNAL, Span(file, 1, 1), f"reading the text form failed: {exc!r}")
        return None, out.items


def _read(source: str, file: str, out: Collector) -> tuple[Mapping | None, list[Diagnostic]]:
    text = " " + source[1:] if source.startswith("\ufeff") else source
    try:
        tree = get_parser().parse(text, start="file")
    except UnexpectedInput as exc:
        message, hint, span = syntax_problem(exc, text, file)
        out.report(SYNTAX, span, message, hint)
        return None, out.items
    except LarkError as exc:  # pragma: no cover - every input problem is an UnexpectedInput
        out.report(SYNTAX, Span(file, 1, 1), f"the file cannot be read: {exc}")
        return None, out.items
    except RecursionError:  # pragma: no cover - the LALR parser does not recurse
        out.report(SYNTAX, Span(file, 1, 1), "the file is nested too deeply to read")
        return None, out.items
    reader = _Reader(text, file, out)
    try:
        root = reader.document(tree)
    except _TooDeep as exc:
        out.report(
            SYNTAX,
            reader.tspan(exc.token),
            f"blocks are nested too deeply (more than {MAX_BLOCK_DEPTH} levels)",
        )
        return None, out.items
    return root, out.items
