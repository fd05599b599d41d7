"""echo: clients x rounds round trips of 100 bytes to an asyncio streams echo
server on 127.0.0.1, every reply compared with what was sent."""

import asyncio
import time

from _util import check, params, report

P = params()
CLIENTS = P["clients"]
ROUNDS = P["rounds"]
SIZE = 100
matched = 0


def template(c):
    """Client c's pattern of bytes."""
    return bytes((c * 31 + i) & 0xFF for i in range(SIZE))


def message(pattern, k):
    """Client c's message in round k: its own pattern, k in front."""
    return k.to_bytes(4, "little") + pattern[4:]


async def handle(reader, writer):
    try:
        while True:
            data = await reader.read(4096)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()
        await writer.wait_closed()


async def client(c, port):
    global matched
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    pattern = template(c)
    try:
        for k in range(ROUNDS):
            sent = message(pattern, k)
            writer.write(sent)
            await writer.drain()
            back = await reader.readexactly(SIZE)
            if back != sent:
                check(False, f"client {c} round {k}")
            matched += 1
    finally:
        writer.close()
        await writer.wait_closed()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    t0 = time.perf_counter()
    await asyncio.gather(*(client(c, port) for c in range(CLIENTS)))
    elapsed = (time.perf_counter() - t0) * 1000
    server.close()
    await server.wait_closed()
    return elapsed


ms = asyncio.run(main())
check(matched == CLIENTS * ROUNDS, f"{matched} of {CLIENTS * ROUNDS} echoes matched")
report(ms=ms, n=CLIENTS * ROUNDS)
