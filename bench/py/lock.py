"""lock: tasks x rounds acquire/release of an asyncio.Lock with a sleep(0) inside."""

import asyncio
import time

from _util import check, main


def measure(p):
    tasks = p["tasks"]
    rounds = p["rounds"]
    counter = 0

    async def worker(lock):
        nonlocal counter
        for _ in range(rounds):
            async with lock:
                seen = counter
                await asyncio.sleep(0)
                counter = seen + 1

    async def run():
        t0 = time.perf_counter()
        lock = asyncio.Lock()
        await asyncio.gather(*(worker(lock) for _ in range(tasks)))
        return (time.perf_counter() - t0) * 1000

    ms = asyncio.run(run())
    check(
        counter == tasks * rounds,
        f"counter is {counter}, expected {tasks * rounds}: two holders at once",
    )
    return {"ms": ms, "n": tasks * rounds}


main(measure, ["rounds"])
