"""Client ids: every broker takes them, no two intents share one, and we know our own.

A client id is the only handle a bot has on an order after a timeout or a crash, so it must
fit every broker's rules (Binance's pattern and 36 characters, Futu's 64-byte `remark`, OANDA's
short alphanumeric ids), never repeat for another strategy or sequence number, and read back
to the strategy and number it was made from, while an id we did not make reads back as None.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeplan.live.client_ids import client_id, parse_client_id, strategy_tag

BINANCE = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
OANDA_SAFE = re.compile(r"^[a-z0-9]+$")
KNOWN_TAGS = ["6ge857", "snhsbh", "apwdjp"]  # sha256, independently computed

names = st.text(min_size=0, max_size=40)
# Every sequence number that still fits in 36 characters (28 base36 digits).
seqs = st.one_of(st.integers(1, 10**6), st.integers(1, 36**28 - 1))


def assert_fits_every_broker(cid: str) -> None:
    assert BINANCE.fullmatch(cid), cid
    assert OANDA_SAFE.fullmatch(cid), cid
    assert len(cid.encode("utf-8")) <= 64  # Futu remark


@given(name=names, seq=seqs)
def test_every_id_fits_every_broker(name: str, seq: int) -> None:
    assert_fits_every_broker(client_id(strategy_tag(name), seq))


@given(name=names, seq=seqs)
def test_an_id_reads_back_to_its_strategy_and_number(name: str, seq: int) -> None:
    tag = strategy_tag(name)
    assert parse_client_id(client_id(tag, seq)) == (tag, seq)


@given(a=st.tuples(names, seqs), b=st.tuples(names, seqs))
def test_distinct_strategy_and_number_give_distinct_ids(
    a: tuple[str, int], b: tuple[str, int]
) -> None:
    tag_a, tag_b = strategy_tag(a[0]), strategy_tag(b[0])
    if (tag_a, a[1]) != (tag_b, b[1]):
        assert client_id(tag_a, a[1]) != client_id(tag_b, b[1])


def test_a_strategy_tag_is_stable_across_runs_and_machines() -> None:
    # Fixed values: a changed derivation would orphan every order a running bot placed.
    assert strategy_tag("usdjpy-grid") == strategy_tag("usdjpy-grid")
    tag = strategy_tag("usdjpy-grid")
    assert re.fullmatch(r"[0-9a-z]{6}", tag)
    assert strategy_tag("") != strategy_tag("usdjpy-grid")
    assert [strategy_tag(n) for n in ("a", "b", "usdjpy-grid")] == KNOWN_TAGS


def test_the_first_ids_are_short() -> None:
    tag = strategy_tag("btc-breakout")
    assert client_id(tag, 1) == f"tp{tag}1"
    assert client_id(tag, 35) == f"tp{tag}z"
    assert client_id(tag, 36) == f"tp{tag}10"


def test_ids_past_36_characters_are_refused() -> None:
    tag = strategy_tag("x")
    assert len(client_id(tag, 36**28 - 1)) == 36
    with pytest.raises(ValueError, match="36"):
        client_id(tag, 36**28)


@pytest.mark.parametrize("seq", [0, -1])
def test_a_sequence_number_starts_at_one(seq: int) -> None:
    with pytest.raises(ValueError, match="starts at 1"):
        client_id(strategy_tag("x"), seq)


@pytest.mark.parametrize("tag", ["", "abc", "ABCDEF", "abcdefg", "abc-de"])
def test_a_tag_not_made_by_strategy_tag_is_refused(tag: str) -> None:
    with pytest.raises(ValueError, match="tag"):
        client_id(tag, 1)


@pytest.mark.parametrize(
    "cid",
    [
        "",
        "manual-order-1",
        "autoclose-1234",
        "adl_autoclose",
        "tp",
        "tpabcdef",  # no number
        "tpabcdef0",  # zero is never handed out
        "tpabcdef01",  # a leading zero: not a spelling client_id makes
        "TPabcdef1",
        "tpabcdeF1",
        "tpabc1",  # tag too short
        "tpabcdef" + "1" * 29,  # past 36 characters
        "xtpabcdef1",
    ],
)
def test_ids_we_did_not_make_read_as_not_ours(cid: str) -> None:
    assert parse_client_id(cid) is None


@given(cid=st.text(max_size=50))
def test_parse_never_fails_and_only_accepts_what_client_id_makes(cid: str) -> None:
    parsed = parse_client_id(cid)
    if parsed is not None:
        assert client_id(*parsed) == cid
