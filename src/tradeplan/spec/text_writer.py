"""Plain document -> idiomatic text form, the inverse of `read_text`.

`read_text(write_text(doc))` gives back `doc` (as plain values) for every document the text
form can express. Values are written as plain words when they read back unchanged, else quoted.
A document the text form cannot express (a list other than entries and grids, a key that is
not one word) raises ValueError; a single `grid:` mapping is written as a `grid` statement and
so reads back as a one-item `grids` list, which the builder treats the same.
"""

from __future__ import annotations

from collections.abc import Mapping as AbcMapping

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
_NAMED = ("break_even",)  # reads better with its primary keyword: `break_even at 0.4% within 30m`


def _value(text: str, reserved: tuple[str, ...] = ()) -> str:
    return text if plain_ok(text, reserved) else quote(text)


def _label(text: str) -> str:
    return text if single_word(text, ENTRY_WORDS) else quote(text)


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not WORD_RE.fullmatch(key):
        raise ValueError(f"the text form cannot write the key {key!r}: keys are single words")
    return key


class _Writer:
    def statement(self, key: object, value: object, depth: int) -> list[str]:
        name = _check_key(key)
        pad = INDENT * depth
        if name in ("entries", "grids") and isinstance(value, list):
            return self.items(name, value, depth)
        if name == "grid" and isinstance(value, AbcMapping):
            return self.grid(value, depth)
        if name in ("strategy", "entry", "grid"):
            raise ValueError(f"the text form cannot write `{name}` as a key")
        if isinstance(value, list):
            raise ValueError(
                f"the text form cannot write the list under `{name}`: only `entries` and "
                "`grids` are lists"
            )
        if name in PAIR_STATEMENTS:
            return self.pair_statement(name, value, depth)
        if value is None:
            return [pad + name]
        if isinstance(value, str):
            return [f"{pad}{name} {_value(value)}"]
        if isinstance(value, AbcMapping):
            return self.block(pad + name, value, depth)
        raise ValueError(f"the text form cannot write {type(value).__name__} under `{name}`")

    def block(self, head: str, value: AbcMapping[object, object], depth: int) -> list[str]:
        if not value:
            return [head + " {}"]
        lines = [head + " {"]
        for k, v in value.items():
            lines.extend(self.statement(k, v, depth + 1))
        lines.append(INDENT * depth + "}")
        return lines

    def pair_statement(self, name: str, value: object, depth: int) -> list[str]:
        primary, words = PAIR_STATEMENTS[name]
        pad = INDENT * depth
        if value is None:
            return [pad + name]
        if isinstance(value, str):
            if primary is None:
                raise ValueError(f"the text form writes `{name}` only as keyword pairs or a block")
            return [f"{pad}{name} {_value(value, words)}"]
        if not isinstance(value, AbcMapping):
            raise ValueError(f"the text form cannot write {type(value).__name__} under `{name}`")
        inline = (
            value
            and len(value) <= 5
            and all(k in words and isinstance(v, str) for k, v in value.items())
        )
        if inline:
            parts = [pad + name]
            rest = dict(value)
            if primary is not None and primary in rest and len(rest) > 1 and name not in _NAMED:
                parts.append(_value(str(rest.pop(primary)), words))
            for k, v in rest.items():
                parts.extend([str(k), _value(str(v), words)])
            line = " ".join(parts)
            if len(line) <= MAX_INLINE:
                return [line]
        return self.block(pad + name, value, depth)

    def items(self, name: str, value: list[object], depth: int) -> list[str]:
        lines: list[str] = []
        for item in value:
            if not isinstance(item, AbcMapping):
                raise ValueError(f"every item of `{name}` must be a mapping")
            if lines:
                lines.append("")
            lines.extend(self.entry(item, depth) if name == "entries" else self.grid(item, depth))
        return lines

    def entry(self, item: AbcMapping[object, object], depth: int) -> list[str]:
        rest = dict(item)
        head = [INDENT * depth + "entry"]
        name, side, when = rest.get("name"), rest.get("side"), rest.get("when")
        if isinstance(name, str):
            head.append(_label(rest.pop("name")))  # type: ignore[arg-type]
            if isinstance(side, str) and single_word(side, ENTRY_WORDS):
                head.append(side)
                del rest["side"]
        if isinstance(when, str):
            head.extend(["when", _value(when)])
            del rest["when"]
        exits = rest.pop("exits", _MISSING)
        misplaced = [k for k in rest if k in EXIT_KEYS]
        if misplaced:
            raise ValueError(
                f"`{misplaced[0]}` written in an entry belongs under the entry's `exits`"
            )
        body: list[str] = []
        for k, v in rest.items():
            body.extend(self.statement(k, v, depth + 1))
        if exits is not _MISSING:
            loose = isinstance(exits, AbcMapping) and exits and all(k in EXIT_KEYS for k in exits)
            if loose and isinstance(exits, AbcMapping):
                for k, v in exits.items():
                    body.extend(self.statement(k, v, depth + 1))
            else:
                body.extend(self.statement("exits", exits, depth + 1))
        return self.close(" ".join(head), body, depth)

    def grid(self, item: AbcMapping[object, object], depth: int) -> list[str]:
        rest = dict(item)
        head = [INDENT * depth + "grid"]
        side = rest.get("side")
        if isinstance(side, str) and single_word(side, GRID_WORDS):
            head.append(side)
            del rest["side"]
        for k in _GRID_HEADER:
            v = rest.get(k)
            if isinstance(v, str):
                head.extend([k, _value(v, GRID_WORDS)])
                del rest[k]
        body: list[str] = []
        for key, value in rest.items():
            body.extend(self.statement(key, value, depth + 1))
        return self.close(" ".join(head), body, depth)

    @staticmethod
    def close(head: str, body: list[str], depth: int) -> list[str]:
        if not body:
            return [head]
        return [head + " {", *body, INDENT * depth + "}"]

    def header(self, doc: dict[object, object]) -> list[str]:
        """`strategy "NAME" on SYMBOL pip X account CUR via BROKER`, taking from `doc` what fits."""
        name = doc.get("name")
        if not isinstance(name, str):
            return []
        parts = ["strategy", quote(name)]
        del doc["name"]
        instrument = doc.get("instrument")
        if isinstance(instrument, str):
            parts.extend(["on", _value(instrument, HEADER_WORDS)])
            del doc["instrument"]
        elif (
            isinstance(instrument, AbcMapping)
            and set(instrument) == {"symbol", "pip"}
            and all(isinstance(v, str) for v in instrument.values())
        ):
            parts.extend(["on", _value(str(instrument["symbol"]), HEADER_WORDS)])
            parts.extend(["pip", _value(str(instrument["pip"]), HEADER_WORDS)])
            del doc["instrument"]
        for key, word in (("account", "account"), ("broker", "via")):
            value = doc.get(key)
            if isinstance(value, str):
                parts.extend([word, _value(value, HEADER_WORDS)])
                del doc[key]
        return [" ".join(parts)]


_MISSING = object()


def write_text(doc: AbcMapping[str, object]) -> str:
    """The text form of a plain document (nested dicts, lists and strings, as keys.md)."""
    if not isinstance(doc, AbcMapping):
        raise ValueError("a strategy document is a mapping of keys")
    writer = _Writer()
    rest: dict[object, object] = {k: v for k, v in doc.items()}
    chunks: list[list[str]] = []
    if "tradeplan" in rest:
        chunks.append(writer.statement("tradeplan", rest.pop("tradeplan"), 0))
    header = writer.header(rest)
    if header:
        chunks.append(header)
    for key, value in rest.items():
        chunks.append(writer.statement(key, value, 0))
    lines: list[str] = []
    previous_long = False
    for chunk in chunks:
        is_long = len(chunk) > 1
        if lines and (is_long or previous_long):
            lines.append("")
        lines.extend(chunk)
        previous_long = is_long
    return "\n".join(lines) + "\n"


def write_statement(key: str, value: object) -> str:
    """One statement in the text form, e.g. `order limit price close - 0.05`: what a hint shows
    a user to write. Raises ValueError where `write_text` would."""
    return "\n".join(_Writer().statement(key, value, 0))


__all__ = ["tree_to_plain", "write_statement", "write_text"]
