"""Owners (entry rules, grid slots) see the engine only through `OwnerServices`.

The protocol is only worth something if it says what is true: every engine member the owners'
source touches is in it, nothing else is, and the real `Engine` has each member with the same
signature and types. The owner modules never import the engine, not even for type checking
(the `lint-imports` contract says the same for indirect imports). An entry rule's logic
(`rule_logic.py`) gets only the reading half, `OwnerContext`: it decides, and returns commands.
"""

from __future__ import annotations

import ast
import inspect
import typing
from decimal import Decimal as D
from pathlib import Path

import pytest
from backtest_harness import EXCHANGE, bars, flags, fx_plan

from tradeplan.brokers.paper.broker import PaperAccount, PaperBroker
from tradeplan.runtime.engine import Engine, EngineConfig, RuleInputs
from tradeplan.runtime.services import OwnerContext, OwnerServices

RUNTIME = Path(__file__).resolve().parents[2] / "src" / "tradeplan" / "runtime"
OWNER_MODULES = (
    "rule_run.py",
    "slot_run.py",
    "expiry.py",
    "legs.py",
    "idmap.py",
    "rule_state.py",
    "slot_state.py",
    "state_codec.py",
    "commands.py",
    "rule_logic.py",
    "values.py",
)


def _tree(name: str) -> ast.Module:
    return ast.parse((RUNTIME / name).read_text(encoding="utf-8"), name)


def _is_engine(node: ast.expr) -> bool:
    """`engine`, `ctx` or `self.engine`."""
    if isinstance(node, ast.Name):
        return node.id in ("engine", "ctx")
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "engine"
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def _engine_accesses(tree: ast.Module) -> set[str]:
    """Every `X` of `self.engine.X` and `engine.X` in the module."""
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and _is_engine(node.value)
    }


def _imported_modules(tree: ast.Module) -> set[str]:
    """Every module the source imports, wherever the import stands (TYPE_CHECKING included)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _protocol_members(protocol: type) -> set[str]:
    """The members a protocol declares, its protocol bases' included (what
    `typing.get_protocol_members` gives on 3.13)."""
    skip = {"_is_protocol", "_is_runtime_protocol", "_abc_impl"}
    found: set[str] = set()
    for cls in protocol.__mro__:
        if cls in (object, typing.Protocol, typing.Generic):
            continue
        found |= {
            name
            for name in vars(cls)
            if not (name.startswith("__") and name.endswith("__")) and name not in skip
        }
        found |= set(getattr(cls, "__annotations__", {}))
    return found


def _member(protocol: type, name: str) -> object:
    """The declaration of `name` in `protocol` or the protocol base that has it."""
    return next(vars(cls)[name] for cls in protocol.__mro__ if name in vars(cls))


MEMBERS = _protocol_members(OwnerServices)
USED = set().union(*(_engine_accesses(_tree(name)) for name in OWNER_MODULES))


@pytest.mark.parametrize("name", OWNER_MODULES)
def test_owner_modules_never_import_the_engine(name: str) -> None:
    imported = _imported_modules(_tree(name))
    assert not {m for m in imported if m.startswith("tradeplan.runtime.engine")}, (
        f"{name} imports tradeplan.runtime.engine; owners use tradeplan.runtime.services"
    )


def test_every_engine_member_the_owners_use_is_in_the_protocol() -> None:
    assert USED <= MEMBERS, f"used by owners but not in OwnerServices: {sorted(USED - MEMBERS)}"


def test_the_protocol_has_nothing_the_owners_do_not_use() -> None:
    assert MEMBERS <= USED, f"in OwnerServices but used by no owner: {sorted(MEMBERS - USED)}"


def test_the_rule_logic_only_reads_the_engine() -> None:
    used = _engine_accesses(_tree("rule_logic.py"))
    reading = _protocol_members(OwnerContext)
    assert used <= reading, f"rule_logic uses more than OwnerContext: {sorted(used - reading)}"
    assert reading < MEMBERS


def test_every_member_has_a_docstring() -> None:
    for name in sorted(MEMBERS):
        member = _member(OwnerServices, name)
        target = member.fget if isinstance(member, property) else member
        assert (target.__doc__ or "").strip(), f"OwnerServices.{name} says nothing"


def _methods() -> list[str]:
    return sorted(n for n in MEMBERS if not isinstance(_member(OwnerServices, n), property))


def _properties() -> list[str]:
    return sorted(n for n in MEMBERS if isinstance(_member(OwnerServices, n), property))


@pytest.mark.parametrize("name", _methods())
def test_the_engine_method_matches_the_protocol(name: str) -> None:
    declared = getattr(OwnerServices, name)
    real = getattr(Engine, name)
    assert callable(real), f"Engine.{name} is not a method"

    def shape(function: object) -> list[tuple[str, object, object]]:
        params = inspect.signature(function).parameters.values()  # type: ignore[arg-type]
        return [(p.name, p.kind, p.default) for p in params]

    assert shape(real) == shape(declared)
    assert typing.get_type_hints(real) == typing.get_type_hints(declared)


@pytest.fixture(scope="module")
def engine() -> Engine:
    rows = [("108.90", "109.00", "108.80", "108.95", "0.01")] * 3
    plan = fx_plan("    order: market\n    units: 10000\n", "  stop_loss: 100 pips\n")
    data = bars(rows)
    balance = D(10_000_000)
    broker = PaperBroker(data, plan.instrument, EXCHANGE, account=PaperAccount("JPY", balance))
    inputs = {"r": RuleInputs(flags(len(rows), [0]))}
    return Engine(plan, broker, data, inputs, EngineConfig(balance, "JPY"))


@pytest.mark.parametrize("name", _properties())
def test_the_engine_attribute_has_the_protocol_type(name: str, engine: Engine) -> None:
    fget = _member(OwnerServices, name).fget  # type: ignore[attr-defined]
    expected = typing.get_type_hints(fget)["return"]
    value = getattr(engine, name)
    if getattr(expected, "_is_protocol", False):  # e.g. BarSeries: has what it promises
        missing = {m for m in _protocol_members(expected) if not hasattr(value, m)}
        assert not missing, f"Engine.{name} has no {sorted(missing)} of {expected.__name__}"
        return
    assert isinstance(value, typing.get_origin(expected) or expected), (
        f"Engine.{name} is {type(value).__name__}, OwnerServices says {expected}"
    )
