"""bulk: mib MiB through one asyncio streams connection on 127.0.0.1, written
in 64 KiB chunks with drain() and read with reader.read(65536); MB/s from the
first write until the reader holds the last byte.

The byte at stream offset p is p % 251; each read checks its first, middle and
last byte against its offset, and the reader must count every byte, then see
EOF (as bench/bulk.ts does).

asyncio's StreamReader has no readinto(): every read returns new bytes. The
zero-copy path exists one level down, in a BufferedProtocol (get_buffer() /
buffer_updated()) on a raw transport, which asyncio's streams do not use; so
this column reads the way an asyncio streams program does."""

import asyncio
import time

from _util import check, main

CHUNK = 64 * 1024
PERIOD = 251
PATTERN = bytes(j % PERIOD for j in range(CHUNK + PERIOD))


def chunk_at(k):
    at = (k * CHUNK) % PERIOD
    return memoryview(PATTERN)[at : at + CHUNK]


def measure(p):
    size = p["mib"] * 1024 * 1024
    chunks = size // CHUNK
    state = {"total": 0, "reads": 0, "t1": 0.0}

    async def handle(reader, writer, received):
        try:
            total = 0
            reads = 0
            while True:
                data = await reader.read(CHUNK)
                n = len(data)
                if n == 0:
                    break
                mid = n >> 1
                if (
                    data[0] != total % PERIOD
                    or data[mid] != (total + mid) % PERIOD
                    or data[n - 1] != (total + n - 1) % PERIOD
                ):
                    check(False, f"wrong bytes in the {n} read at offset {total}")
                total += n
                reads += 1
                if total == size:
                    state["t1"] = time.perf_counter()
            state["total"] = total
            state["reads"] = reads
            received.set_result(None)
        except BaseException as error:
            received.set_exception(error)
        finally:
            writer.close()

    async def run():
        received = asyncio.get_running_loop().create_future()
        server = await asyncio.start_server(
            lambda r, w: handle(r, w, received), "127.0.0.1", 0
        )
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        t0 = time.perf_counter()
        for k in range(chunks):
            writer.write(chunk_at(k))
            await writer.drain()
        writer.write_eof()
        await received
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()
        return t0

    t0 = asyncio.run(run())
    check(state["total"] == size, f"{state['total']} of {size} bytes arrived")
    return {
        "ms": (state["t1"] - t0) * 1000,
        "bytes": size,
        "reads": state["reads"],
    }


main(measure, ["mib"])
