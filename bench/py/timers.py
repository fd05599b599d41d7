"""timers: n loop.call_later timers with random delays in [0, 100) ms; wall time
until the last fired and lateness p50/p99 (ms)."""

import asyncio
import time

from _util import check, main, quantile, random_delays


def measure(p):
    n = p["n"]
    delays = random_delays(n)
    lateness = [-1.0] * n
    fired = 0

    async def run():
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        now = time.perf_counter

        def cb(i, deadline):
            nonlocal fired
            lateness[i] = (now() - deadline) * 1000
            fired += 1
            if fired == n:
                done.set_result(None)

        for i, delay in enumerate(delays):
            loop.call_later(delay / 1000, cb, i, now() + delay / 1000)
        await done

    t0 = time.perf_counter()
    asyncio.run(run())
    ms = (time.perf_counter() - t0) * 1000
    check(fired == n, f"{fired} of {n} timers fired")
    early = sum(1 for v in lateness if v < -0.5)
    check(early == 0, f"{early} timers fired more than 0.5 ms early")
    return {
        "ms": ms,
        "n": n,
        "p50": quantile(lateness, 0.5),
        "p99": quantile(lateness, 0.99),
    }


main(measure, ["n"])
