"""callbacks: schedule n callbacks at once with loop.call_soon, in FIFO order."""

import asyncio
import time

from _util import check, main


def measure(p):
    n = p["n"]
    count = 0

    def cb(i):
        nonlocal count
        if i != count:
            check(False, f"callback {i} ran in place {count}")
        count += 1

    async def run():
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        t0 = time.perf_counter()
        for i in range(n):
            loop.call_soon(cb, i)
        loop.call_soon(done.set_result, None)
        await done
        return (time.perf_counter() - t0) * 1000

    ms = asyncio.run(run())
    check(count == n, f"{count} of {n} callbacks ran")
    return {"ms": ms, "n": n}


main(measure, ["n"])
