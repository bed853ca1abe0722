"""L2: read a strategy file (YAML or text form) into one document tree, then into a typed spec."""
