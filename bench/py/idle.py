"""idle: memory per idle connection (see bench/idle.ts). A client process
opens n connections to an asyncio streams server on 127.0.0.1, sends one
line on each and reads the echo, then holds them open; the server's memory
is measured while every handler waits in read() for more input. Then the
client closes them and every handler must see EOF and finish.

The figure is tracemalloc's traced memory after a full GC, before the
clients connect and once they are all idle, divided by n (`bytes`); the
change of the resident set size is printed too (`rss`)."""

import asyncio
import gc
import os
import subprocess
import sys
import tracemalloc

from _util import check, main

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def usage():
    gc.collect()
    return tracemalloc.get_traced_memory()[0], rss()


def measure(p):
    n = p["n"]
    idle = 0
    finished = 0

    async def handle(reader, writer):
        nonlocal idle, finished
        writer.write(await reader.readline())
        await writer.drain()
        idle += 1
        rest = await reader.read()
        check(rest == b"", "data after the line")
        writer.close()
        await writer.wait_closed()
        finished += 1

    async def run():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        before = usage()
        client = await asyncio.create_subprocess_exec(
            sys.executable,
            os.path.join(os.path.dirname(__file__), "_idle_client.py"),
            str(port),
            str(n),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        line = await client.stdout.readline()
        check(line == b"ready\n", f"the client said {line!r}")
        while idle < n:
            await asyncio.sleep(0.001)
        after = usage()
        client.stdin.close()
        check(await client.wait() == 0, "the client failed")
        while finished < n:
            await asyncio.sleep(0.001)
        server.close()
        await server.wait_closed()
        return before, after

    tracemalloc.start()
    before, after = asyncio.run(run())
    tracemalloc.stop()
    check(finished == n, f"{finished} of {n} handlers finished")
    return {
        "bytes": (after[0] - before[0]) / n,
        "rss": (after[1] - before[1]) / n,
        "n": n,
    }


main(measure, ["n"])
