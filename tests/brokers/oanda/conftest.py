"""The `oanda` fixture (oanda_support.py)."""

from oanda_support import oanda

__all__ = ["oanda"]
