"""Turning bytes into text, and saying which form a file is in, before any parsing.

Empty, binary and non-UTF-8 files become diagnostics here so no parser ever sees them.
"""

from __future__ import annotations

from enum import Enum

from tradeplan.diagnostics.collector import Collector
from tradeplan.diagnostics.model import Span


class Form(Enum):
    YAML = "yaml"
    TEXT = "text"


TEXT_SUFFIXES = (".tp", ".tradeplan")
YAML_SUFFIXES = (".yaml", ".yml")


def form_of(path: str, text: str | None = None) -> Form | None:
    lowered = path.lower()
    if lowered.endswith(YAML_SUFFIXES):
        return Form.YAML
    if lowered.endswith(TEXT_SUFFIXES):
        return Form.TEXT
    if text is not None:
        first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        if first.startswith("tradeplan ") and ":" not in first.split("#")[0]:
            return Form.TEXT
        if first.startswith("tradeplan:"):
            return Form.YAML
    return None


def decode(data: bytes, file: str, out: Collector) -> str | None:
    """UTF-8 text (BOM stripped, newlines normalised) or None with a TP006 diagnostic."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        out.report("TP006", Span(file, line, 1), "the file contains NUL bytes: it is not text")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        out.report(
            "TP006",
            Span(file, line, col),
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be read)",
            "save the file as UTF-8",
        )
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_blank(text: str) -> bool:
    return all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines())
