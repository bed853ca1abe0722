"""Plain document -> idiomatic text form, the inverse of `read_text`.

`read_text(write_text(doc))` gives back `doc` (as plain values) for every document the text
form can express. Values are written as plain words when they read back unchanged, else quoted.
A document the text form cannot express (a list other than entries and grids, a key that is
not one word) raises ValueError; a single `grid:` mapping is written as a `grid` statement and
so reads back as a one-item `grids` list, which the builder treats the same.

Keys are written in the document's order (below the top level), so the file reads back in that
order: a head line (`entry NAME SIDE when ...`, `grid SIDE from ...`) takes only the keys that
lead the item. With `notes`, every comment is written at its item (see `comments`).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping as AbcMapping

from tradeplan.lang.comment_out import Out, unique
from tradeplan.lang.comments import DOCUMENT, Comments, Path
from tradeplan.lang.nodes_plain import tree_to_plain
from tradeplan.lang.text_syntax import (
    ENTRY_WORDS,
    EXIT_KEYS,
    GRID_WORDS,
    HEADER_WORDS,
    PAIR_STATEMENTS,
    WORD_RE,
    plain_ok,
    quote,
    single_word,
)

INDENT = "    "
MAX_INLINE = 100
_GRID_HEADER = ("name", "from", "to", "step", "at", "units")
NAMED = ("break_even",)  # reads better with its primary keyword: `break_even at 0.4% within 30m`
Starts = tuple[Path, ...] | list[Path]
"""Items whose value starts on a statement's line besides the statement's own (a list's value
starts at its first item, an entry's loose `exits` at the first exit statement)."""


def _value(text: str, reserved: tuple[str, ...] = ()) -> str:
    return text if plain_ok(text, reserved) else quote(text)


def _label(text: str) -> str:
    return text if single_word(text, ENTRY_WORDS) else quote(text)


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not WORD_RE.fullmatch(key):
        raise ValueError(f"the text form cannot write the key {key!r}: keys are single words")
    return key


def _entry_head(key: str, value: str, taken: list[str]) -> str | None:
    """`entry NAME SIDE when EXPR`: each part optional, in this order, SIDE only after NAME."""
    if key == "name" and not taken:
        return _label(value)
    if key == "side" and taken == ["name"] and single_word(value, ENTRY_WORDS):
        return value
    if key == "when" and "when" not in taken:
        return f"when {_value(value)}"
    return None


def _grid_head(key: str, value: str, taken: list[str]) -> str | None:
    """`grid SIDE name N from A ...`: SIDE first, then any of the header words."""
    if key == "side" and not taken and single_word(value, GRID_WORDS):
        return value
    if key in _GRID_HEADER and key not in taken:
        return f"{key} {_value(value, GRID_WORDS)}"
    return None


class _Writer:
    """Writes statements into an `Out`; `path` is the item's path in the document, for its
    comments. Items share a line (`grid buy from 105.00 ...`, `trailing 3% spread 0.20`) only
    when that loses no comment: only the line's first item may have plain comments, and all of
    them must have the same suppressions."""

    def __init__(self, notes: Comments) -> None:
        self.notes = notes

    def joins(self, line: list[Path], path: Path) -> bool:
        """May the item at `path` be written on the line whose items are `line`? Only without
        plain comments, and with the suppressions the line has (read back, every item on a
        line gets them all)."""
        own = self.notes.of(path)
        if own.has_plain():
            return False
        on_line = [self.notes.of(p) for p in line]
        before = unique(t for n in on_line for t in n.sup_before)
        after = unique(t for n in on_line for t in n.sup_after)
        return own.sup_before == before and own.sup_after == after

    def statement(
        self, out: Out, key: object, value: object, depth: int, path: Path, starts: Starts = ()
    ) -> None:
        name = _check_key(key)
        pad = INDENT * depth
        if name in ("entries", "grids") and isinstance(value, list):
            self.items(out, name, value, depth, path, starts)
            return
        if name == "grid" and isinstance(value, AbcMapping):
            self.grid(out, value, depth, path, starts)
            return
        if name in ("strategy", "entry", "grid"):
            raise ValueError(f"the text form cannot write `{name}` as a key")
        if isinstance(value, list):
            raise ValueError(
                f"the text form cannot write the list under `{name}`: only `entries` and "
                "`grids` are lists"
            )
        if name in PAIR_STATEMENTS:
            self.pair_statement(out, name, value, depth, path, starts)
        elif value is None:
            out.code(pad, name, path, (*starts, path))
        elif isinstance(value, str):
            out.code(pad, f"{name} {_value(value)}", path, (*starts, path))
        elif isinstance(value, AbcMapping):
            self.block(out, name, value, depth, path, starts)
        else:
            raise ValueError(f"the text form cannot write {type(value).__name__} under `{name}`")

    def block(
        self,
        out: Out,
        head: str,
        value: AbcMapping[object, object],
        depth: int,
        path: Path,
        starts: Starts = (),
    ) -> None:
        pad = INDENT * depth
        if not value and not self.notes.of(path).end:
            out.code(pad, head + " {}", path, (*starts, path))
            return
        out.code(pad, head + " {", path, (*starts, path))
        for k, v in value.items():
            self.statement(out, k, v, depth + 1, (*path, str(k)))
        out.end(INDENT * (depth + 1), path)
        out.code(pad, "}")

    def pair_statement(
        self, out: Out, name: str, value: object, depth: int, path: Path, starts: Starts
    ) -> None:
        primary, words = PAIR_STATEMENTS[name]
        pad = INDENT * depth
        if value is None:
            out.code(pad, name, path, (*starts, path))
            return
        if isinstance(value, str):
            if primary is None:
                raise ValueError(f"the text form writes `{name}` only as keyword pairs or a block")
            out.code(pad, f"{name} {_value(value, words)}", path, (*starts, path))
            return
        if not isinstance(value, AbcMapping):
            raise ValueError(f"the text form cannot write {type(value).__name__} under `{name}`")
        line = [*starts, path]
        inline = (
            value
            and len(value) <= 5
            and all(k in words and isinstance(v, str) for k, v in value.items())
            and not self.notes.of(path).end
            and all(self.joins(line, (*path, str(k))) for k in value)
        )
        if inline:
            parts = [name]
            rest = dict(value)
            # the leading value reads back as the first key: written so only when it is first
            leads = primary is not None and next(iter(rest)) == primary and name not in NAMED
            if leads and len(rest) > 1:
                parts.append(_value(str(rest.pop(str(primary))), words))
            for k, v in rest.items():
                parts.extend([str(k), _value(str(v), words)])
            text = " ".join(parts)
            if len(pad + text) <= MAX_INLINE:
                out.code(pad, text, path, [*line, *((*path, str(k)) for k in value)])
                return
        self.block(out, name, value, depth, path, starts)

    def items(
        self, out: Out, name: str, value: list[object], depth: int, path: Path, starts: Starts
    ) -> None:
        pad = INDENT * depth
        own = self.notes.of(path)
        if own.before or own.after:  # set off by a blank line: the list's, not its first item's
            out.comments(pad, [*own.before, *own.after])
            out.blank()
        for index, item in enumerate(value):
            if not isinstance(item, AbcMapping):
                raise ValueError(f"every item of `{name}` must be a mapping")
            if index:
                out.blank()
            here = (*path, index)
            first = (*starts, path) if index == 0 else ()
            if name == "entries":
                self.entry(out, item, depth, here, first)
            else:
                self.grid(out, item, depth, here, first)
        out.end(pad, path)  # directly below the last item: the end of the list

    def lead(
        self,
        rest: dict[object, object],
        path: Path,
        line: list[Path],
        fits: Callable[[str, str, list[str]], str | None],
    ) -> list[str]:
        """Take the keys that lead an item onto its head line, in the item's order (so the
        file reads back in that order), while `fits(key, value, taken)` gives their words and
        no comment is lost. Taken keys are removed from `rest` and added to `line`."""
        taken: list[str] = []
        words: list[str] = []
        for key in list(rest):
            value = rest[key]
            here = (*path, str(key))
            text = fits(str(key), value, taken) if isinstance(value, str) else None
            if text is None or not self.joins(line, here):
                break
            words.append(text)
            taken.append(str(key))
            line.append(here)
            del rest[key]
        return words

    def entry(
        self, out: Out, item: AbcMapping[object, object], depth: int, path: Path, starts: Starts
    ) -> None:
        rest = dict(item)
        line = [*starts, path]
        head = ["entry", *self.lead(rest, path, line, _entry_head)]
        misplaced = [k for k in rest if k in EXIT_KEYS]
        if misplaced:
            raise ValueError(
                f"`{misplaced[0]}` written in an entry belongs under the entry's `exits`"
            )
        body = Out(self.notes)
        for k, v in rest.items():
            here = (*path, str(k))
            loose = (
                k == "exits"
                and isinstance(v, AbcMapping)
                and v
                and all(e in EXIT_KEYS for e in v)
                and not self.notes.of(here).has_plain()
            )
            if loose and isinstance(v, AbcMapping):  # written as the entry's own statements
                for number, (e, x) in enumerate(v.items()):
                    first = (here,) if number == 0 else ()
                    self.statement(body, e, x, depth + 1, (*here, str(e)), first)
            else:
                self.statement(body, k, v, depth + 1, here)
        self.close(out, " ".join(head), body, depth, path, line)

    def grid(
        self, out: Out, item: AbcMapping[object, object], depth: int, path: Path, starts: Starts
    ) -> None:
        rest = dict(item)
        line = [*starts, path]
        head = ["grid", *self.lead(rest, path, line, _grid_head)]
        body = Out(self.notes)
        for key, value in rest.items():
            self.statement(body, key, value, depth + 1, (*path, str(key)))
        self.close(out, " ".join(head), body, depth, path, line)

    def close(
        self, out: Out, head: str, body: Out, depth: int, path: Path, line: list[Path]
    ) -> None:
        pad = INDENT * depth
        end = self.notes.of(path).end
        if not len(body) and not end:
            out.code(pad, head, path, line)
            return
        out.code(pad, head + " {", path, line)
        out.extend(body)
        out.end(INDENT * (depth + 1), path)
        out.code(pad, "}")

    def header(self, out: Out, doc: dict[object, object]) -> bool:
        """`strategy "NAME" on SYMBOL pip X account CUR via BROKER`, taking from `doc` what fits."""
        name = doc.get("name")
        if not isinstance(name, str):
            return False
        parts = ["strategy", quote(name)]
        line: list[Path] = [("name",)]
        del doc["name"]
        instrument = doc.get("instrument")
        if isinstance(instrument, str) and self.joins(line, ("instrument",)):
            parts.extend(["on", _value(instrument, HEADER_WORDS)])
            line.append(("instrument",))
            del doc["instrument"]
        elif (
            isinstance(instrument, AbcMapping)
            and list(instrument) == ["symbol", "pip"]
            and all(isinstance(v, str) for v in instrument.values())
            and all(
                self.joins(line, p)
                for p in (("instrument",), ("instrument", "symbol"), ("instrument", "pip"))
            )
        ):
            parts.extend(["on", _value(str(instrument["symbol"]), HEADER_WORDS)])
            parts.extend(["pip", _value(str(instrument["pip"]), HEADER_WORDS)])
            line.extend([("instrument",), ("instrument", "symbol"), ("instrument", "pip")])
            del doc["instrument"]
        for key, word in (("account", "account"), ("broker", "via")):
            value = doc.get(key)
            if isinstance(value, str) and self.joins(line, (key,)):
                parts.extend([word, _value(value, HEADER_WORDS)])
                line.append((key,))
                del doc[key]
        out.code("", " ".join(parts), ("name",), line)
        return True


def write_text(doc: AbcMapping[str, object], notes: Comments | None = None) -> str:
    """The text form of a plain document (nested dicts, lists and strings, as keys.md), with
    the comments in `notes` (by path) where they belong."""
    if not isinstance(doc, AbcMapping):
        raise ValueError("a strategy document is a mapping of keys")
    notes = notes if notes is not None else Comments()
    writer = _Writer(notes)
    rest: dict[object, object] = {k: v for k, v in doc.items()}
    chunks: list[Out] = []
    if "tradeplan" in rest:
        chunk = Out(notes)
        writer.statement(chunk, "tradeplan", rest.pop("tradeplan"), 0, ("tradeplan",))
        chunks.append(chunk)
    chunk = Out(notes)
    if writer.header(chunk, rest):
        chunks.append(chunk)
    for key, value in rest.items():
        chunk = Out(notes)
        writer.statement(chunk, key, value, 0, (_check_key(key),))
        chunks.append(chunk)
    out = Out(notes)
    out.comments("", notes.of(DOCUMENT).before)
    previous_long = False
    for number, chunk in enumerate(chunks):
        is_long = len(chunk) > 1
        if number and (is_long or previous_long):
            out.blank()
        out.extend(chunk)
        previous_long = is_long
    if notes.of(DOCUMENT).end:
        if chunks:
            out.blank()
        out.end("", DOCUMENT)
    return out.render()


def write_statement(key: str, value: object) -> str:
    """One statement in the text form, e.g. `order limit price close - 0.05`: what a hint shows
    a user to write. Raises ValueError where `write_text` would."""
    notes = Comments()
    out = Out(notes)
    _Writer(notes).statement(out, key, value, 0, (key,))
    return "\n".join(out.lines())


__all__ = ["tree_to_plain", "write_statement", "write_text"]
