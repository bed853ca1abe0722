"""`replace`: `dataclasses.replace` for the owners' frozen state values, three times faster.

Why. An owner's run state is one frozen value that every handler replaces whole (issue 8),
several times per event. `dataclasses.replace` spends most of its 3.5 us walking `fields()`
and building keyword arguments before `__init__` sets each field again; a backtest's run phase
felt it (about 15 % of a signal rule's). This one copies the fields through their slot
descriptors with code generated once per class and sets the changed ones: the same new value,
for classes it can prove it may copy (frozen, slotted dataclasses without `__post_init__`,
`InitVar`s or fields left out of `__init__`); any other class goes to `dataclasses.replace`.

Owners import it as `replace` only at run time and `dataclasses.replace` for mypy
(`if TYPE_CHECKING`), so mypy's dataclass plugin still checks every field name and type.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_Copier = Callable[[Any, dict[str, Any]], Any]
_COPIERS: dict[type, _Copier | None] = {}


def replace(value: T, /, **changes: Any) -> T:
    """A copy of the frozen dataclass `value` with `changes` (field name: new value)."""
    cls = type(value)
    copier = _COPIERS.get(cls, _copier_missing)
    if copier is _copier_missing:
        copier = _COPIERS[cls] = _make_copier(cls)
    if copier is None:
        return dataclasses.replace(value, **changes)  # type: ignore[type-var]
    result: T = copier(value, changes)
    return result


def _copier_missing(value: Any, changes: dict[str, Any]) -> Any:  # a marker, never called
    raise AssertionError


def _make_copier(cls: type) -> _Copier | None:
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in vars(cls):
        return None
    if hasattr(cls, "__post_init__"):
        return None
    fields = dataclasses.fields(cls)
    every = getattr(cls, "__dataclass_fields__", {})
    if len(every) != len(fields) or not all(f.init for f in fields):
        return None  # class variables, InitVars or fields outside __init__: the slow way
    names = [f.name for f in fields]
    # Slot descriptors set a field directly, past the frozen class's `__setattr__`: the copy
    # runs as fast as the C code behind them allows (three times `dataclasses.replace`).
    setters = {name: vars(cls)[name].__set__ for name in names}
    lines = [
        "def copy(value, changes):",
        "    new = new_(cls)",
        *(f"    set_{i}(new, value.{name})" for i, name in enumerate(names)),
        "    for name, item in changes.items():",
        "        setter = setters.get(name)",
        "        if setter is None:",
        "            raise TypeError(f'{cls.__name__} has no field {name!r}')",
        "        setter(new, item)",
        "    return new",
    ]
    scope: dict[str, Any] = {"new_": object.__new__, "cls": cls, "setters": setters}
    scope.update({f"set_{i}": setters[name] for i, name in enumerate(names)})
    exec("\n".join(lines), scope)
    copier: _Copier = scope["copy"]
    return copier


__all__ = ["replace"]
