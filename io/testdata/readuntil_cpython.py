"""Records what CPython 3.13's StreamReader.readuntil() does with several
separators, for io/stream_reader_separators_test.ts to replay on ours.

    python3.13 io/testdata/readuntil_cpython.py > io/testdata/readuntil_cpython.json

Each case feeds its chunks one at a time (yielding to the loop between
them, so the read scans after each), then EOF if asked, and records the
result or the error, and what is left in the buffer."""

import asyncio
import json
import sys

assert sys.version_info >= (3, 13), "needs Python 3.13 (tuple separators)"

CASES = [
    # The earliest end wins, whatever the order given.
    {"chunks": ["abc\r\ndef"], "seps": ["\n", "\r\n"]},
    {"chunks": ["abc\r\ndef"], "seps": ["\r\n", "\n"]},
    {"chunks": ["aBBcAA"], "seps": ["AA", "BB"]},
    {"chunks": ["h: v\r\n\r\nbody"], "seps": ["\r\n\r\n", "\n\n"]},
    {"chunks": ["h: v\n\nbody\r\n\r\n"], "seps": ["\r\n\r\n", "\n\n"]},
    # A separator that contains another one.
    {"chunks": ["xxABCyy"], "seps": ["ABC", "BC"]},
    {"chunks": ["xxABCyy"], "seps": ["B", "ABC"]},
    # Separators split across chunks.
    {"chunks": ["abc\r", "\n", "rest"], "seps": ["\r\n\r\n", "\n"]},
    {"chunks": ["GET / HTTP/1.1\r\nHost: a\r\n\r", "\nbody"], "seps": ["\r\n\r\n", "\n\n"]},
    {"chunks": ["ab", "c", "XY", "Z"], "seps": ["XYZ", "cX"]},
    # Ties: the shorter separator's start is checked against the limit.
    {"chunks": ["abc\r\n"], "seps": ["\r\n", "\n"], "limit": 3},
    {"chunks": ["ab\r\n"], "seps": ["\r\n", "\n"], "limit": 3},
    {"chunks": ["abcd;"], "seps": [";", "d;"], "limit": 3},
    # Not found within the limit.
    {"chunks": ["0123456789"], "seps": ["XYZ", "Q"], "limit": 5},
    {"chunks": ["0123", "4567", "89"], "seps": ["XYZ", "Q"], "limit": 5},
    {"chunks": ["01234567", "Q"], "seps": ["XYZ", "Q"], "limit": 8},
    {"chunks": ["0123456789Q"], "seps": ["Q"], "limit": 5},
    # EOF first.
    {"chunks": ["no separator"], "seps": [";", "\n"], "eof": True},
    {"chunks": ["ends in half a sep\r"], "seps": ["\r\n"], "eof": True},
    {"chunks": [], "seps": [";", "\n"], "eof": True},
    # Found together with EOF.
    {"chunks": ["last;"], "seps": [";", "\n"], "eof": True},
    # One separator in a tuple, duplicates, bytes above 127.
    {"chunks": ["a;b;"], "seps": [";"]},
    {"chunks": ["a;b;"], "seps": [";", ";"]},
    {"chunks": ["caf\u00e9|\u00e9t\u00e9"], "seps": ["\u00e9t", "|"]},
]


async def replay(case):
    reader = asyncio.StreamReader(limit=case.get("limit", 2**16))
    seps = tuple(s.encode() for s in case["seps"])
    task = asyncio.create_task(reader.readuntil(seps))
    await asyncio.sleep(0)
    for chunk in case["chunks"]:
        if task.done():
            break
        reader.feed_data(chunk.encode())
        await asyncio.sleep(0)
    if case.get("eof") and not task.done():
        reader.feed_eof()
        await asyncio.sleep(0)
    if not task.done():
        task.cancel()
        outcome = {"pending": True}
    else:
        try:
            outcome = {"ok": task.result().decode()}
        except asyncio.LimitOverrunError as e:
            outcome = {"limit": e.consumed}
        except asyncio.IncompleteReadError as e:
            outcome = {"incomplete": e.partial.decode()}
    outcome["left"] = bytes(reader._buffer).decode()
    return {**case, "outcome": outcome}


async def main():
    print(json.dumps([await replay(c) for c in CASES], indent=1, ensure_ascii=False))


asyncio.run(main())
