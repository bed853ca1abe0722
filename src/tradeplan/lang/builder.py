"""Document tree -> StrategySpec, reporting every structural and value problem at once.

The builder knows the shape of the language (which keys exist, which values they take) but
nothing about instruments or brokers; those checks live in the compiler. It never stops at the
first problem: a broken field is reported and left out, and building goes on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import TypeVar

from tradeplan.core.enums import (
    FillProfile,
    OrderType,
    RestartPolicy,
    Session,
    Side,
    TimeInForce,
)
from tradeplan.core.units import Distance, DistanceUnit
from tradeplan.diagnostics.collector import Collector
from tradeplan.diagnostics.model import Span
from tradeplan.diagnostics.secrets import SECRET_KEY, SECRET_VALUE
from tradeplan.diagnostics.suggest import did_you_mean
from tradeplan.lang import keys
from tradeplan.lang.expr import Expr
from tradeplan.lang.expressions import parse_expression
from tradeplan.lang.model import (
    AccountSpec,
    BareNumber,
    BreakEvenSpec,
    BrokerSpec,
    EntrySpec,
    ExitsSpec,
    FeesSpec,
    GridSpec,
    InstrumentSpec,
    OrderSpec,
    RiskSpec,
    SizingSpec,
    StrategySpec,
    TimeExitSpec,
    TrailingSpec,
)
from tradeplan.lang.nodes import Mapping, Node, Scalar, Sequence
from tradeplan.lang.source import Form
from tradeplan.lang.values import (
    NONE_WORDS,
    ValueProblem,
    ranged,
    read_amount,
    read_bool,
    read_clock,
    read_decimal,
    read_distance,
    read_duration,
    read_int,
    read_percent,
)
from tradeplan.lang.wording import ENTRY_EXAMPLE, wording

T = TypeVar("T")
E = TypeVar("E", bound=Enum)

SUPPORTED_VERSIONS = (1,)
MARKET_KINDS = {"usdm_futures": "crypto_perp", "us": "us_stock", "fx": "fx"}
BROKER_NAMES = ("paper", "oanda", "binance", "futu")
# Names may be written in any script (traders of seed 002's market write Japanese): a letter or
# digit of any alphabet first, then letters, digits, `_`, `.` and `-`.
_NAME = re.compile(r"^[^\W_][\w.\-]*$")


class Fields:
    """One mapping being read: unknown keys are reported once, used keys are tracked.

    `section` names the place (`keys.SECTIONS`): the tree's keys are checked against the
    language's table, while a suggestion or a list of keys comes from the keys the file's own
    form accepts there (the text form writes `entry` where YAML writes `entries`)."""

    def __init__(self, builder: Builder, node: Mapping, section: str, where: str) -> None:
        self.b = builder
        self.node = node
        self.section = section
        self.where = where
        self.spans: dict[str, Span] = {}
        table = keys.SECTIONS[section]
        known = builder.words.known(section)
        for key, _value in node.entries:
            name = key.value or ""
            if name in table:
                continue
            if SECRET_KEY.search(name):
                continue  # reported by the secret scan, with the value hidden
            builder.out.report(
                "TP101",
                key.span,
                f"unknown key `{name}` in {where}",
                did_you_mean(name, known) or f"known keys here: {', '.join(known)}",
            )

    def written(self, key: str) -> str:
        """The word the file used for `key` (the text form writes `broker` as `via`)."""
        for k, _value in self.node.entries:
            if k.value == key:
                return k.written or key
        return key

    def get(self, key: str) -> Node | None:
        node = self.node.get(key)
        if node is not None:
            self.spans[key] = node.span
        return node

    def require(self, key: str, example: str) -> Node | None:
        """The value of a required key; `example` is a value to show in the hint if it is missing."""
        node = self.get(key)
        if node is None:
            self.b.out.report(
                "TP102",
                self.node.span,
                f"{self.where} needs `{key}`",
                self.b.words.required(self.section, key, example),
            )
        return node

    def text(self, key: str, required: str | None = None) -> str | None:
        node = self.require(key, required) if required else self.get(key)
        if node is None:
            return None
        return self.b.scalar_text(node, f"`{key}`")

    def value(self, key: str, reader: Callable[[str], T], required: str | None = None) -> T | None:
        found = self.scalar(key, required)
        if found is None:
            return None
        node, text, name = found
        return self.b.read(node, text, reader, name, self.section)

    def distance(
        self, key: str, required: str | None = None, within: str | None = None
    ) -> Distance | None:
        """A distance field; a bare number is noted for the FX check (TP211).

        `within` names the mapping (`trailing`) when the key alone (`spread`) is unclear.
        """
        found = self.scalar(key, required)
        if found is None:
            return None
        node, text, name = found
        value = self.b.read(node, text, read_distance, name, self.section)
        if value is not None:
            self.b.note_bare(value, text, name, within if name == key else None, node.span)
        return value

    def scalar(self, key: str, required: str | None = None) -> tuple[Node, str, str] | None:
        """The node, its text and the name a message quotes it by."""
        text = self.text(key, required)
        if text is None:
            return None
        node = self.node.get(key)
        assert node is not None
        shorthand = node.span == self.node.span  # `broker: oanda` for `broker: {name: oanda}`
        return node, text, self.where.strip("`") if shorthand else key

    def choice(self, key: str, enum: type[E], required: str | None = None) -> E | None:
        return self.value(key, lambda t: choose(t, enum, key), required)

    def expression(self, key: str, required: str | None = None) -> Expr | None:
        text = self.text(key, required)
        node = self.node.get(key)
        if text is None or node is None:
            return None
        return self.b.expression(text, node)


def choose(text: str, enum: type[E], what: str) -> E:
    word = text.strip().lower()
    for member in enum:
        if member.value == word:
            return member
    options = [str(m.value) for m in enum]
    raise ValueProblem(
        f"`{text}` is not a valid {what}; choose one of: {', '.join(options)}",
        did_you_mean(word, options),
        code="TP201",
    )


def read_side(text: str) -> Side:
    try:
        return Side.parse(text.strip())
    except KeyError:
        raise ValueProblem(
            f"`{text}` is not a side; write long or short (buy or sell)",
            did_you_mean(text.strip(), ["long", "short", "buy", "sell"]),
            code="TP201",
        ) from None


def read_name(text: str) -> str:
    if not _NAME.match(text):
        raise ValueProblem(
            f"`{text}` is not a usable name",
            "use letters (any script), digits, `-`, `_` and `.`, starting with a letter or digit",
        )
    return text


class Builder:
    def __init__(self, file: str, out: Collector, form: Form = Form.YAML) -> None:
        self.file = file
        self.out = out
        self.form = form
        self.words = wording(form)
        self.bare: list[BareNumber] = []

    def note_bare(
        self, value: Distance, text: str, key: str, within: str | None, span: Span
    ) -> None:
        """Keep a price distance written without `$` (`20`, not `$20`) for the compiler."""
        if value.unit is DistanceUnit.PRICE and "$" not in text:
            self.bare.append(BareNumber(key, text.strip(), within, value, span))

    # -- small readers -------------------------------------------------------------------------

    def scalar_text(self, node: Node, what: str) -> str | None:
        if not isinstance(node, Scalar):
            self.out.report(
                "TP103", node.span, f"{what} should be a single value, not {self.words.kind(node)}"
            )
            return None
        if node.value is None or not node.value.strip():
            self.out.report("TP102", node.span, f"{what} has no value")
            return None
        return node.value

    def read(
        self,
        node: Node,
        text: str,
        reader: Callable[[str], T],
        key: str | None = None,
        section: str | None = None,
    ) -> T | None:
        """Read a value; a problem quoting the bare value quotes the key with it, as the file's
        form writes it, so that "`0` must be at least 1" reads "`max_open_positions: 0` must be
        at least 1" (`max_open_positions 0` in the text form)."""
        try:
            return reader(text)
        except ValueProblem as problem:
            message = problem.message
            quoted = f"`{text}`"
            if key is not None and message.startswith(quoted):
                message = self.words.show(key, text.strip()) + message[len(quoted) :]
            glued = self.words.glued_keyword(section, text) if section else None
            self.out.report(problem.code, node.span, message, glued or problem.hint)
            return None

    def expression(self, text: str, node: Node) -> Expr | None:
        """Parse an expression value; its problems are placed where its characters are written
        in the file, which for a folded, quoted or escaped value the reader knows best."""
        span = node.span
        places = None
        if isinstance(node, Scalar) and node.places is not None:
            places = node.places()
        elif isinstance(node, Scalar) and node.quoted:
            span = Span(span.file, span.line, span.col + 1, span.end_line, span.end_col)
        expr, problems = parse_expression(text, span, places)
        self.out.items.extend(problems)
        return expr

    def mapping(
        self, node: Node | None, section: str, where: str, primary: str | None = None
    ) -> Fields | None:
        """Read a mapping; a single value is accepted as shorthand for its `primary` field."""
        if node is None:
            return None
        if isinstance(node, Scalar) and primary is not None:
            key = Scalar(primary, node.span)
            return Fields(self, Mapping(((key, node),), node.span), section, where)
        if not isinstance(node, Mapping):
            self.out.report(
                "TP103",
                node.span,
                f"{where} should be {self.words.say('a_mapping')}, not {self.words.kind(node)}",
            )
            return None
        return Fields(self, node, section, where)

    # -- sections ------------------------------------------------------------------------------

    def build(self, root: Node) -> StrategySpec | None:
        self.scan_secrets(root)
        if not isinstance(root, Mapping):
            self.out.report(
                "TP103",
                root.span,
                f"a strategy file should be {self.words.say('a_mapping')}, "
                f"not {self.words.kind(root)}",
                self.words.say("start"),
            )
            return None
        top = Fields(self, root, "top", "the strategy")
        version = top.value("tradeplan", lambda t: read_int(t, "a version number"))
        if top.get("tradeplan") is None:
            self.out.report(
                "TP104",
                root.span,
                "the file does not say its language version",
                f"add {self.words.show('tradeplan', '1')} as the first line",
            )
        elif version is not None and version not in SUPPORTED_VERSIONS:
            self.out.report(
                "TP104",
                top.spans["tradeplan"],
                f"language version {version} is not supported by this tradeplan",
                f"write {self.words.show('tradeplan', '1')}",
            )
        name = top.value("name", read_name, required="my-strategy")
        description = top.text("description")
        instrument = self.instrument(top.require("instrument", "USD/JPY"))
        account = self.account(top.get("account"))
        broker = self.broker(top.get("broker"), top.written("broker"))
        session = top.choice("session", Session)
        timeframe = top.value("timeframe", read_duration)
        fees = self.fees(top.get("fees"))
        sizing = self.sizing(top.get("sizing"), "`sizing`")
        entries = self.entries(top.get("entries"))
        exits = self.exits(top.get("exits"), "`exits`")
        grids = self.grids(top.get("grid"), top.get("grids"))
        risk = self.risk(top.get("risk"))
        on_restart = top.choice("on_restart", RestartPolicy)
        if top.get("entries") is None and top.get("grid") is None and top.get("grids") is None:
            self.out.report(
                "TP105",
                root.span,
                self.words.say("no_trades"),
                self.words.say("no_trades_hint"),
            )
        if instrument is None or name is None or version is None:
            return None
        return StrategySpec(
            version=version,
            name=name,
            instrument=instrument,
            description=description,
            account=account or AccountSpec(span=root.span),
            broker=broker or BrokerSpec(span=root.span),
            session=session,
            timeframe=timeframe,
            fees=fees,
            sizing=sizing,
            entries=entries,
            exits=exits,
            grids=grids,
            risk=risk,
            on_restart=on_restart,
            span=root.span,
            spans=top.spans,
            bare_numbers=tuple(self.bare),
            form=self.form,
        )

    def scan_secrets(self, node: Node) -> None:
        """Keys, passwords and tokens come from the environment, never from a strategy file."""
        if isinstance(node, Mapping):
            for key, value in node.entries:
                if key.value and SECRET_KEY.search(key.value):
                    self.out.report(
                        "TP108",
                        key.span,
                        f"`{key.value}` looks like a secret; secrets never belong in a strategy "
                        "file (it ends up in git, CI logs and backups)",
                        "remove it; credentials are read from the environment "
                        "(the broker set-up guide names the variables)",
                    )
                    continue
                self.scan_secrets(value)
        elif isinstance(node, Sequence):
            for item in node.items:
                self.scan_secrets(item)
        elif node.value and SECRET_VALUE.fullmatch(node.value) and _looks_random(node.value):
            self.out.report(
                "TP108",
                node.span,
                "this value looks like an API key or token; secrets never belong in a strategy file",
                "remove it and set it in the environment instead",
            )

    def instrument(self, node: Node | None) -> InstrumentSpec | None:
        f = self.mapping(node, "instrument", "`instrument`", primary="symbol")
        if f is None:
            return None
        symbol = f.text("symbol", required="USD/JPY")
        kind = f.value("kind", lambda t: _word(t, ("fx", "us_stock", "crypto_perp"), "kind"))
        market = f.value("market", lambda t: _word(t, tuple(MARKET_KINDS), "market"))
        if market is not None:
            implied = MARKET_KINDS[market]
            if kind is not None and kind != implied:
                self.out.report(
                    "TP107",
                    f.spans["market"],
                    f"{self.words.show('market', market)} means kind {implied}, "
                    f"but `kind` says {kind}",
                )
            kind = kind or implied
        pip = f.value("pip", ranged("instrument.pip", read_decimal))
        tick = f.value("tick", ranged("instrument.tick", read_decimal))
        step = f.value("step", ranged("instrument.step", read_decimal))
        min_notional = f.value("min_notional", ranged("instrument.min_notional", read_decimal))
        if symbol is None:
            return None
        return InstrumentSpec(
            symbol.strip(), kind, pip, tick, step, min_notional, span=f.node.span, spans=f.spans
        )

    def account(self, node: Node | None) -> AccountSpec | None:
        f = self.mapping(node, "account", "`account`", primary="currency")
        if f is None:
            return None
        currency = f.value("currency", _currency)
        balance = f.value(
            "balance", ranged("account.balance", lambda t: read_decimal(t.split()[0]))
        )
        leverage = f.value("leverage", ranged("account.leverage", _leverage))
        return AccountSpec(currency, balance, leverage, span=f.node.span, spans=f.spans)

    def broker(self, node: Node | None, written: str = "broker") -> BrokerSpec | None:
        f = self.mapping(node, "broker", f"`{written}`", primary="name")
        if f is None:
            return None
        name = f.value("name", lambda t: _word(t, BROKER_NAMES, "broker"))
        fill = f.choice("fill", FillProfile)
        return BrokerSpec(name or "paper", fill, span=f.node.span, spans=f.spans)

    def fees(self, node: Node | None) -> FeesSpec | None:
        f = self.mapping(node, "fees", "`fees`")
        if f is None:
            return None
        zero = Decimal(0)
        per_unit = f.value("per_unit", ranged("fees.per_unit", _fee))
        per_notional = f.value("per_notional", ranged("fees.per_notional", read_percent))
        per_order = f.value("per_order", ranged("fees.per_order", _fee))
        return FeesSpec(
            per_unit or zero,
            per_notional or zero,
            per_order or zero,
            span=f.node.span,
            spans=f.spans,
        )

    def sizing(self, node: Node | None, where: str) -> SizingSpec | None:
        f = self.mapping(node, "sizing", where)
        if f is None:
            return None
        modes = [k for k in ("units", "qty", "notional", "risk") if f.get(k) is not None]
        leverage = f.value("leverage", ranged("sizing.leverage", _leverage))
        if not modes:
            self.out.report(
                "TP102",
                f.node.span,
                f"{where} needs one of units, qty, notional or risk",
                f"add for example {self.words.show('risk', '1%')} "
                f"or {self.words.show('units', '1000')}",
            )
            return None
        if len(modes) > 1:
            self.out.report(
                "TP107",
                f.spans[modes[1]],
                f"{where} gives both `{modes[0]}` and `{modes[1]}`; use one",
            )
        mode = modes[0]
        reader: Callable[[str], Decimal]
        if mode == "risk":
            reader = read_percent
        elif mode == "notional":
            reader = _amount
        else:
            reader = read_decimal
        amount = f.value(mode, ranged(f"sizing.{mode}", reader))
        if amount is None:
            return None
        return SizingSpec(mode, amount, leverage, span=f.node.span, spans=f.spans)

    def order(self, node: Node | None) -> OrderSpec | None:
        f = self.mapping(node, "order", "`order`", primary="type")
        if f is None:
            return None
        order_type = f.value("type", lambda t: choose(t, OrderType, "order type"))
        price = f.expression("price")
        trigger = f.expression("trigger")
        trail = f.distance("trail", within="order")
        spread = f.distance("spread", within="order")
        activate = f.distance("activate", within="order")
        return OrderSpec(
            order_type or OrderType.MARKET,
            price,
            trigger,
            trail,
            spread,
            activate,
            span=f.node.span,
            spans=f.spans,
        )

    def entries(self, node: Node | None) -> tuple[EntrySpec, ...]:
        if node is None:
            return ()
        if not isinstance(node, Sequence):
            self.out.report(
                "TP103",
                node.span,
                self.words.say("entries_not_list", kind=self.words.kind(node)),
                self.words.say("entries_not_list_hint"),
            )
            return ()
        result: list[EntrySpec] = []
        seen: dict[str, Span] = {}
        for index, item in enumerate(node.items, start=1):
            entry = self.entry(item, index)
            if entry is None:
                continue
            if entry.name in seen:
                self.out.report(
                    "TP207",
                    entry.where("name"),
                    f"entry name `{entry.name}` is used twice (first at line {seen[entry.name].line})",
                    "give every entry its own name",
                )
            seen.setdefault(entry.name, entry.where("name"))
            result.append(entry)
        return tuple(result)

    def entry(self, node: Node, index: int) -> EntrySpec | None:
        f = self.mapping(node, "entry", f"entry {index}")
        if f is None:
            return None
        name = f.value("name", read_name, required=ENTRY_EXAMPLE["name"])
        side = f.value("side", read_side, required=ENTRY_EXAMPLE["side"])
        when = f.expression("when", required=ENTRY_EXAMPLE["when"])
        order = self.order(f.get("order")) or OrderSpec(span=node.span)
        tif = f.choice("time_in_force", TimeInForce)
        sizing = self.sizing(f.get("sizing"), f"the sizing of entry {index}")
        inline = [k for k in ("units", "qty", "notional") if f.get(k) is not None]
        if inline:
            if sizing is not None:
                self.out.report(
                    "TP107",
                    f.spans[inline[0]],
                    f"entry {index} gives both `{inline[0]}` and `sizing`; use one",
                )
            else:
                sub = Mapping(
                    tuple((Scalar(k, f.spans[k]), f.node.get(k) or f.node) for k in inline),
                    f.node.span,
                )
                sizing = self.sizing(sub, f"entry {index}")
        exits = self.exits(f.get("exits"), f"the exits of entry {index}")
        if when is None:
            return None
        # A bad name or side is already reported; a stand-in keeps the entry in the spec so the
        # compiler still reports its other problems (its expression, its exits) in the same run.
        # The collector holds an error, so no plan is made from the stand-in.
        return EntrySpec(
            name if name is not None else f"entry {index}",
            side if side is not None else Side.BUY,
            when,
            order,
            tif,
            sizing,
            exits,
            span=f.node.span,
            spans=f.spans,
        )

    def exits(self, node: Node | None, where: str) -> ExitsSpec | None:
        f = self.mapping(node, "exits", where)
        if f is None:
            return None
        stop_loss, stop_none = self.optional_distance(f, "stop_loss")
        take_profit, _ = self.optional_distance(f, "take_profit")
        trailing = self.trailing(f.get("trailing"))
        break_even = self.break_even(f.get("break_even"))
        time_exit = self.time_exit(f.get("time_exit"))
        exit_when = f.expression("exit_when")
        tif = f.choice("time_in_force", TimeInForce)
        return ExitsSpec(
            stop_loss,
            stop_none,
            take_profit,
            trailing,
            break_even,
            time_exit,
            exit_when,
            tif,
            span=f.node.span,
            spans=f.spans,
        )

    def optional_distance(self, f: Fields, key: str) -> tuple[Distance | None, bool]:
        text = f.text(key)
        if text is None:
            return None, False
        if text.strip().lower() in NONE_WORDS:
            return None, True
        node = f.node.get(key)
        assert node is not None
        value = self.read(node, text, read_distance, key, f.section)
        if value is not None:
            self.note_bare(value, text, key, None, node.span)
        return value, False

    def trailing(self, node: Node | None) -> TrailingSpec | None:
        f = self.mapping(node, "trailing", "`trailing`", primary="trail")
        if f is None:
            return None
        trail = f.distance("trail", required="3%", within="trailing")
        spread = f.distance("spread", within="trailing")
        activate = f.distance("activate", within="trailing")
        if trail is None:
            return None
        return TrailingSpec(trail, spread, activate, span=f.node.span, spans=f.spans)

    def break_even(self, node: Node | None) -> BreakEvenSpec | None:
        f = self.mapping(node, "break_even", "`break_even`", primary="at")
        if f is None:
            return None
        at = f.distance("at", required="0.4%", within="break_even")
        within = f.value("within", read_duration)
        otherwise = f.value("otherwise", lambda t: _word(t, ("close", "keep"), "`otherwise`"))
        offset = f.distance("offset", within="break_even")
        if at is None:
            return None
        if otherwise == "close" and within is None:
            self.out.report(
                "TP102",
                f.spans["otherwise"],
                f"{self.words.show('otherwise', 'close')} needs `within`",
                f"add for example {self.words.show('within', '30m')}",
            )
        return BreakEvenSpec(
            at,
            within,
            otherwise or ("close" if within else "keep"),
            offset,
            span=f.node.span,
            spans=f.spans,
        )

    def time_exit(self, node: Node | None) -> TimeExitSpec | None:
        if node is None:
            return None
        text = self.scalar_text(node, "`time_exit`")
        if text is None:
            return None
        if ":" in text:
            clock = self.read(node, text, read_clock, "time_exit")
            if clock is None:
                return None
            return TimeExitSpec(None, clock[0], clock[1], span=node.span)
        after = self.read(node, text, read_duration, "time_exit")
        return TimeExitSpec(after, span=node.span) if after else None

    def grids(self, single: Node | None, many: Node | None) -> tuple[GridSpec, ...]:
        if single is not None and many is not None:
            self.out.report("TP107", many.span, "use either `grid` or `grids`, not both")
        nodes: list[Node] = []
        if single is not None:
            nodes.append(single)
        if many is not None:
            if isinstance(many, Sequence):
                nodes.extend(many.items)
            else:
                self.out.report("TP103", many.span, self.words.say("grids_not_list"))
        result: list[GridSpec] = []
        seen: set[str] = set()
        for index, item in enumerate(nodes, start=1):
            grid = self.grid(item, index if len(nodes) > 1 else 0)
            if grid is None:
                continue
            if grid.name in seen:
                self.out.report(
                    "TP207", grid.where("name"), f"grid name `{grid.name}` is used twice"
                )
            seen.add(grid.name)
            result.append(grid)
        return tuple(result)

    def grid(self, node: Node, index: int) -> GridSpec | None:
        where = f"grid {index}" if index else "`grid`"
        f = self.mapping(node, "grid", where)
        if f is None:
            return None
        name = f.value("name", read_name) or (f"grid-{index}" if index else "grid")
        side = f.value("side", read_side, required="buy")
        units = f.value("units", ranged("grid.units", read_decimal), required="1000")
        take_profit = f.distance("take_profit", required="100 pips")
        start = f.value("from", ranged("grid.from", read_decimal))
        end = f.value("to", ranged("grid.to", read_decimal))
        step = f.distance("step")
        at = f.value("at", ranged("grid.at", read_decimal))
        stop_loss, stop_none = self.optional_distance(f, "stop_loss")
        counter = f.distance("counter")
        follow = f.distance("follow")
        laid_out = [k for k in ("from", "to", "step") if f.get(k) is not None]
        if f.get("at") is not None and laid_out:
            self.out.report(
                "TP107",
                f.spans["at"],
                f"{where} gives `at` and `{laid_out[0]}`",
                "use `at` for one repeating order, or from/to/step for a grid",
            )
        elif f.get("at") is None:
            for key, example in (("from", "105.00"), ("to", "115.00"), ("step", "50 pips")):
                if f.get(key) is None:
                    self.out.report(
                        "TP102",
                        f.node.span,
                        f"{where} needs `{key}` (or `at` for a single order)",
                        self.words.required("grid", key, example),
                    )
        if side is None or units is None or take_profit is None:
            return None
        return GridSpec(
            name,
            side,
            units,
            take_profit,
            start,
            end,
            step,
            at,
            stop_loss,
            stop_none,
            counter,
            follow,
            span=f.node.span,
            spans=f.spans,
        )

    def risk(self, node: Node | None) -> RiskSpec | None:
        f = self.mapping(node, "risk", "`risk`")
        if f is None:
            return None
        return RiskSpec(
            max_open_positions=f.value(
                "max_open_positions", ranged("risk.max_open_positions", read_int)
            ),
            max_notional=f.value("max_notional", ranged("risk.max_notional", _amount)),
            max_position=f.value("max_position", ranged("risk.max_position", read_decimal)),
            daily_loss_limit=f.value(
                "daily_loss_limit", ranged("risk.daily_loss_limit", read_percent)
            ),
            max_drawdown=f.value("max_drawdown", ranged("risk.max_drawdown", read_percent)),
            one_position_per_symbol=f.value("one_position_per_symbol", read_bool),
            max_risk_per_trade=f.value(
                "max_risk_per_trade", ranged("risk.max_risk_per_trade", read_percent)
            ),
            span=f.node.span,
            spans=f.spans,
        )


def _word(text: str, options: tuple[str, ...], what: str) -> str:
    word = text.strip().lower()
    if word in options:
        return word
    raise ValueProblem(
        f"`{text}` is not a valid {what}; choose one of: {', '.join(options)}",
        did_you_mean(word, options),
        code="TP201",
    )


def _currency(text: str) -> str:
    word = text.strip().upper()
    if not re.fullmatch(r"[A-Z]{3,5}", word):
        raise ValueProblem(f"`{text}` is not a currency code", "write for example JPY, USD or USDT")
    return word


def _fee(text: str) -> Decimal:
    return read_decimal(text.lstrip("$"))


def _leverage(text: str) -> Decimal:
    """`25` or `25x`."""
    return read_decimal(text.rstrip("xX"))


def _amount(text: str) -> Decimal:
    """`5000` or `5000 USDT`: the number (the currency is the account's)."""
    return read_amount(text)[0]


def _looks_random(value: str) -> bool:
    """Long strings mixing digits and letters of both cases, like API keys, not like words."""
    has_digit = any(c.isdigit() for c in value)
    has_upper = any(c.isupper() for c in value)
    has_lower = any(c.islower() for c in value)
    return has_digit and has_upper and has_lower and " " not in value


def build_spec(
    root: Node, file: str, out: Collector, form: Form = Form.YAML
) -> StrategySpec | None:
    """The spec of a document tree read from a file in `form`, whose words the findings use."""
    return Builder(file, out, form).build(root)


__all__ = ["Builder", "build_spec"]
