"""memory: bytes per idle task, from n tasks blocked on one asyncio.Event
(tracemalloc's traced memory before and after); then every task must finish."""

import asyncio
import gc
import tracemalloc

from _util import check, params, report

N = params()["n"]


async def body(event, i):
    await event.wait()
    return i


async def main():
    event = asyncio.Event()
    tasks = [None] * N
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(N):
        tasks[i] = asyncio.create_task(body(event, i))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    check(not any(t.done() for t in tasks), "a task finished early")
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    event.set()
    return (after - before) / N, await asyncio.gather(*tasks)


tracemalloc.start()
bytes_per_task, results = asyncio.run(main())
tracemalloc.stop()
check(len(results) == N, f"{len(results)} of {N} tasks finished")
check(all(v == i for i, v in enumerate(results)), "results out of place")
report(bytes=bytes_per_task, n=N)
