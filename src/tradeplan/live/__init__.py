"""The live runtime: `tradeplan run`, its state store, reconcile on start and hot reload.

It drives the same engine a backtest does (runtime/), fed one closed bar at a time through
`SignalFeed`, against a `LiveBrokerPort` (ports/live.py). It sits above `backtest/` only to read
recorded feeds for the paper venue; nothing below it knows it exists.
"""
