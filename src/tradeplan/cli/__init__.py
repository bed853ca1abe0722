"""L9: the `tradeplan` command. Thin: parses arguments, calls tradeplan.api, prints."""
