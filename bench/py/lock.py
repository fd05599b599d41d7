"""lock: tasks x rounds acquire/release of an asyncio.Lock with a sleep(0) inside."""

import asyncio
import time

from _util import check, params, report

P = params()
TASKS = P["tasks"]
ROUNDS = P["rounds"]
counter = 0


async def worker(lock):
    global counter
    for _ in range(ROUNDS):
        async with lock:
            seen = counter
            await asyncio.sleep(0)
            counter = seen + 1


async def main():
    t0 = time.perf_counter()
    lock = asyncio.Lock()
    await asyncio.gather(*(worker(lock) for _ in range(TASKS)))
    return (time.perf_counter() - t0) * 1000


ms = asyncio.run(main())
check(
    counter == TASKS * ROUNDS,
    f"counter is {counter}, expected {TASKS * ROUNDS}: two holders at once",
)
report(ms=ms, n=TASKS * ROUNDS)
