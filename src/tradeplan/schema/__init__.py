"""L2: the JSON Schema of the YAML form, generated from the language's key table."""

from tradeplan.schema.generate import json_schema

__all__ = ["json_schema"]
