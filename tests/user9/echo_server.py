"""Line-protocol echo server (asyncio streams). Prints its port on stderr, events on stdout.

Protocol (one command per line):
  <text>          -> "echo <text>"
  BIN n + n bytes -> "got n <bytes>"   (readexactly; IncompleteReadError at EOF)
  BULK n + n bytes-> "bulk n sum=<s>"
  SHUTDOWN        -> "bye", then the server stops once the handler ended
"""

import asyncio
import sys


def log(msg):
    print(msg, flush=True)


async def main():
    stop = asyncio.Event()
    count = 0

    async def handle(reader, writer):
        nonlocal count
        count += 1
        me = count
        host = writer.get_extra_info("peername")[0]
        log(f"[{me}] connection from {host}")
        shutdown = False
        try:
            while True:
                line = await reader.readline()
                if not line:
                    log(f"[{me}] eof")
                    break
                text = line.decode().rstrip("\n")
                if text.startswith("BIN "):
                    n = int(text[4:])
                    try:
                        data = await reader.readexactly(n)
                    except asyncio.IncompleteReadError as e:
                        log(f"[{me}] {type(e).__name__} partial={e.partial.decode()!s} expected={e.expected}")
                        writer.write(f"incomplete {len(e.partial)}/{e.expected}\n".encode())
                        await writer.drain()
                        continue
                    log(f"[{me}] bin {n} {data.decode()}")
                    writer.write(f"got {n} {data.decode()}\n".encode())
                elif text.startswith("BULK "):
                    n = int(text[5:])
                    data = await reader.readexactly(n)
                    log(f"[{me}] bulk {n} sum={sum(data) % 2**32}")
                    writer.write(f"bulk {n} sum={sum(data) % 2**32}\n".encode())
                elif text == "SHUTDOWN":
                    log(f"[{me}] shutdown requested")
                    writer.write(b"bye\n")
                    shutdown = True
                    break
                else:
                    log(f"[{me}] line {text}")
                    writer.write(f"echo {text}\n".encode())
                await writer.drain()
        finally:
            writer.close()
            await writer.wait_closed()
            log(f"[{me}] handler closed")
            if shutdown:
                stop.set()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", file=sys.stderr, flush=True)
    log("serving")
    await stop.wait()
    server.close()
    await server.wait_closed()
    log(f"server closed serving={server.is_serving()}")


asyncio.run(main())
