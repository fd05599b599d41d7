"""pingpong: n messages through an asyncio.Queue(1) between two tasks, in order."""

import asyncio
import time

from _util import check, main


def measure(p):
    n = p["n"]
    received = 0

    async def producer(queue):
        for i in range(n):
            await queue.put(i)

    async def consumer(queue):
        nonlocal received
        for i in range(n):
            v = await queue.get()
            if v != i:
                check(False, f"got {v}, expected {i}")
            received += 1

    async def run():
        t0 = time.perf_counter()
        queue = asyncio.Queue(1)
        prod = asyncio.create_task(producer(queue))
        cons = asyncio.create_task(consumer(queue))
        await prod
        await cons
        return (time.perf_counter() - t0) * 1000

    ms = asyncio.run(run())
    check(received == n, f"{received} of {n} messages arrived")
    return {"ms": ms, "n": n}


main(measure, ["n"])
