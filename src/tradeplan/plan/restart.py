"""What each `on_restart` policy does, in a trader's words, from one table.

`explain`, the plan diff and the live runtime's messages all say it, so they say it alike; the
policy itself is `core.enums.RestartPolicy`, carried by `Plan.on_restart`.
"""

from __future__ import annotations

from tradeplan.core.enums import RestartPolicy

DEFAULT = RestartPolicy.RESUME

_NEXT = {
    RestartPolicy.RESUME: " and carries on where it stopped",
    RestartPolicy.ADOPT: (
        " and carries on; a position or orders in {symbol} at the broker that the strategy does "
        "not know (opened by hand, or lost track of) are reported and left alone, and do not "
        "stop it trading"
    ),
    RestartPolicy.FLATTEN: (
        ", then cancels its working entries and closes its open positions at market before it "
        "trades again"
    ),
    RestartPolicy.HALT: (
        ", then takes no new entries until `tradeplan resume {name}`; the exits of open positions "
        "keep working"
    ),
}


def restart_effect(policy: RestartPolicy, name: str, symbol: str) -> str:
    """What a live run of strategy `name` on `symbol` does when started again on its stored
    state, as one sentence without its subject: "restores its state, ..."."""
    return "restores its state, reconciles it with the broker" + _NEXT[policy].format(
        name=name, symbol=symbol
    )


def restart_line(policy: RestartPolicy, name: str, symbol: str) -> str:
    """The sentence `explain` prints."""
    default = ", the default" if policy is DEFAULT else ""
    return (
        f"When `tradeplan run` starts again (on_restart: {policy.value}{default}), the strategy "
        f"{restart_effect(policy, name, symbol)}."
    )


__all__ = ["DEFAULT", "restart_effect", "restart_line"]
