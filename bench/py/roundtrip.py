"""roundtrip: n round trips A->B->A through two asyncio.Queue(1): A sends i
and waits for B to send it back before sending i + 1; every message is
checked at both ends. n counts round trips; the figure is messages (2n)."""

import asyncio
import time

from _util import check, main


def measure(p):
    n = p["n"]
    echoed = 0
    answered = 0

    async def a(there, back):
        nonlocal answered
        for i in range(n):
            await there.put(i)
            v = await back.get()
            if v != i:
                check(False, f"A got {v} back, expected {i}")
            answered += 1

    async def b(there, back):
        nonlocal echoed
        for i in range(n):
            v = await there.get()
            if v != i:
                check(False, f"B got {v}, expected {i}")
            echoed += 1
            await back.put(v)

    async def run():
        t0 = time.perf_counter()
        there = asyncio.Queue(1)
        back = asyncio.Queue(1)
        task_a = asyncio.create_task(a(there, back))
        task_b = asyncio.create_task(b(there, back))
        await task_a
        await task_b
        return (time.perf_counter() - t0) * 1000

    ms = asyncio.run(run())
    check(echoed == n, f"B echoed {echoed} of {n} messages")
    check(answered == n, f"A got {answered} of {n} answers")
    return {"ms": ms, "n": 2 * n}


main(measure, ["n"])
