"""The one Lark parser for the text form and for expressions, built once per process.

Building the LALR tables takes ~100 ms, too much for a linter's cold start, so the parser is
built lazily on first use and Lark's own cache (keyed by a hash of the grammar and the options)
lets later processes load the tables in ~10 ms instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lark import Lark

GRAMMAR_PATH = Path(__file__).resolve().parent.parent / "grammar" / "tradeplan.lark"

_parser: Lark | None = None


def get_parser() -> Lark:
    """The cached `lark.Lark` instance with the start rules `file` and `expression`."""
    global _parser
    if _parser is None:
        from lark import Lark

        text = GRAMMAR_PATH.read_text(encoding="utf-8")
        options: dict[str, Any] = {
            "parser": "lalr",
            "lexer": "contextual",
            "start": ["file", "expression"],
            "propagate_positions": True,
            "maybe_placeholders": False,
        }
        try:
            _parser = Lark(text, cache=True, **options)
        except OSError:  # an unwritable temp dir must not stop the linter
            _parser = Lark(text, **options)
    return _parser
