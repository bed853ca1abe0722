"""Everything only a backtest needs, kept out of the kernel that will also trade live.

* `data`: reading bar and tick files (CSV, gzip) into exact columns, with every check a data
  file gets (docs/data.md).
* `replay`: the driver that walks a data set through the engine and the paper broker, jumping
  over rows where nothing can happen.
* `instrument_check`, `spread_check`: warnings and refusals about a data file and the strategy.
* `run`: the wiring of one backtest (`backtest`, `run_backtest`, `write_outputs`), which
  `tradeplan.api_backtest` re-exports.

`runtime` never imports this package (an import-linter contract): the engine, the owners and
the order book know nothing of files or replays, so the live runtime can drive them.
"""
