"""How a diagnostic writes keys and syntax: one vocabulary per language form.

Both forms are read into one tree and checked by one builder and one compiler, but a finding
must read like the file it is about: a `.tp` file says `entry`, `tradeplan 1` and
`stop_loss 20 pips`, a YAML file `entries:`, `tradeplan: 1` and `stop_loss: 20 pips`. A hint in
the other form's syntax tells the user to write something that does not parse, and a "did you
mean" drawn from the other form's keys suggests a word that is not valid there. So every message
that quotes a key with its value, shows a statement, or suggests or lists keys takes its words
from a `Wording`; the two tables at the end of this module are the only place the forms differ.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass

from tradeplan.diagnostics.suggest import closest
from tradeplan.lang import keys
from tradeplan.lang.nodes import Mapping, Node, Sequence
from tradeplan.lang.source import Form
from tradeplan.lang.text_syntax import EXIT_KEYS, GRID_WORDS, PAIR_STATEMENTS
from tradeplan.lang.text_writer import write_statement

ENTRY_EXAMPLE = {
    "name": "breakout-long",
    "side": "long",
    "when": "close crosses_above sma(close, 20)",
}
"""The entry a hint shows when it shows a whole one."""


@dataclass(frozen=True, slots=True)
class Wording:
    """The words of one form. `keys` holds the keys valid at each place (by the section names of
    `keys.SECTIONS`, for suggestions and key lists); `phrases` the sentences that differ by more
    than the spelling of a statement, as `str.format` templates."""

    form: Form
    keys: AbcMapping[str, tuple[str, ...]]
    phrases: AbcMapping[str, str]
    render: Callable[[str, object], str]
    inline: AbcMapping[str, tuple[str, ...]]

    def show(self, key: str, value: object = None) -> str:
        """`key` with `value` (a string, or a dict for a nested mapping) as the file writes it,
        in backticks: `stop_loss: 20 pips` or `stop_loss 20 pips`."""
        return f"`{self.render(key, value)}`"

    def ref(self, key: str, example: str) -> str:
        """A key to add: YAML names it (`stop_loss:`); the text form shows it with an example
        value (`stop_loss 20 pips`), since a bare word there reads as a key with no value."""
        if self.form is Form.YAML:
            return f"`{key}:`"
        return self.show(key, example)

    def known(self, section: str) -> tuple[str, ...]:
        return self.keys[section]

    def say(self, phrase: str, **fields: str) -> str:
        return self.phrases[phrase].format(**fields)

    def required(self, section: str, key: str, example: str) -> str:
        """The hint for a missing required key: where and how this form writes it."""
        template = self.phrases.get(f"required.{section}.{key}", self.phrases["required"])
        return template.format(example=self.show(key, example))

    def glued_keyword(self, section: str, value: str) -> str | None:
        """A hint for a value that did not read because a misspelt inline keyword became part of
        it: in the text form `grid buy from 105 to 115 stpe 50 pips` gives `to` the value
        `115 stpe 50 pips`. None when no later word of the value is near a keyword there."""
        words = self.inline.get(section, ())
        for word in value.split()[1:]:
            best = closest(word, words) if word not in words else None
            if best is not None:
                return (
                    f"did you mean `{best}`? `{word}` is not a keyword of this statement, "
                    "so it was read as part of this value"
                )
        return None

    def kind(self, node: Node) -> str:
        """What a node is, in this form's terms: `a block { ... }` is YAML's mapping."""
        if isinstance(node, Mapping):
            return self.say("kind.mapping")
        if isinstance(node, Sequence):
            return self.say("kind.list")
        return "a single value"


def _flow(value: object) -> str:
    if isinstance(value, AbcMapping):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return "" if value is None else str(value)


def _yaml(key: str, value: object) -> str:
    return f"{key}: {_flow(value)}".rstrip()


def _text(key: str, value: object) -> str:
    try:
        return write_statement(key, value)
    except ValueError:  # a value the writer refuses: still say it in the text form's order
        return f"{key} {_flow(value)}".rstrip()


_ENTRY_LINE = _text("entries", [ENTRY_EXAMPLE])
_GRID_LINE = "grid buy from 105.00 to 115.00 step 50 pips units 1000"

YAML = Wording(
    form=Form.YAML,
    keys={section: tuple(table) for section, table in keys.SECTIONS.items()},
    phrases={
        "start": "start with `tradeplan: 1` and `name: ...`",
        "no_trades": "the strategy has no `entries` and no `grid`: it never trades",
        "no_trades_hint": "add an `entries:` list or a `grid:`",
        "entries_not_list": "`entries` should be a list, not {kind}",
        "entries_not_list_hint": "start each entry with `- name: ...`",
        "grids_not_list": "`grids` should be a list of grids",
        "required": "add for example {example}",
        "a_mapping": "a mapping of keys",
        "kind.mapping": "a mapping (key: value pairs)",
        "kind.list": "a list",
        "remove": "remove `{key}:`",
        "to_the_exits": "to the exits",
        "to_the_entry": "to the entry",
        "order_add": "add {field}",
        "order_shorthand": "write the order as a mapping: {order}",
        "limit_trades_there": "`type: limit`",
        "paper": "`broker: paper`",
    },
    render=_yaml,
    inline={},  # a YAML value never swallows the next key
)

TEXT = Wording(
    form=Form.TEXT,
    keys={
        **YAML.keys,
        # `strategy` and `entry` are statements; `entries` and `grids` are YAML's lists of them.
        "top": (
            "tradeplan",
            "strategy",
            *(
                "entry" if k == "entries" else k
                for k in keys.TOP
                if k not in ("tradeplan", "grids")
            ),
        ),
        # Exit keys are written straight in an entry's block.
        "entry": (*keys.ENTRY, *EXIT_KEYS),
    },
    phrases={
        "start": "start with `tradeplan 1` and a line `strategy NAME on SYMBOL`",
        "no_trades": "the strategy has no `entry` and no `grid`: it never trades",
        "no_trades_hint": f"add an `entry` statement, e.g. `{_ENTRY_LINE}`, or a `grid` statement",
        "entries_not_list": "the text form writes each entry as its own `entry` statement, "
        "not under `entries`",
        "entries_not_list_hint": f"write for example `{_ENTRY_LINE}`",
        "grids_not_list": "the text form writes each grid as its own `grid` statement, "
        "not under `grids`",
        "required": "add for example {example}",
        "required.top.name": "add a `strategy` line, e.g. `strategy my-strategy on USD/JPY`",
        "required.top.instrument": "add `on USD/JPY` to the `strategy` line, "
        "or a line `instrument USD/JPY`",
        "required.entry.name": f"name the entry after `entry`, e.g. `{_ENTRY_LINE}`",
        "required.entry.side": f"write the side after the entry's name, e.g. `{_ENTRY_LINE}`",
        "required.entry.when": f"add the condition to the entry's line, e.g. `{_ENTRY_LINE}`",
        "required.grid.side": f"write the side after `grid`, e.g. `{_GRID_LINE}`",
        "a_mapping": "a block `{{ ... }}` of keys",
        "kind.mapping": "a block `{{ ... }}`",
        "kind.list": "a list of statements",
        "remove": "remove the `{key}` line",
        "to_the_exits": "to the entry's block",
        "to_the_entry": "to the entry's block",
        "order_add": "add {field} to the `order` statement",
        "order_shorthand": "give it on the order's line: {order}",
        "limit_trades_there": "`order limit`",
        "paper": "`via paper` on the `strategy` line",
    },
    render=_text,
    # The keywords a statement takes on its own line; a value there runs up to the next one.
    inline={"grid": GRID_WORDS, **{name: words for name, (_, words) in PAIR_STATEMENTS.items()}},
)


def wording(form: Form) -> Wording:
    return TEXT if form is Form.TEXT else YAML


__all__ = ["TEXT", "YAML", "Wording", "wording"]
