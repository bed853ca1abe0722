"""Document tree -> plain Python values, for comparing trees from the two forms."""

from __future__ import annotations

from tradeplan.lang.nodes import Mapping, Node, Sequence

Plain = dict[str, "Plain"] | list["Plain"] | str | None


def tree_to_plain(node: Node) -> Plain:
    """Mapping -> dict, Sequence -> list, Scalar -> its raw text (or None); spans dropped."""
    if isinstance(node, Mapping):
        return {k.value or "": tree_to_plain(v) for k, v in node.entries}
    if isinstance(node, Sequence):
        return [tree_to_plain(item) for item in node.items]
    return node.value
