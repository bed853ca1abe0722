"""The comments of a strategy file in either form, attached to its document tree."""

from __future__ import annotations

from tradeplan.lang.comments import Comments
from tradeplan.lang.comments_text import text_comments
from tradeplan.lang.comments_yaml import yaml_comments
from tradeplan.lang.nodes import Node
from tradeplan.lang.source import Form


def read_comments(source: str, tree: Node, form: Form) -> Comments:
    """Every comment of `source` (which `tree` was read from), by the path of its item."""
    if form is Form.YAML:
        return yaml_comments(source, tree)
    if source.startswith("\ufeff"):  # the text reader reads a byte order mark as a space
        source = " " + source[1:]
    return text_comments(source, tree)
