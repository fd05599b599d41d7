"""Client for echo_server: readline, readexactly, IncompleteReadError, drain, write_eof."""

import asyncio
import sys


def log(msg):
    print(msg, flush=True)


async def session_one(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"hello\n")
    await writer.drain()
    log(f"1 {(await reader.readline()).decode().rstrip()}")

    writer.write(b"BIN 5\nabcde")
    await writer.drain()
    log(f"1 {(await reader.readline()).decode().rstrip()}")

    n = 1 << 20
    writer.write(f"BULK {n}\n".encode())
    writer.write(bytes(i % 251 for i in range(n)))
    await writer.drain()
    log(f"1 {(await reader.readline()).decode().rstrip()}")

    writer.write(b"BIN 10\nxyz")
    log(f"1 can_write_eof={writer.can_write_eof()}")
    writer.write_eof()
    log(f"1 {(await reader.readline()).decode().rstrip()}")
    rest = await reader.read()
    log(f"1 read() after eof -> {len(rest)} bytes at_eof={reader.at_eof()}")
    try:
        await reader.readexactly(4)
    except asyncio.IncompleteReadError as e:
        log(f"1 {type(e).__name__} partial={len(e.partial)} expected={e.expected}")
    writer.close()
    await writer.wait_closed()
    log("1 closed")


async def session_two(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"SHUTDOWN\n")
    await writer.drain()
    log(f"2 {(await reader.readline()).decode().rstrip()}")
    log(f"2 then {len(await reader.readline())} bytes")
    writer.close()
    await writer.wait_closed()
    log("2 closed")


async def main():
    port = int(sys.argv[1])
    await session_one(port)
    await session_two(port)


asyncio.run(main())
