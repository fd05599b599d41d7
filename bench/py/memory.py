"""memory: bytes per idle task, from n tasks blocked on one asyncio.Event
(tracemalloc's traced memory before and after); then every task must finish."""

import asyncio
import gc
import tracemalloc

from _util import check, main


async def body(event, i):
    await event.wait()
    return i


def measure(p):
    n = p["n"]

    async def run():
        event = asyncio.Event()
        tasks = [None] * n
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(n):
            tasks[i] = asyncio.create_task(body(event, i))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        check(not any(t.done() for t in tasks), "a task finished early")
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        event.set()
        return (after - before) / n, await asyncio.gather(*tasks)

    tracemalloc.start()
    bytes_per_task, results = asyncio.run(run())
    tracemalloc.stop()
    check(len(results) == n, f"{len(results)} of {n} tasks finished")
    check(all(v == i for i, v in enumerate(results)), "results out of place")
    return {"bytes": bytes_per_task, "n": n}


main(measure, ["n"])
