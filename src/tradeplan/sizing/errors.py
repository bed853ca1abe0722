"""The one exception sizing raises, so callers can turn bad input into a plain message."""

from __future__ import annotations


class SizingError(ValueError):
    """Input that cannot size a position (a zero stop, a negative balance, a missing rate)."""
