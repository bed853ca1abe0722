"""tradeplan: describe a trading strategy in a file; lint it, backtest it, run it.

The package root re-exports the stable Python API lazily so that `import tradeplan`
stays cheap for the linter's cold start.
"""

from __future__ import annotations

from typing import Any

from tradeplan._version import __version__

__all__ = ["__version__", "compile", "explain", "lint"]


def __getattr__(name: str) -> Any:
    if name in {"lint", "compile", "explain", "backtest", "compile_source", "lint_source"}:
        from tradeplan import api

        return getattr(api, name)
    raise AttributeError(name)
