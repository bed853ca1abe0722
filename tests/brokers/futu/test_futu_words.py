"""How the adapter reads the SDK's and the gateway's words: no answer vs a reply, a lock in
either of OpenD's languages, the account chosen."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from futu_rig import rig

from tradeplan.brokers.futu.config import config_from_env
from tradeplan.brokers.futu.replies import is_transport
from tradeplan.core.enums import OrderType, Side
from tradeplan.orders.model import Order
from tradeplan.ports.adapters import AdapterConfigError


@pytest.mark.parametrize(
    "msg",
    [
        "PacketErr.Timeout",
        "Disconnect",
        "Timeout",
        "Connect timeout",
        "Abnormal event timeout",
        "Connection closed",
        "Context status bad",
    ],
)
def test_the_sdks_own_failures_mean_no_answer(msg: str) -> None:
    assert is_transport(msg)


@pytest.mark.parametrize(
    "msg",
    [
        "Insufficient buying power",
        "Order timeout exceeded the limit for GTD orders",
        "下单失败",
        "Market orders are not accepted outside regular trading hours",
    ],
)
def test_a_reply_from_the_gateway_is_an_answer(msg: str) -> None:
    assert not is_transport(msg)


def test_a_lock_in_chinese_is_a_lock_too() -> None:
    with rig() as r:
        r.venue.locked, r.venue.locked_msg = True, "交易未解锁，请先解锁交易"
        unlocks = len(r.venue.unlock_calls)
        r.broker.submit(Order("cn", Side.BUY, OrderType.LIMIT, D(1), price=D(140)))
        assert len(r.venue.unlock_calls) == unlocks + 1
        assert r.consumer.kinds("cn") == ["accepted"]


def test_futu_acc_id_picks_the_account_and_a_bad_one_is_refused() -> None:
    assert (
        config_from_env(
            {"FUTU_TRD_ENV": "real", "FUTU_TRADE_PASSWORD": "x", "FUTU_ACC_ID": "281756455983130"}
        ).acc_id
        == 281756455983130
    )
    with pytest.raises(AdapterConfigError, match="FUTU_ACC_ID"):
        config_from_env({"FUTU_TRD_ENV": "simulate", "FUTU_ACC_ID": "main account"})
    with rig(env={"FUTU_ACC_ID": "281756455983130"}) as r:
        r.broker.submit(Order("acc", Side.BUY, OrderType.LIMIT, D(1), price=D(140)))
        assert r.venue.orders[-1].env == 1 and r.consumer.kinds("acc") == ["accepted"]


def test_an_account_opend_does_not_list_is_a_config_error() -> None:
    with (
        pytest.raises(AdapterConfigError, match="FUTU_ACC_ID is not among"),
        rig(env={"FUTU_ACC_ID": "42"}),
    ):
        pass
