"""echo: clients x rounds round trips of 100 bytes to an asyncio streams echo
server on 127.0.0.1, every reply compared with what was sent."""

import asyncio
import time

from _util import check, main

SIZE = 100


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


def measure(p):
    clients = p["clients"]
    rounds = p["rounds"]
    matched = 0

    async def client(c, port):
        nonlocal matched
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        pattern = template(c)
        try:
            for k in range(rounds):
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

    async def run():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        t0 = time.perf_counter()
        await asyncio.gather(*(client(c, port) for c in range(clients)))
        elapsed = (time.perf_counter() - t0) * 1000
        server.close()
        await server.wait_closed()
        return elapsed

    ms = asyncio.run(run())
    check(
        matched == clients * rounds,
        f"{matched} of {clients * rounds} echoes matched",
    )
    return {"ms": ms, "n": clients * rounds}


main(measure, ["rounds"])
