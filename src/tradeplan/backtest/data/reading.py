"""From a file's bytes to its lines: gzip, byte order mark, line ends, comments, blank lines.

Both parsers start from the same `_Table` (the text as one numpy byte array and where each data
line starts and ends), so they agree on which lines are data and on every line number a message
names. Splitting one line into fields is here too: the header and the row-by-row parser use it.
"""

from __future__ import annotations

import csv
import gzip
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from tradeplan.backtest.data.issues import _issue
from tradeplan.backtest.data.model import I64, DataError
from tradeplan.diagnostics import Span


@dataclass(slots=True)
class _Table:
    buf: NDArray[np.uint8]  # whole text, '\r' removed
    header: list[str]
    line_start: I64  # per data row: first byte
    line_end: I64  # per data row: the '\n'
    line_no: I64  # per data row: 1-based file line


class _GunzipWhole(Exception):
    """The streamed gunzip cannot fill a buffer of the size gzip's trailer gives."""


def _to_buffer(content: bytes, source: str) -> NDArray[np.uint8]:
    """The file's text as bytes in a numpy array, gunzipped without holding two copies."""
    if content[:2] != b"\x1f\x8b":
        return np.frombuffer(content, dtype=np.uint8)
    size = int.from_bytes(content[-4:], "little")  # gzip's ISIZE: length mod 2**32
    out = np.empty(size, dtype=np.uint8)
    view = memoryview(out)  # type: ignore[arg-type]
    inflater = zlib.decompressobj(wbits=31)
    filled = 0
    try:
        for begin in range(0, len(content), _IO_CHUNK):
            piece = inflater.decompress(content[begin : begin + _IO_CHUNK], _IO_CHUNK)
            while piece:
                if filled + len(piece) > size:
                    raise _GunzipWhole
                view[filled : filled + len(piece)] = piece
                filled += len(piece)
                piece = inflater.decompress(inflater.unconsumed_tail, _IO_CHUNK)
        if filled != size or inflater.unused_data:
            raise _GunzipWhole  # several gzip members, or more than 4 GB
    except _GunzipWhole:
        return _gunzip_whole(content, source)
    except zlib.error as exc:
        raise DataError([_issue(Span(source, 1, 1), f"broken gzip file: {exc}")]) from None
    return out


def _gunzip_whole(content: bytes, source: str) -> NDArray[np.uint8]:
    """Several members, a wrong length field, or damage: gzip itself says which."""
    try:
        return np.frombuffer(gzip.decompress(content), dtype=np.uint8)
    except EOFError:
        message = "the gzip file is cut short (it ends before its end marker); copy it again"
    except (OSError, zlib.error) as exc:  # BadGzipFile is an OSError: trailing bytes, bad CRC
        message = f"broken gzip file: {exc}"
    raise DataError([_issue(Span(source, 1, 1), message)])


_IO_CHUNK: Final = 1 << 22


def _positions(buf: NDArray[np.uint8], byte: int, begin: int = 0) -> I64:
    """Offsets of every `byte` from `begin` on, scanned in slices to keep the masks small."""
    found = [
        np.flatnonzero(buf[at : at + _IO_CHUNK] == byte) + at
        for at in range(begin, buf.size, _IO_CHUNK)
    ]
    return np.concatenate(found).astype(np.int64, copy=False) if found else np.zeros(0, np.int64)


def _read_table(buf: NDArray[np.uint8], source: str) -> _Table:
    if buf[:3].tobytes() == b"\xef\xbb\xbf":
        buf = buf[3:]
    if np.any(buf == 13):
        text = buf.tobytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        buf = np.frombuffer(text, dtype=np.uint8)
    ends = _positions(buf, 10)
    if buf.size and buf[-1] != 10:
        ends = np.append(ends, buf.size)  # a last line without its newline
    if ends.size == 0:
        raise DataError([_issue(Span(source, 1, 1), "the file is empty")])
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    numbers = np.arange(1, ends.size + 1, dtype=np.int64)
    # Comment lines (`#`) and blank lines are skipped; line numbers still count them.
    keep = (ends > starts) & (buf[np.minimum(starts, buf.size - 1)] != ord("#"))
    keep &= ~_only_spaces(buf, starts, ends)
    starts, ends, numbers = starts[keep], ends[keep], numbers[keep]
    if starts.size == 0:
        raise DataError([_issue(Span(source, 1, 1), "the file is empty")])
    try:
        header_text = buf[starts[0] : ends[0]].tobytes().decode("utf-8")
    except UnicodeDecodeError:
        raise DataError([_issue(Span(source, 1, 1), "the file is not UTF-8 text")]) from None
    header = _split_fields(header_text)
    if isinstance(header, _LongField):
        span = Span(source, int(numbers[0]), header.col)
        raise DataError([_issue(span, header.message())])
    return _Table(buf, header, starts[1:], ends[1:], numbers[1:])


_SPACE: Final = (ord(" "), ord("\t"))


def _only_spaces(buf: NDArray[np.uint8], starts: I64, ends: I64) -> NDArray[np.bool_]:
    """Lines holding nothing but spaces and tabs: they look blank, so they are skipped as blank.

    Only lines that begin and end with a space or tab can be such lines; they are rare, so they
    are looked at one by one and the common file costs two byte lookups per line.
    """
    result = np.zeros(starts.size, dtype=np.bool_)
    if buf.size == 0:
        return result
    first = buf[np.minimum(starts, buf.size - 1)]
    last = buf[np.maximum(ends - 1, 0)]
    maybe = (ends > starts) & np.isin(first, _SPACE) & np.isin(last, _SPACE)
    for i in np.flatnonzero(maybe).tolist():
        result[i] = not buf[int(starts[i]) : int(ends[i])].tobytes().strip(b" \t")
    return result


@dataclass(frozen=True, slots=True)
class _LongField:
    """A line the csv module refuses: one of its fields is longer than the module's limit."""

    col: int  # 1-based column where the field starts (close for quoted fields)
    index: int  # 0-based field position, or -1 when not found
    error: str

    def message(self, names: Sequence[str] = ()) -> str:
        if "field limit" not in self.error:
            return f"the line cannot be read as CSV: {self.error}"
        name = f"`{names[self.index]}`" if 0 <= self.index < len(names) else "a"
        return (
            f"{name} field is too long (over {csv.field_size_limit():,} characters); no time or "
            'price is that long: check that this is the right file and that every quote (") '
            "is closed"
        )


def _split_fields(text: str) -> list[str] | _LongField:
    """The fields of one line; a field past csv's limit (128 KiB) cannot be a time or price."""
    try:
        return next(csv.reader([text]))
    except csv.Error as exc:
        col = 1
        for index, piece in enumerate(text.split(",")):
            if len(piece) > csv.field_size_limit():
                return _LongField(col, index, str(exc))
            col += len(piece) + 1
        return _LongField(1, -1, str(exc))
