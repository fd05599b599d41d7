"""A timeout around a stream read on 127.0.0.1 (real sockets, real clock).

Every wait that is not meant to time out is ended by the peer, never by a
sleep; the log has no times, only whether each timeout took at least its
deadline (and less than a generous bound)."""

import functools
import json

import trio

from _tl import LINES, ename, main


def note(msg):
    LINES.append(f"- {msg}")


def took(t0, ms):
    dt = (trio.current_time() - t0) * 1000
    return f"took>={ms}ms:{str(ms <= dt < 5000).lower()}"


async def read_line(stream, buf):
    while b"\n" not in buf[0]:
        chunk = await stream.receive_some(1024)
        if not chunk:
            line, buf[0] = buf[0], b""
            return line
        buf[0] += chunk
    line, _, buf[0] = buf[0].partition(b"\n")
    return line + b"\n"


async def handler(stream):
    buf = [b""]
    first = await read_line(stream, buf)
    if first == b"idle?\n":
        # Wait for a request the client never sends: the server times out.
        t0 = trio.current_time()
        with trio.move_on_after(0.2) as s:
            await read_line(stream, buf)
        note(f"server: idle read caught={str(s.cancelled_caught).lower()} {took(t0, 200)}")
        await stream.send_all(b"idle-timeout\n")
        return
    await stream.send_all(b"hello\n")
    line = await read_line(stream, buf)
    note(f"server: got {json.dumps(line.decode())}")
    await stream.send_all(b"ok\n")


async def program():
    async with trio.open_nursery() as n:
        listeners = await n.start(
            functools.partial(trio.serve_tcp, handler, 0, host="127.0.0.1")
        )
        port = listeners[0].socket.getsockname()[1]

        stream = await trio.open_tcp_stream("127.0.0.1", port)
        buf = [b""]
        await stream.send_all(b"hi\n")
        note(f"client: got {json.dumps((await read_line(stream, buf)).decode())}")

        t0 = trio.current_time()
        with trio.move_on_after(0.2) as s:
            await read_line(stream, buf)
            note("client: not reached")
        note(f"client: move_on_after read caught={str(s.cancelled_caught).lower()} {took(t0, 200)}")

        t0 = trio.current_time()
        try:
            with trio.fail_after(0.2):
                await read_line(stream, buf)
        except BaseException as e:
            note(f"client: fail_after read raised {ename(e)} {took(t0, 200)}")

        await stream.send_all(b"bye\n")
        note(f"client: got {json.dumps((await read_line(stream, buf)).decode())} (nothing lost)")
        with trio.move_on_after(5) as s:
            eof = await stream.receive_some(1024)
        note(f"client: eof={str(eof == b'').lower()} timed out={str(s.cancelled_caught).lower()}")
        await stream.aclose()

        stream = await trio.open_tcp_stream("127.0.0.1", port)
        buf = [b""]
        await stream.send_all(b"idle?\n")
        with trio.move_on_after(5) as s:
            note(f"client: got {json.dumps((await read_line(stream, buf)).decode())}")
            note(f"client: then {json.dumps((await read_line(stream, buf)).decode())}")
        note(f"client: timed out={str(s.cancelled_caught).lower()}")
        await stream.aclose()

        n.cancel_scope.cancel()
    note("done")


main(program, mock=False)
