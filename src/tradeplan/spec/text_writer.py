"""Plain document -> idiomatic text form, the inverse of `read_text`.

`read_text(write_text(doc))` gives back `doc` (as plain values) for every document the text
form can express. Values are written as plain words when they read back unchanged, else quoted.
A document the text form cannot express (a list other than entries and grids, a key that is
not one word) raises ValueError; a single `grid:` mapping is written as a `grid` statement and
so reads back as a one-item `grids` list, which the builder treats the same.
"""

from __future__ import annotations

from collections.abc import Mapping as AbcMapping

from tradeplan.spec.comment_out import Out
from tradeplan.spec.comments import DOCUMENT, Comments, Path
from tradeplan.spec.nodes_plain import tree_to_plain
from tradeplan.spec.text_syntax import (
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
        before = {t for n in on_line for t in n.sup_before}
        after = {t for n in on_line for t in n.sup_after}
        return set(own.sup_before) == before and set(own.sup_after) == after

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
            if primary is not None and primary in rest and len(rest) > 1 and name not in NAMED:
                parts.append(_value(str(rest.pop(primary)), words))
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

    def entry(
        self, out: Out, item: AbcMapping[object, object], depth: int, path: Path, starts: Starts
    ) -> None:
        rest = dict(item)
        head = ["entry"]
        line = [*starts, path]
        name, side, when = rest.get("name"), rest.get("side"), rest.get("when")
        if isinstance(name, str) and self.joins(line, (*path, "name")):
            head.append(_label(name))
            line.append((*path, "name"))
            del rest["name"]
            if (
                isinstance(side, str)
                and single_word(side, ENTRY_WORDS)
                and self.joins(line, (*path, "side"))
            ):
                head.append(side)
                line.append((*path, "side"))
                del rest["side"]
        if isinstance(when, str) and self.joins(line, (*path, "when")):
            head.extend(["when", _value(when)])
            line.append((*path, "when"))
            del rest["when"]
        exits = rest.pop("exits", _MISSING)
        misplaced = [k for k in rest if k in EXIT_KEYS]
        if misplaced:
            raise ValueError(
                f"`{misplaced[0]}` written in an entry belongs under the entry's `exits`"
            )
        body = Out(self.notes)
        for k, v in rest.items():
            self.statement(body, k, v, depth + 1, (*path, str(k)))
        if exits is not _MISSING:
            where = (*path, "exits")
            loose = (
                isinstance(exits, AbcMapping)
                and exits
                and all(k in EXIT_KEYS for k in exits)
                and not self.notes.of(where).has_plain()
            )
            if loose and isinstance(exits, AbcMapping):
                for number, (k, v) in enumerate(exits.items()):
                    first = (where,) if number == 0 else ()
                    self.statement(body, k, v, depth + 1, (*where, str(k)), first)
            else:
                self.statement(body, "exits", exits, depth + 1, where)
        self.close(out, " ".join(head), body, depth, path, line)

    def grid(
        self, out: Out, item: AbcMapping[object, object], depth: int, path: Path, starts: Starts
    ) -> None:
        rest = dict(item)
        head = ["grid"]
        line = [*starts, path]
        side = rest.get("side")
        if (
            isinstance(side, str)
            and single_word(side, GRID_WORDS)
            and self.joins(line, (*path, "side"))
        ):
            head.append(side)
            line.append((*path, "side"))
            del rest["side"]
        for k in _GRID_HEADER:
            v = rest.get(k)
            if isinstance(v, str) and self.joins(line, (*path, k)):
                head.extend([k, _value(v, GRID_WORDS)])
                line.append((*path, k))
                del rest[k]
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
            and set(instrument) == {"symbol", "pip"}
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


_MISSING = object()


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
    return "\n".join(_Writer().statement(key, value, 0))


__all__ = ["tree_to_plain", "write_statement", "write_text"]
