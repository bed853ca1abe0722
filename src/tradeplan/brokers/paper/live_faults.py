"""Faults the live paper venue can inject, so the live runtime meets real brokers' failures in
tests before any adapter exists (../shared/LIVE.md section 6). All off by default.

* `timeout_next_submit(placed=...)`: the next submit raises `OutcomeUnknown`, with the order in
  fact placed (the reply was lost: Binance -1007) or not (the request was lost).
* `reject_next_submit(reason)`: the next submit is refused (reported REJECTED once, as a real
  refusal is; the venue never sends it again).
* `duplicate_updates`: every order update is delivered twice (same sequence number), as a
  stream replayed after a reconnect or a duplicated frame is (ccxt #18028).
* `reorder_updates`: one update is held back and delivered after the next one (and at the
  latest at the end of the row, before the bar): late and out of order.
* `command_delay_rows`: a submit or a cancel reaches the venue only after that many more rows
  are processed, as one sent over a slow network (or by a bot busy elsewhere) does: the order
  a cancel is for can still fill meanwhile (a take profit filled while the bot's cancel of it,
  for a close at market, was on its way, and the close after it).

Disconnects are the venue's own (`LivePaperVenue.disconnect` / `reconnect`), because they
change what the venue delivers, not what it does.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from tradeplan.orders.model import Order
from tradeplan.ports.broker import OrderUpdate


@dataclass(frozen=True, slots=True)
class SubmitFault:
    """What happens to the next submit: a timeout (`placed` says whether the order went in
    anyway) or a refusal with `reason`."""

    timeout: bool
    placed: bool = False
    reason: str = ""


class Faults:
    """Switches a test flips; the venue reads them as it works."""

    def __init__(self) -> None:
        self.duplicate_updates = False
        self.reorder_updates = False
        self.command_delay_rows = 0
        # (rows still to wait, the command: an Order to submit or an order id to cancel)
        self.in_flight: list[tuple[int, Order | str]] = []
        self._submits: deque[SubmitFault] = deque()
        self._held: OrderUpdate | None = None

    def timeout_next_submit(self, *, placed: bool) -> None:
        """The next submit raises `OutcomeUnknown`; the order is placed when `placed`."""
        self._submits.append(SubmitFault(timeout=True, placed=placed))

    def reject_next_submit(self, reason: str = "injected reject") -> None:
        """The next submit is refused with `reason`, reported once as REJECTED."""
        self._submits.append(SubmitFault(timeout=False, reason=reason))

    def clear(self) -> None:
        """Everything off again (a held update is released by the venue's next delivery)."""
        self.duplicate_updates = False
        self.reorder_updates = False
        self.command_delay_rows = 0
        self._submits.clear()

    # --- what the venue asks ------------------------------------------------------------------

    def arriving(self) -> list[Order | str]:
        """A row has been processed: the commands whose wait is over, in the order sent."""
        due = [command for wait, command in self.in_flight if wait <= 1]
        self.in_flight = [(w - 1, c) for w, c in self.in_flight if w > 1]
        return due

    def next_submit(self) -> SubmitFault | None:
        return self._submits.popleft() if self._submits else None

    def route(self, update: OrderUpdate) -> list[OrderUpdate]:
        """The updates to deliver now that `update` was reported, in delivery order."""
        held, self._held = self._held, None
        if self.reorder_updates and held is None:
            self._held = update
            return []
        out = [update] if held is None else [update, held]
        return self._doubled(out)

    def release(self) -> list[OrderUpdate]:
        """A held update, delivered at the latest before the row's bar."""
        held, self._held = self._held, None
        return [] if held is None else self._doubled([held])

    def drop_held(self) -> None:
        """A disconnect loses what was in flight."""
        self._held = None

    def _doubled(self, updates: list[OrderUpdate]) -> list[OrderUpdate]:
        if not self.duplicate_updates:
            return updates
        return [u for update in updates for u in (update, update)]


__all__ = ["Faults", "SubmitFault"]
