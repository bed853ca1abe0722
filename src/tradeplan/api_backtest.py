"""The backtest API, kept at its documented place: the code lives in `tradeplan.backtest.run`."""

from tradeplan.backtest.run import (
    BacktestError,
    BacktestOptions,
    BacktestRun,
    backtest,
    bar_arrays,
    quote_rate,
    rule_inputs,
    run_backtest,
    write_outputs,
)

__all__ = [
    "BacktestError",
    "BacktestOptions",
    "BacktestRun",
    "backtest",
    "bar_arrays",
    "quote_rate",
    "rule_inputs",
    "run_backtest",
    "write_outputs",
]
