"""A fake FutuOpenD on 127.0.0.1: Futu's protobuf-over-TCP protocol, with an order book.

It speaks the wire the real SDK speaks (../shared/BROKERS.md): the 44-byte header
`<1s1sI2B2I20s8s` with the SHA-1 of the body, and the SDK's own generated protobuf classes on
both sides, so a field the SDK needs and the fake forgets fails `SerializeToString` (proto2
`required`). It answers InitConnect, KeepAlive, GetGlobalState, the trade protocols (account
list, unlock, account push, funds, positions, place/modify/cancel, order and fill lists, today's
and history) and the quote ones (subscribe, static info, history K-lines), and pushes order
updates, fills and one-minute K-lines.

The market is a list of one-minute bars (Bid prices; the Ask is Bid + `spread`). `step()` walks
every working order through the next bar (open, then the nearer extreme, the other, the close),
fills what the bar reaches (at most `max_volume_share` of the bar's volume per order), and pushes
the bar. Faults: every one the conformance suite asks for plus a locked trade, a TIMEOUT order
status, rate-limit replies, a dropped quote subscription; the order push goes out before the
place-order reply unless `push_before_reply` is off.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import socket
import struct
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tradeplan.brokers.futu.sdk import load_sdk

# The SDK writes its DEBUG log under HOME at import: a temp folder for the whole test session.
SDK_HOME = tempfile.mkdtemp(prefix="futu-test-home-")
load_sdk({"FUTU_SDK_HOME": SDK_HOME})

import GetGlobalState_pb2  # type: ignore[import-not-found]  # noqa: E402
import InitConnect_pb2  # type: ignore[import-not-found]  # noqa: E402
import KeepAlive_pb2  # type: ignore[import-not-found]  # noqa: E402
import Qot_GetStaticInfo_pb2  # type: ignore[import-not-found]  # noqa: E402
import Qot_RegQotPush_pb2  # type: ignore[import-not-found]  # noqa: E402
import Qot_RequestHistoryKL_pb2  # type: ignore[import-not-found]  # noqa: E402
import Qot_Sub_pb2  # type: ignore[import-not-found]  # noqa: E402
import Qot_UpdateKL_pb2  # type: ignore[import-not-found]  # noqa: E402
import Qot_UpdateOrderBook_pb2  # type: ignore[import-not-found]  # noqa: E402
import Trd_GetAccList_pb2  # type: ignore[import-not-found]  # noqa: E402
import Trd_GetFunds_pb2  # type: ignore[import-not-found]  # noqa: E402
import Trd_GetHistoryOrderFillList_pb2  # type: ignore[import-not-found]  # noqa: E402
import Trd_GetHistoryOrderList_pb2  # type: ignore[import-not-found]  # noqa: E402
import Trd_GetOrderFillList_pb2  # type: ignore[import-not-found]  # noqa: E402
import Trd_GetOrderList_pb2  # type: ignore[import-not-found]  # noqa: E402
import Trd_GetPositionList_pb2  # type: ignore[import-not-found]  # noqa: E402
import Trd_ModifyOrder_pb2  # type: ignore[import-not-found]  # noqa: E402
import Trd_PlaceOrder_pb2  # type: ignore[import-not-found]  # noqa: E402
import Trd_SubAccPush_pb2  # type: ignore[import-not-found]  # noqa: E402
import Trd_UnlockTrade_pb2  # type: ignore[import-not-found]  # noqa: E402
import Trd_UpdateOrder_pb2  # type: ignore[import-not-found]  # noqa: E402
import Trd_UpdateOrderFill_pb2  # type: ignore[import-not-found]  # noqa: E402

HEAD = "<1s1sI2B2I20s8s"
HEAD_LEN = struct.calcsize(HEAD)

# Proto ids (futu/common/constant.py ProtoId)
INIT_CONNECT, GLOBAL_STATE, KEEP_ALIVE = 1001, 1002, 1004
ACC_LIST, UNLOCK, SUB_ACC_PUSH = 2001, 2005, 2008
FUNDS, POSITIONS = 2101, 2102
ORDER_LIST, PLACE, MODIFY, UPDATE_ORDER = 2201, 2202, 2205, 2208
FILL_LIST, UPDATE_FILL = 2211, 2218
HISTORY_ORDERS, HISTORY_FILLS = 2221, 2222
UPDATE_BOOK = 3013
QOT_SUB, QOT_REG, UPDATE_KL, HISTORY_KL, STATIC_INFO = 3001, 3002, 3007, 3103, 3202

REAL, SIMULATE = 1, 0
US = 2  # TrdMarket_US and TrdSecMarket_US
QOT_US = 11
REAL_ACC, SIM_ACC = 281756455983130, 9000001
BUY, SELL = 1, 2
NORMAL, MARKET, STOP, STOP_LIMIT, MIT, LIT, TRAIL, TRAIL_LIMIT = 1, 2, 10, 11, 12, 13, 14, 15
RATIO, AMOUNT = 1, 2
SUBMITTED, TIMEOUT_STATUS = 5, 4
FILLED_PART, FILLED_ALL, CANCELLED_PART, CANCELLED_ALL, FAILED = 10, 11, 14, 15, 21
DONE = {FILLED_ALL, CANCELLED_PART, CANCELLED_ALL, FAILED}
RTH, ETH, ALL = 1, 2, 3
AES_KEY = "0123456789ABCDEF"
LOCKED_MSG = "Trade is locked: unlock trade first (unlock_trade)"
RATE_MSG = "Requests too frequent: rate limited, try again later"

NEW_YORK = ZoneInfo("America/New_York")
REGULAR = (time(9, 30), time(16, 0))
EXTENDED = (time(4, 0), time(20, 0))


def sha1(body: bytes) -> bytes:
    return hashlib.sha1(body).digest()


def pack(proto_id: int, serial: int, message: Any, cipher: Cipher | None = None) -> bytes:
    body = message.SerializeToString()
    digest = sha1(body)  # of the plaintext, encrypted or not
    if cipher is not None:
        body = cipher.encrypt(proto_id, body)
    return (
        struct.pack(HEAD, b"F", b"T", proto_id, 0, 0, serial, len(body), digest, b"\0" * 8) + body
    )


class Cipher:
    """OpenD's encryption: InitConnect in RSA PKCS#1 v1.5 (1024-bit key: 100-byte blocks out,
    128 in), then AES-ECB with the connection's key, zero padding and a 16-byte tail whose
    last byte is the length of the last real block (futu/common/conn_mng.py)."""

    def __init__(self, private_pem: bytes, aes_key: str) -> None:
        from Crypto.Cipher import AES, PKCS1_v1_5
        from Crypto.PublicKey import RSA

        key = RSA.import_key(private_pem)
        self._rsa_out = PKCS1_v1_5.new(key.publickey())
        self._rsa_in = PKCS1_v1_5.new(key)
        self._aes = AES.new(aes_key.encode(), AES.MODE_ECB)
        self.aes_key = aes_key

    def encrypt(self, proto_id: int, body: bytes) -> bytes:
        if proto_id == INIT_CONNECT:
            return b"".join(
                self._rsa_out.encrypt(body[i : i + 100]) for i in range(0, len(body), 100)
            )
        tail = len(body) % 16
        padded = body + b"\0" * ((16 - tail) % 16)
        return self._aes.encrypt(padded) + b"\0" * 15 + bytes([tail])

    def decrypt(self, proto_id: int, body: bytes) -> bytes:
        if proto_id == INIT_CONNECT:
            return b"".join(
                self._rsa_in.decrypt(body[i : i + 128], None) or b""
                for i in range(0, len(body), 128)
            )
        tail = body[-1]
        plain = self._aes.decrypt(body[:-16])
        return plain[: len(plain) - (16 - tail)] if tail else plain


def vstr(when: datetime) -> str:
    """Futu's time text: exchange-local, to the millisecond."""
    return when.strftime("%Y-%m-%d %H:%M:%S.") + f"{when.microsecond // 1000:03d}"


def regular(when: datetime) -> bool:
    return REGULAR[0] <= when.time() < REGULAR[1]


def extended(when: datetime) -> bool:
    return EXTENDED[0] <= when.time() < EXTENDED[1] and not regular(when)


@dataclass
class VOrder:
    """An order as the fake venue keeps it (Decimal inside, doubles only on the wire)."""

    id: int
    side: int
    type: int
    code: str
    qty: Decimal
    price: Decimal
    aux: Decimal | None
    trail_type: int | None
    trail_value: Decimal | None
    trail_spread: Decimal | None
    remark: str
    tif: int
    outside_rth: bool
    session: int
    created: str
    updated: str
    env: int
    status: int = SUBMITTED
    filled: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    # Working state of the book: 'wait' for the trigger, then 'limit' or 'market'.
    stage: str = "wait"
    extreme: Decimal | None = None  # running trough (in the order's own price sense)
    limit: Decimal | None = None
    fresh_stage: bool = False
    cached_status: int | None = None  # what the gateway cache says (the TIMEOUT fault)


@dataclass
class VFill:
    id: int
    order: VOrder
    qty: Decimal
    price: Decimal
    created: str


@dataclass
class Conn:
    id: int
    sock: socket.socket
    lock: threading.Lock = field(default_factory=threading.Lock)
    acc_push: bool = False
    kl_push: bool = False
    book_push: bool = False
    pushes: int = 0
    alive: bool = True


class FakeOpenD:
    """See the module docstring. Thread-safe: one lock guards the venue."""

    def __init__(
        self,
        bars: tuple[tuple[str, str, str, str], ...],
        *,
        code: str = "US.NVDA",
        volumes: tuple[str, ...] | None = None,
        max_volume_share: Decimal | None = None,
        balance: Decimal = Decimal(100_000_000),
        leverage: Decimal | None = None,
        spread: Decimal = Decimal("0.01"),
        start: datetime = datetime(2025, 1, 6, 9, 30),
        password_md5: str = "",
        lot_size: int = 1,
        history: tuple[tuple[str, str, str, str], ...] = (),
        rsa_private_pem: bytes | None = None,
        times: tuple[datetime, ...] | None = None,
    ) -> None:
        # Each live bar's opening time (New York) when the market has gaps (a night); else
        # one a minute from `start`. History bars are the minutes before the first.
        self.times = times
        # With a key, every connection is encrypted as OpenD's `rsa_private_key` makes it.
        self.cipher = Cipher(rsa_private_pem, AES_KEY) if rsa_private_pem else None
        self.raw_bodies: list[bytes] = []  # as received, encrypted
        self.bars = bars
        self.code = code
        self.volumes = volumes
        self.max_volume_share = max_volume_share
        self.balance = balance
        self.leverage = leverage
        self.spread = spread
        self.start_time = start
        self.password_md5 = password_md5.lower()
        self.lot_size = lot_size
        self.history_bars = history
        self.row = 0
        self.orders: list[VOrder] = []
        self.fills: list[VFill] = []
        self.lock = threading.RLock()
        self.conns: dict[int, Conn] = {}
        self._conn_ids = itertools.count(1)
        self._order_ids = itertools.count(5_000_001)
        self._fill_ids = itertools.count(9_000_001)
        self._clock = start
        self.unlocked_conns: set[int] = set()
        self.locked = False  # the gateway forgot the unlock (a 'locked' mid-run)
        self.locked_msg = LOCKED_MSG
        self.unlock_calls: list[str] = []  # md5 of every unlock seen (tests: never the password)
        self.requests: list[int] = []  # proto id of every request, in order
        self.suspended = False
        self.closed = False
        # faults
        self.push_before_reply = True
        self.duplicate = False
        self.reorder = False
        self._held: list[tuple[Conn, bytes]] = []
        self._timeout_next: bool | None = None
        self._reject_next: str | None = None
        self._timeout_status_next = False
        self._rate_limited: dict[int, int] = {}
        self.lock_after_reconnect = False
        self.kl_dropped = False
        self.silent = False  # stop answering everything (a hung gateway)
        self.no_book_rights = False  # the account has no order-book quote right
        self._listener: socket.socket | None = None
        self._peek_conn = 1
        self._dead_pushes: dict[int, int] = {}

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> tuple[str, int]:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, daemon=True, name="fake-opend").start()
        return "127.0.0.1", listener.getsockname()[1]

    def close(self) -> None:
        self.closed = True
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept thread
            self._listener.close()
        for conn in list(self.conns.values()):
            self._drop(conn)

    def suspend(self) -> None:
        """Cut every client off and refuse new ones until `resume`."""
        self.suspended = True
        for conn in list(self.conns.values()):
            self._drop(conn)

    def resume(self) -> None:
        with self.lock:
            if self.lock_after_reconnect:
                self.locked = True
            self.suspended = False

    def pushes_since(self, first_conn: int) -> int:
        """Pushes written to connections numbered `first_conn` or later."""
        with self.lock:
            return sum(c.pushes for c in self.conns.values() if c.id >= first_conn) + sum(
                n for cid, n in self._dead_pushes.items() if cid >= first_conn
            )

    @property
    def next_conn_id(self) -> int:
        with self.lock:
            return self._peek_conn

    def opening(self, index: int) -> datetime:
        """When bar `index` opens (negative: the history before the first live bar)."""
        if not self.times:
            return self.start_time + timedelta(minutes=index)
        if index < 0:
            return self.times[0] + timedelta(minutes=index)
        if index >= len(self.times):
            return self.times[-1] + timedelta(minutes=index - len(self.times) + 1)
        return self.times[index]

    # --- faults ----------------------------------------------------------------------------

    def timeout_next_submit(self, *, placed: bool) -> None:
        self._timeout_next = placed

    def reject_next_submit(self, reason: str) -> None:
        self._reject_next = reason

    def timeout_status_next(self) -> None:
        """The next order is placed, but the gateway's cache says TIMEOUT until refreshed."""
        self._timeout_status_next = True

    def rate_limit(self, proto_id: int, times: int = 1) -> None:
        self._rate_limited[proto_id] = self._rate_limited.get(proto_id, 0) + times

    def drop_quote_subscription(self) -> None:
        """The gateway loses the K-line subscription without a word (futuquant #104)."""
        with self.lock:
            self.kl_dropped = True
            for conn in self.conns.values():
                conn.kl_push = False

    # --- the network -----------------------------------------------------------------------

    def _accept(self) -> None:
        assert self._listener is not None
        while not self.closed:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            if self.suspended:
                sock.close()
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                conn = Conn(next(self._conn_ids), sock)
                self._peek_conn = conn.id + 1
                self.conns[conn.id] = conn
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _drop(self, conn: Conn) -> None:
        with self.lock:
            conn.alive = False
            if self.conns.pop(conn.id, None) is not None:
                self._dead_pushes[conn.id] = conn.pushes
            self.unlocked_conns.discard(conn.id)
        with contextlib.suppress(OSError):
            conn.sock.shutdown(socket.SHUT_RDWR)
        conn.sock.close()

    def _serve(self, conn: Conn) -> None:
        buf = b""
        while conn.alive:
            try:
                data = conn.sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            buf += data
            while len(buf) >= HEAD_LEN:
                head = struct.unpack(HEAD, buf[:HEAD_LEN])
                body_len = head[6]
                if len(buf) < HEAD_LEN + body_len:
                    break
                body = buf[HEAD_LEN : HEAD_LEN + body_len]
                buf = buf[HEAD_LEN + body_len :]
                if self.cipher is not None:
                    self.raw_bodies.append(body)
                    body = self.cipher.decrypt(head[2], body)
                assert head[0] == b"F" and head[1] == b"T" and sha1(body) == head[7]
                self._handle(conn, head[2], head[5], body)
        self._drop(conn)

    def _write(self, conn: Conn, packet: bytes, *, push: bool = False) -> None:
        if not conn.alive:
            return
        with conn.lock:
            try:
                conn.sock.sendall(packet)
            except OSError:
                return
        if push:
            with self.lock:
                conn.pushes += 1

    def _reply(self, conn: Conn, proto_id: int, serial: int, message: Any) -> None:
        self._write(conn, pack(proto_id, serial, message, self.cipher))

    def _error(self, conn: Conn, proto_id: int, serial: int, response: Any, msg: str) -> None:
        response.retType = -1
        response.retMsg = msg
        response.errCode = -1
        self._reply(conn, proto_id, serial, response)

    # --- dispatch --------------------------------------------------------------------------

    def _handle(self, conn: Conn, proto_id: int, serial: int, body: bytes) -> None:
        if self.silent:
            return
        handler: Callable[[Conn, int, bytes], None] | None = self._handlers().get(proto_id)
        if handler is None:
            return
        with self.lock:
            self.requests.append(proto_id)
            limited = self._rate_limited.get(proto_id, 0)
            if limited and proto_id != KEEP_ALIVE:
                self._rate_limited[proto_id] = limited - 1
        if limited:
            response_class = _RESPONSES.get(proto_id)
            if response_class is not None:
                self._error(conn, proto_id, serial, response_class(), RATE_MSG)
                return
        handler(conn, serial, body)

    def _handlers(self) -> dict[int, Callable[[Conn, int, bytes], None]]:
        return {
            INIT_CONNECT: self._init_connect,
            KEEP_ALIVE: self._keep_alive,
            GLOBAL_STATE: self._global_state,
            ACC_LIST: self._acc_list,
            UNLOCK: self._unlock,
            SUB_ACC_PUSH: self._sub_acc_push,
            FUNDS: self._funds,
            POSITIONS: self._positions,
            ORDER_LIST: self._order_list,
            HISTORY_ORDERS: self._history_orders,
            PLACE: self._place,
            MODIFY: self._modify,
            FILL_LIST: self._fill_list,
            HISTORY_FILLS: self._history_fills,
            QOT_SUB: self._qot_sub,
            QOT_REG: self._qot_reg,
            STATIC_INFO: self._static_info,
            HISTORY_KL: self._history_kl,
        }

    def _init_connect(self, conn: Conn, serial: int, body: bytes) -> None:
        InitConnect_pb2.Request().ParseFromString(body)
        rsp = InitConnect_pb2.Response()
        rsp.retType = 0
        rsp.s2c.serverVer = 1011
        rsp.s2c.loginUserID = 12345678
        rsp.s2c.connID = conn.id
        rsp.s2c.connAESKey = AES_KEY
        rsp.s2c.keepAliveInterval = 10
        self._reply(conn, INIT_CONNECT, serial, rsp)

    def _keep_alive(self, conn: Conn, serial: int, body: bytes) -> None:
        req = KeepAlive_pb2.Request()
        req.ParseFromString(body)
        rsp = KeepAlive_pb2.Response()
        rsp.retType = 0
        rsp.s2c.time = req.c2s.time
        self._reply(conn, KEEP_ALIVE, serial, rsp)

    def _global_state(self, conn: Conn, serial: int, body: bytes) -> None:
        rsp = GetGlobalState_pb2.Response()
        rsp.retType = 0
        s = rsp.s2c
        s.marketHK = s.marketUS = s.marketSH = s.marketSZ = s.marketHKFuture = 0
        s.qotLogined = s.trdLogined = True
        with self.lock:
            now = self.opening(self.row)
        s.serverVer, s.serverBuildNo = 1011, 1
        s.time = int(now.replace(tzinfo=NEW_YORK).timestamp())  # the venue's clock
        self._reply(conn, GLOBAL_STATE, serial, rsp)

    def _acc_list(self, conn: Conn, serial: int, body: bytes) -> None:
        rsp = Trd_GetAccList_pb2.Response()
        rsp.retType = 0
        for env, acc in ((REAL, REAL_ACC), (SIMULATE, SIM_ACC)):
            item = rsp.s2c.accList.add()
            item.trdEnv, item.accID = env, acc
            item.trdMarketAuthList.append(US)
            item.accType = 2  # margin
            item.securityFirm = 2  # FutuInc
            item.accStatus = 0
            if env == SIMULATE:
                item.simAccType = 1
        self._reply(conn, ACC_LIST, serial, rsp)

    def _unlock(self, conn: Conn, serial: int, body: bytes) -> None:
        req = Trd_UnlockTrade_pb2.Request()
        req.ParseFromString(body)
        rsp = Trd_UnlockTrade_pb2.Response()
        md5 = req.c2s.pwdMD5 if req.c2s.HasField("pwdMD5") else ""
        self.unlock_calls.append(md5)
        if req.c2s.unlock and md5.lower() != self.password_md5:
            self._error(conn, UNLOCK, serial, rsp, "Wrong trade password: unlock failed")
            return
        with self.lock:
            self.unlocked_conns.add(conn.id)
            self.locked = False
        rsp.retType = 0
        self._reply(conn, UNLOCK, serial, rsp)

    def _sub_acc_push(self, conn: Conn, serial: int, body: bytes) -> None:
        rsp = Trd_SubAccPush_pb2.Response()
        rsp.retType = 0
        conn.acc_push = True
        self._reply(conn, SUB_ACC_PUSH, serial, rsp)

    def _header(self, target: Any, env: int) -> None:
        target.trdEnv = env
        target.accID = REAL_ACC if env == REAL else SIM_ACC
        target.trdMarket = US

    def _funds(self, conn: Conn, serial: int, body: bytes) -> None:
        req = Trd_GetFunds_pb2.Request()
        req.ParseFromString(body)
        rsp = Trd_GetFunds_pb2.Response()
        rsp.retType = 0
        self._header(rsp.s2c.header, req.c2s.header.trdEnv)
        with self.lock:
            cash = self.balance - sum(
                (f.qty * f.price * (1 if f.order.side == BUY else -1) for f in self.fills),
                Decimal(0),
            )
            value = sum((q * self._last() for q in [self._net()]), Decimal(0))
        funds = rsp.s2c.funds
        funds.power = float(cash * (self.leverage or 1))
        funds.totalAssets = float(cash + value)
        funds.cash = float(cash)
        funds.marketVal = float(value)
        funds.frozenCash = funds.debtCash = 0.0
        funds.avlWithdrawalCash = float(cash)
        funds.currency = 2  # USD
        self._reply(conn, FUNDS, serial, rsp)

    def _net(self) -> Decimal:
        return sum(
            (
                f.qty if f.order.side == BUY else -f.qty
                for f in self.fills
                if f.order.code == self.code
            ),
            Decimal(0),
        )

    def _last(self) -> Decimal:
        index = min(max(self.row - 1, 0), len(self.bars) - 1)
        return Decimal(self.bars[index][3]) if self.bars else Decimal(0)

    def _positions(self, conn: Conn, serial: int, body: bytes) -> None:
        req = Trd_GetPositionList_pb2.Request()
        req.ParseFromString(body)
        rsp = Trd_GetPositionList_pb2.Response()
        rsp.retType = 0
        self._header(rsp.s2c.header, req.c2s.header.trdEnv)
        with self.lock:
            net = self._net()
            bought = [f for f in self.fills if f.order.side == BUY]
        if net != 0:
            qty_bought = sum((f.qty for f in bought), Decimal(0))
            cost = (
                sum((f.qty * f.price for f in bought), Decimal(0)) / qty_bought
                if qty_bought
                else Decimal(0)
            )
            p = rsp.s2c.positionList.add()
            p.positionID = 1
            p.positionSide = 0 if net > 0 else 1
            p.code = self.code.split(".", 1)[1]
            p.name = "fake"
            p.qty = float(abs(net))
            p.canSellQty = float(abs(net))
            p.price = float(self._last())
            p.costPrice = float(cost)
            p.val = float(abs(net) * self._last())
            p.plVal = 0.0
            p.secMarket = US
        self._reply(conn, POSITIONS, serial, rsp)

    # --- orders ----------------------------------------------------------------------------

    def _stamp(self) -> str:
        """The venue's clock: the bar in progress, a millisecond further for each change."""
        base = self.opening(self.row)
        self._clock = max(self._clock + timedelta(milliseconds=1), base)
        return vstr(self._clock)

    def _fill_order_pb(self, target: Any, order: VOrder, *, cached: bool = False) -> None:
        target.trdSide = order.side
        target.orderType = order.type
        status = order.status
        if cached and order.cached_status is not None:
            status = order.cached_status
        target.orderStatus = status
        target.orderID = order.id
        target.orderIDEx = str(order.id)
        target.code = order.code.split(".", 1)[1]
        target.name = "fake"
        target.qty = float(order.qty)
        target.price = float(order.price)
        target.createTime = order.created
        target.updateTime = order.updated
        target.fillQty = float(order.filled)
        target.fillAvgPrice = float(order.cost / order.filled) if order.filled else 0.0
        target.lastErrMsg = ""
        target.secMarket = US
        if order.remark:
            target.remark = order.remark
        target.timeInForce = order.tif
        target.fillOutsideRTH = order.outside_rth
        target.session = order.session
        target.trdMarket = US
        target.currency = 2
        if order.aux is not None:
            target.auxPrice = float(order.aux)
        if order.trail_type is not None:
            target.trailType = order.trail_type
        if order.trail_value is not None:
            target.trailValue = float(order.trail_value)
        if order.trail_spread is not None:
            target.trailSpread = float(order.trail_spread)

    def _order_list(self, conn: Conn, serial: int, body: bytes) -> None:
        req = Trd_GetOrderList_pb2.Request()
        req.ParseFromString(body)
        rsp = Trd_GetOrderList_pb2.Response()
        rsp.retType = 0
        self._header(rsp.s2c.header, req.c2s.header.trdEnv)
        wanted = (
            set(req.c2s.filterConditions.idList) if req.c2s.HasField("filterConditions") else set()
        )
        wanted_ex = (
            set(req.c2s.filterConditions.orderIDExList)
            if req.c2s.HasField("filterConditions")
            else set()
        )
        statuses = set(req.c2s.filterStatusList)
        refresh = req.c2s.refreshCache if req.c2s.HasField("refreshCache") else False
        with self.lock:
            for order in self.orders:
                if order.env != req.c2s.header.trdEnv:
                    continue
                if (
                    (wanted or wanted_ex)
                    and order.id not in wanted
                    and str(order.id) not in wanted_ex
                ):
                    continue
                if statuses and order.status not in statuses:
                    continue
                self._fill_order_pb(rsp.s2c.orderList.add(), order, cached=not refresh)
                if refresh:
                    order.cached_status = None
        self._reply(conn, ORDER_LIST, serial, rsp)

    def _history_orders(self, conn: Conn, serial: int, body: bytes) -> None:
        req = Trd_GetHistoryOrderList_pb2.Request()
        req.ParseFromString(body)
        rsp = Trd_GetHistoryOrderList_pb2.Response()
        rsp.retType = 0
        self._header(rsp.s2c.header, req.c2s.header.trdEnv)
        with self.lock:
            for order in self.orders:
                if order.env == req.c2s.header.trdEnv and order.status in DONE:
                    self._fill_order_pb(rsp.s2c.orderList.add(), order)
        self._reply(conn, HISTORY_ORDERS, serial, rsp)

    def _trade_allowed(self, conn: Conn, env: int) -> str | None:
        if env == REAL and (self.locked or conn.id not in self.unlocked_conns):
            return self.locked_msg
        return None

    def _place(self, conn: Conn, serial: int, body: bytes) -> None:
        req = Trd_PlaceOrder_pb2.Request()
        req.ParseFromString(body)
        c = req.c2s
        rsp = Trd_PlaceOrder_pb2.Response()
        with self.lock:
            timeout, self._timeout_next = self._timeout_next, None
            if timeout is False:
                return  # lost on the way: never placed, never answered
            refusal = self._trade_allowed(conn, c.header.trdEnv)
            if refusal is None and self._reject_next is not None:
                refusal, self._reject_next = self._reject_next, None
            order = None
            if refusal is None:
                order, refusal = self._new_order(c)
            if order is not None:
                self.orders.append(order)
                if self._timeout_status_next:
                    self._timeout_status_next = False
                    order.cached_status = TIMEOUT_STATUS
        if refusal is not None:
            self._error(conn, PLACE, serial, rsp, refusal)
            return
        assert order is not None
        rsp.retType = 0
        self._header(rsp.s2c.header, c.header.trdEnv)
        rsp.s2c.orderID = order.id
        rsp.s2c.orderIDEx = str(order.id)
        if self.push_before_reply:
            self._push_order(order)
        if timeout is True:
            if not self.push_before_reply:
                self._push_order(order)
            return  # placed, but the reply is lost
        self._reply(conn, PLACE, serial, rsp)
        if not self.push_before_reply:
            self._push_order(order)

    def _new_order(self, c: Any) -> tuple[VOrder | None, str | None]:
        code = "US." + c.code
        if code != self.code:
            return None, f"Unknown security {code}: this gateway quotes {self.code} only"
        qty = dec(c.qty)
        if qty <= 0 or qty % self.lot_size:
            return None, f"Quantity {qty} is not a multiple of the lot size {self.lot_size}"
        now = self.opening(self.row)
        session = c.session if c.HasField("session") else 0
        if c.orderType == MARKET and not regular(now):
            return None, "Market orders are not accepted outside regular trading hours"
        for name in ("price", "auxPrice", "trailValue", "trailSpread"):
            if c.HasField(name) and not _precise(name, dec(getattr(c, name))):
                return None, f"Price {getattr(c, name)} has too many decimals for {name}"
        price = dec(c.price) if c.HasField("price") else Decimal(0)
        reference = price or (dec(c.auxPrice) if c.HasField("auxPrice") else self._ask_now())
        limit = None if self.leverage is None else self.balance * self.leverage
        if limit is not None and c.trdSide == BUY and qty * reference > limit:
            return None, "Insufficient buying power: the order exceeds the account's power"
        stamp = self._stamp()
        order = VOrder(
            id=next(self._order_ids),
            side=c.trdSide,
            type=c.orderType,
            code=code,
            qty=qty,
            price=price,
            aux=dec(c.auxPrice) if c.HasField("auxPrice") else None,
            trail_type=c.trailType if c.HasField("trailType") else None,
            trail_value=dec(c.trailValue) if c.HasField("trailValue") else None,
            trail_spread=dec(c.trailSpread) if c.HasField("trailSpread") else None,
            remark=c.remark if c.HasField("remark") else "",
            tif=c.timeInForce if c.HasField("timeInForce") else 0,
            outside_rth=c.fillOutsideRTH if c.HasField("fillOutsideRTH") else False,
            session=session,
            created=stamp,
            updated=stamp,
            env=c.header.trdEnv,
        )
        problem = _terms_problem(order)
        if problem:
            return None, problem
        if order.type == MARKET:
            order.stage = "market"
        return order, None

    def _ask_now(self) -> Decimal:
        return self._last() + self.spread

    def _modify(self, conn: Conn, serial: int, body: bytes) -> None:
        req = Trd_ModifyOrder_pb2.Request()
        req.ParseFromString(body)
        c = req.c2s
        rsp = Trd_ModifyOrder_pb2.Response()
        with self.lock:
            refusal = self._trade_allowed(conn, c.header.trdEnv)
            target = next((o for o in self.orders if str(o.id) == c.orderIDEx), None)
            if refusal is None and target is None:
                refusal = f"Order {c.orderIDEx} does not exist"
            if refusal is None and target is not None and target.status in DONE:
                refusal = f"Order {c.orderIDEx} is finished and cannot be changed"
            if refusal is None and target is not None:
                if c.modifyOrderOp == 2:  # cancel
                    target.status = CANCELLED_PART if target.filled else CANCELLED_ALL
                elif c.modifyOrderOp == 1:
                    refusal = self._apply_modify(target, c)
                else:
                    refusal = "Only modify (1) and cancel (2) exist for US orders"
                if refusal is None:
                    target.updated = self._stamp()
        if refusal is not None:
            self._error(conn, MODIFY, serial, rsp, refusal)
            return
        assert target is not None
        rsp.retType = 0
        self._header(rsp.s2c.header, c.header.trdEnv)
        rsp.s2c.orderID = target.id
        rsp.s2c.orderIDEx = str(target.id)
        if self.push_before_reply:
            self._push_order(target)
        self._reply(conn, MODIFY, serial, rsp)
        if not self.push_before_reply:
            self._push_order(target)

    def _apply_modify(self, order: VOrder, c: Any) -> str | None:
        qty = dec(c.qty)
        if qty <= order.filled or qty % self.lot_size:
            return f"Quantity {qty} is below what filled or off the lot size"
        for name in ("price", "auxPrice", "trailValue", "trailSpread"):
            if c.HasField(name) and not _precise(name, dec(getattr(c, name))):
                return f"Price {getattr(c, name)} has too many decimals for {name}"
        order.qty = qty
        if order.type not in (MARKET, STOP, MIT, TRAIL):
            order.price = dec(c.price)
        if c.HasField("auxPrice"):
            order.aux = dec(c.auxPrice)
        if c.HasField("trailType"):
            order.trail_type = c.trailType
        if c.HasField("trailValue"):
            order.trail_value = dec(c.trailValue)
        if c.HasField("trailSpread"):
            order.trail_spread = dec(c.trailSpread)
        return _terms_problem(order)

    def _fill_list(self, conn: Conn, serial: int, body: bytes) -> None:
        req = Trd_GetOrderFillList_pb2.Request()
        req.ParseFromString(body)
        rsp = Trd_GetOrderFillList_pb2.Response()
        rsp.retType = 0
        self._header(rsp.s2c.header, req.c2s.header.trdEnv)
        with self.lock:
            for fill in self.fills:
                if fill.order.env == req.c2s.header.trdEnv:
                    self._fill_pb(rsp.s2c.orderFillList.add(), fill)
        self._reply(conn, FILL_LIST, serial, rsp)

    def _history_fills(self, conn: Conn, serial: int, body: bytes) -> None:
        req = Trd_GetHistoryOrderFillList_pb2.Request()
        req.ParseFromString(body)
        rsp = Trd_GetHistoryOrderFillList_pb2.Response()
        rsp.retType = 0
        self._header(rsp.s2c.header, req.c2s.header.trdEnv)
        self._reply(conn, HISTORY_FILLS, serial, rsp)  # the fake's history starts today

    def _fill_pb(self, target: Any, fill: VFill) -> None:
        target.trdSide = fill.order.side
        target.fillID = fill.id
        target.fillIDEx = str(fill.id)
        target.orderID = fill.order.id
        target.orderIDEx = str(fill.order.id)
        target.code = fill.order.code.split(".", 1)[1]
        target.name = "fake"
        target.qty = float(fill.qty)
        target.price = float(fill.price)
        target.createTime = fill.created
        target.secMarket = US
        target.status = 0
        target.trdMarket = US

    # --- pushes ----------------------------------------------------------------------------

    def _trade_conns(self) -> list[Conn]:
        with self.lock:
            return [c for c in self.conns.values() if c.acc_push and c.alive]

    def _send_push(self, packet: bytes, conns: list[Conn], *, trade: bool) -> None:
        copies = 2 if (trade and self.duplicate) else 1
        for conn in conns:
            for _ in range(copies):
                if trade and self.reorder:
                    with self.lock:
                        held = self._held.pop() if self._held else None
                        if held is None:
                            self._held.append((conn, packet))
                            continue
                    self._write(conn, packet, push=True)
                    self._write(held[0], held[1], push=True)
                else:
                    self._write(conn, packet, push=True)

    def flush_held(self) -> None:
        with self.lock:
            held, self._held = self._held, []
        for conn, packet in held:
            self._write(conn, packet, push=True)

    def _push_order(self, order: VOrder) -> None:
        rsp = Trd_UpdateOrder_pb2.Response()
        rsp.retType = 0
        self._header(rsp.s2c.header, order.env)
        with self.lock:
            self._fill_order_pb(rsp.s2c.order, order)
        self._send_push(pack(UPDATE_ORDER, 0, rsp, self.cipher), self._trade_conns(), trade=True)

    def _push_fill(self, fill: VFill) -> None:
        rsp = Trd_UpdateOrderFill_pb2.Response()
        rsp.retType = 0
        self._header(rsp.s2c.header, fill.order.env)
        self._fill_pb(rsp.s2c.orderFill, fill)
        self._send_push(pack(UPDATE_FILL, 0, rsp, self.cipher), self._trade_conns(), trade=True)

    # --- quotes ----------------------------------------------------------------------------

    def _qot_sub(self, conn: Conn, serial: int, body: bytes) -> None:
        req = Qot_Sub_pb2.Request()
        req.ParseFromString(body)
        rsp = Qot_Sub_pb2.Response()
        codes = {"US." + s.code for s in req.c2s.securityList}
        if codes - {self.code}:
            self._error(conn, QOT_SUB, serial, rsp, f"Unknown security {sorted(codes)}")
            return
        if req.c2s.isSubOrUnSub and 2 in req.c2s.subTypeList:  # SubType_OrderBook
            if self.no_book_rights:
                self._error(conn, QOT_SUB, serial, rsp, "No quote right for the order book")
                return
            conn.book_push = True
        if req.c2s.isSubOrUnSub and 11 in req.c2s.subTypeList:
            with self.lock:
                self.kl_dropped = False
            conn.kl_push = (
                bool(req.c2s.isRegOrUnRegPush) if req.c2s.HasField("isRegOrUnRegPush") else True
            )
        rsp.retType = 0
        self._reply(conn, QOT_SUB, serial, rsp)

    def _qot_reg(self, conn: Conn, serial: int, body: bytes) -> None:
        req = Qot_RegQotPush_pb2.Request()
        req.ParseFromString(body)
        conn.kl_push = req.c2s.isRegOrUnReg
        rsp = Qot_RegQotPush_pb2.Response()
        rsp.retType = 0
        self._reply(conn, QOT_REG, serial, rsp)

    def _static_info(self, conn: Conn, serial: int, body: bytes) -> None:
        req = Qot_GetStaticInfo_pb2.Request()
        req.ParseFromString(body)
        rsp = Qot_GetStaticInfo_pb2.Response()
        rsp.retType = 0
        for security in req.c2s.securityList:
            if "US." + security.code != self.code:
                continue
            info = rsp.s2c.staticInfoList.add()
            basic = info.basic
            basic.security.market = QOT_US
            basic.security.code = security.code
            basic.id = 1
            basic.lotSize = self.lot_size
            basic.secType = 3  # Eqty
            basic.name = "Fake Corp"
            basic.listTime = "1999-01-22"
            basic.exchType = 6
        self._reply(conn, STATIC_INFO, serial, rsp)

    def _kline(self, target: Any, index: int, bar: tuple[str, str, str, str], vol: str) -> None:
        end = self.opening(index) + timedelta(minutes=1)
        target.time = end.strftime("%Y-%m-%d %H:%M:%S")
        target.isBlank = False
        target.openPrice, target.highPrice, target.lowPrice, target.closePrice = (
            float(Decimal(x)) for x in bar
        )
        target.volume = int(Decimal(vol))
        target.timestamp = 0.0

    def _history_kl(self, conn: Conn, serial: int, body: bytes) -> None:
        """Bars whose end lies in [beginTime, endTime] (exchange-local text), oldest first,
        `maxAckKLNum` a page, `nextReqKey` while more remain: as Futu pages them."""
        req = Qot_RequestHistoryKL_pb2.Request()
        req.ParseFromString(body)
        rsp = Qot_RequestHistoryKL_pb2.Response()
        rsp.retType = 0
        rsp.s2c.security.market = QOT_US
        rsp.s2c.security.code = req.c2s.security.code
        with self.lock:
            seen = list(self.history_bars) + list(self.bars[: self.row])
            offset = len(self.history_bars)
        begin, end = _when(req.c2s.beginTime, "00:00:00"), _when(req.c2s.endTime, "23:59:59")
        chosen = [
            i
            for i in range(len(seen))
            if begin <= self.opening(i - offset) + timedelta(minutes=1) <= end
        ]
        first = int(req.c2s.nextReqKey.decode()) if req.c2s.HasField("nextReqKey") else 0
        size = req.c2s.maxAckKLNum if req.c2s.HasField("maxAckKLNum") else 1000
        page = chosen[first : first + size]
        for i in page:
            self._kline(rsp.s2c.klList.add(), i - offset, seen[i], "0")
        if first + size < len(chosen):
            rsp.s2c.nextReqKey = str(first + size).encode()
        self._reply(conn, HISTORY_KL, serial, rsp)

    def _push_bar(self, index: int) -> None:
        rsp = Qot_UpdateKL_pb2.Response()
        rsp.retType = 0
        rsp.s2c.rehabType = 1
        rsp.s2c.klType = 1
        rsp.s2c.security.market = QOT_US
        rsp.s2c.security.code = self.code.split(".", 1)[1]
        vol = self.volumes[index] if self.volumes else "0"
        self._kline(rsp.s2c.klList.add(), index, self.bars[index], vol)
        with self.lock:
            conns = [
                c for c in self.conns.values() if c.kl_push and c.alive and not self.kl_dropped
            ]
        self._send_push(pack(UPDATE_KL, 0, rsp, self.cipher), conns, trade=False)
        self._push_book(Decimal(self.bars[index][3]))

    def _push_book(self, bid: Decimal) -> None:
        """Best Bid and Ask (Bid + spread) as the bar closes: Qot_UpdateOrderBook."""
        rsp = Qot_UpdateOrderBook_pb2.Response()
        rsp.retType = 0
        rsp.s2c.security.market = QOT_US
        rsp.s2c.security.code = self.code.split(".", 1)[1]
        for side, price in (
            (rsp.s2c.orderBookBidList, bid),
            (rsp.s2c.orderBookAskList, bid + self.spread),
        ):
            level = side.add()
            level.price, level.volume, level.orederCount = float(price), 100, 1
        with self.lock:
            conns = [c for c in self.conns.values() if c.book_push and c.alive]
        self._send_push(pack(UPDATE_BOOK, 0, rsp, self.cipher), conns, trade=False)

    # --- the book --------------------------------------------------------------------------

    def step(self, rows: int = 1) -> None:
        for _ in range(rows):
            with self.lock:
                if self.row >= len(self.bars):
                    return
                index = self.row
                bar = tuple(Decimal(x) for x in self.bars[index])
                when = self.opening(index)
                cap = self._cap(index)
                events: list[VOrder | VFill] = []
                for order in list(self.orders):
                    if order.status in DONE or order.status == FAILED:
                        continue
                    if not _in_session(order, when):
                        continue
                    fill = self._walk(order, bar, cap)  # type: ignore[arg-type]
                    if fill is not None:
                        events.append(fill)
                        events.append(order)
                self.row += 1
            for event in events:
                if isinstance(event, VFill):
                    self._push_fill(event)
                else:
                    self._push_order(event)
            self._push_bar(index)
        self.flush_held()

    def _cap(self, index: int) -> Decimal | None:
        if self.volumes is None or self.max_volume_share is None:
            return None
        return (Decimal(self.volumes[index]) * self.max_volume_share).to_integral_value(ROUND_DOWN)

    def _walk(
        self, order: VOrder, bar: tuple[Decimal, Decimal, Decimal, Decimal], cap: Decimal | None
    ) -> VFill | None:
        """Walk the bar's path in the order's own price sense (a sell's prices negated, so a
        sell is a buy's mirror) and fill where the order's rules are first met."""
        o, h, low, c = bar
        sign = Decimal(1) if order.side == BUY else Decimal(-1)
        shift = self.spread if order.side == BUY else Decimal(0)
        path_bid = [o, low, h, c] if c >= o else [o, h, low, c]
        path = [sign * (p + shift) for p in path_bid]
        price = self._walk_path(order, path, sign)
        if price is None:
            return None
        return self._fill(order, sign * price, cap)

    def _walk_path(self, order: VOrder, path: list[Decimal], sign: Decimal) -> Decimal | None:
        current = path[0]
        if order.stage == "market":
            return current
        points = [(path[0], path[0]), *itertools.pairwise(path)]
        for a, b in points:
            price = self._segment(order, a, b, sign)
            if price is not None:
                return price
        return None

    def _segment(self, order: VOrder, a: Decimal, b: Decimal, sign: Decimal) -> Decimal | None:
        """One monotonic move from a to b; the first fill price on it, or None."""
        kind = order.type
        if order.stage == "limit":
            assert order.limit is not None
            return _reach_down(a, b, sign * order.limit)
        if kind == NORMAL:
            return _reach_down(a, b, sign * order.price)
        if kind in (STOP, STOP_LIMIT, MIT, LIT):
            assert order.aux is not None
            level = sign * order.aux
            hit = _reach_up(a, b, level) if kind in (STOP, STOP_LIMIT) else _reach_down(a, b, level)
            if hit is None:
                return None
            if kind in (STOP, MIT):
                return hit
            order.stage, order.limit = "limit", order.price
            return _reach_down(hit, b, sign * order.price)
        if kind in (TRAIL, TRAIL_LIMIT):
            assert order.trail_value is not None
            trough = a if order.extreme is None else min(order.extreme, a)
            distance = (
                order.trail_value
                if order.trail_type == AMOUNT
                else abs(trough) * order.trail_value / 100
            )
            stop = trough + distance
            hit = _reach_up(a, b, stop)
            if hit is None:
                order.extreme = min(trough, b)
                return None
            if kind == TRAIL:
                return hit
            spread = order.trail_spread or Decimal(0)
            order.stage, order.limit = "limit", sign * (stop + spread)
            return _reach_down(hit, b, stop + spread)
        return None

    def _fill(self, order: VOrder, price: Decimal, cap: Decimal | None) -> VFill | None:
        remaining = order.qty - order.filled
        qty = remaining if cap is None else min(remaining, cap)
        if qty <= 0:
            return None
        if order.stage == "wait" and order.type in (STOP, MIT, TRAIL):
            order.stage = "market"
        fill = VFill(next(self._fill_ids), order, qty, price, self._stamp())
        order.filled += qty
        order.cost += qty * price
        order.status = FILLED_ALL if order.filled >= order.qty else FILLED_PART
        order.updated = fill.created
        self.fills.append(fill)
        return fill


_RESPONSES: dict[int, Any] = {
    PLACE: Trd_PlaceOrder_pb2.Response,
    MODIFY: Trd_ModifyOrder_pb2.Response,
    ORDER_LIST: Trd_GetOrderList_pb2.Response,
    FILL_LIST: Trd_GetOrderFillList_pb2.Response,
    UNLOCK: Trd_UnlockTrade_pb2.Response,
    FUNDS: Trd_GetFunds_pb2.Response,
    POSITIONS: Trd_GetPositionList_pb2.Response,
    HISTORY_KL: Qot_RequestHistoryKL_pb2.Response,
}


def dec(value: float) -> Decimal:
    """A double off the wire as the decimal it was written from (its shortest repr)."""
    return Decimal(repr(value))


def _precise(name: str, value: Decimal) -> bool:
    """US precision (seed 000): prices 2 decimals at $1 and above, up to 4 below; a trail
    amount up to 4 decimals (a ratio 2)."""
    places = -value.normalize().as_tuple().exponent  # type: ignore[operator]
    if name in ("price", "auxPrice"):
        return places <= (2 if value >= 1 else 4)
    return places <= 4


def _terms_problem(order: VOrder) -> str | None:
    needs_price = order.type in (NORMAL, STOP_LIMIT, LIT)
    needs_aux = order.type in (STOP, STOP_LIMIT, MIT, LIT)
    trailing = order.type in (TRAIL, TRAIL_LIMIT)
    if needs_price and order.price <= 0:
        return "This order type needs a price"
    if needs_aux and (order.aux is None or order.aux <= 0):
        return "This order type needs aux_price (the trigger)"
    if trailing and (order.trail_type not in (RATIO, AMOUNT) or not order.trail_value):
        return "A trailing order needs trail_type and trail_value"
    if order.type == TRAIL_LIMIT and order.trail_spread is None:
        return "A trailing stop limit order needs trail_spread"
    if order.trail_type == RATIO and order.trail_value is not None:
        places = -order.trail_value.normalize().as_tuple().exponent  # type: ignore[operator]
        if places > 2:
            return "A trail ratio takes at most 2 decimals"
    return None


def _when(text: str, default_time: str) -> datetime:
    return datetime.strptime(text if ":" in text else f"{text} {default_time}", "%Y-%m-%d %H:%M:%S")


def _in_session(order: VOrder, when: datetime) -> bool:
    if order.session == ETH:
        return extended(when)
    if order.session == ALL or order.outside_rth:
        return regular(when) or extended(when)
    return regular(when)


def _reach_down(a: Decimal, b: Decimal, level: Decimal) -> Decimal | None:
    """Moving from a to b, where the price is first at or below `level`."""
    if a <= level:
        return a
    if b <= level:
        return level
    return None


def _reach_up(a: Decimal, b: Decimal, level: Decimal) -> Decimal | None:
    if a >= level:
        return a
    if b >= level:
        return level
    return None
