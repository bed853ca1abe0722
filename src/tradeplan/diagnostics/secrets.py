"""Masking of secret values in quoted source lines.

The linter refuses secrets in strategy files (TP108), but every excerpt printed under a finding
quotes the file's line: without masking, the very message that says "remove this secret" would
copy it into CI logs. The mask keeps the line's length so carets still line up.
"""

from __future__ import annotations

import re

SECRET_KEY = re.compile(
    r"(secret|passw|passphrase|token|credential|api_?key|access_?key|private_?key)",
    re.IGNORECASE,
)
SECRET_VALUE = re.compile(r"[A-Za-z0-9+/=_\-]{32,}")
_KEY_VALUE = re.compile(r"""^(\s*(?:-\s+)?["']?([^:#"']+?)["']?\s*:\s*)(\S.*?)(\s*(?:#.*)?)$""")
_TEXT_FORM = re.compile(r"^(\s*([A-Za-z_][\w]*)\s+)(\S.*?)(\s*(?:#.*)?)$")
# One `key: value` of a flow mapping (`broker: {name: paper, api_key: ...}`), anywhere in a line.
_FLOW_PAIR = re.compile(
    r"""([{,]\s*["']?([A-Za-z_][\w-]*)["']?\s*:\s*)"""
    r"""("[^"]*"|'[^']*'|[^,{}\[\]\s"'][^,{}\[\]]*?)(?=\s*[,}])"""
)


def _looks_random(text: str) -> bool:
    return any(c.isdigit() for c in text) and any(c.isalpha() for c in text)


def _mask_flow(line: str) -> str:
    def star(match: re.Match[str]) -> str:
        if not SECRET_KEY.search(match.group(2)):
            return match.group(0)
        return match.group(1) + "*" * len(match.group(3))

    return _FLOW_PAIR.sub(star, line)


def mask_line(line: str) -> str:
    """The line with the value of a secret-looking key, and any token-like word, starred out."""
    line = _mask_flow(line)
    for pattern in (_KEY_VALUE, _TEXT_FORM):
        match = pattern.match(line)
        if match and SECRET_KEY.search(match.group(2)):
            value = match.group(3)
            return match.group(1) + "*" * len(value) + match.group(4)
    return SECRET_VALUE.sub(
        lambda m: "*" * len(m.group(0)) if _looks_random(m.group(0)) else m.group(0), line
    )
