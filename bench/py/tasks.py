"""tasks: spawn n tasks that each await asyncio.sleep(0), gather their results."""

import asyncio
import time

from _util import check, params, report

N = params()["n"]


async def body(i):
    await asyncio.sleep(0)
    return i


async def main():
    t0 = time.perf_counter()
    out = await asyncio.gather(*(body(i) for i in range(N)))
    return (time.perf_counter() - t0) * 1000, out


ms, results = asyncio.run(main())
check(len(results) == N, f"{len(results)} of {N} results")
check(all(v == i for i, v in enumerate(results)), "results out of place")
report(ms=ms, n=N)
