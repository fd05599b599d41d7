"""tasks: spawn n tasks that each await asyncio.sleep(0), gather their results."""

import asyncio
import time

from _util import check, main


async def body(i):
    await asyncio.sleep(0)
    return i


def measure(p):
    n = p["n"]

    async def run():
        t0 = time.perf_counter()
        out = await asyncio.gather(*(body(i) for i in range(n)))
        return (time.perf_counter() - t0) * 1000, out

    ms, results = asyncio.run(run())
    check(len(results) == n, f"{len(results)} of {n} results")
    check(all(v == i for i, v in enumerate(results)), "results out of place")
    return {"ms": ms, "n": n}


main(measure, ["n"])
