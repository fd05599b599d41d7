"""pingpong: n messages through an asyncio.Queue(1) between two tasks, in order."""

import asyncio
import time

from _util import check, params, report

N = params()["n"]
received = 0


async def producer(queue):
    for i in range(N):
        await queue.put(i)


async def consumer(queue):
    global received
    for i in range(N):
        v = await queue.get()
        if v != i:
            check(False, f"got {v}, expected {i}")
        received += 1


async def main():
    t0 = time.perf_counter()
    queue = asyncio.Queue(1)
    p = asyncio.create_task(producer(queue))
    c = asyncio.create_task(consumer(queue))
    await p
    await c
    return (time.perf_counter() - t0) * 1000


ms = asyncio.run(main())
check(received == N, f"{received} of {N} messages arrived")
report(ms=ms, n=N)
