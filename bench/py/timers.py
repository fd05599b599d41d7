"""timers: n loop.call_later timers with random delays in [0, 100) ms; wall time
until the last fired and lateness p50/p99 (ms)."""

import asyncio
import time

from _util import check, params, quantile, random_delays, report

N = params()["n"]
delays = random_delays(N)
lateness = [-1.0] * N
fired = 0


async def main():
    global fired
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    now = time.perf_counter

    def cb(i, deadline):
        global fired
        lateness[i] = (now() - deadline) * 1000
        fired += 1
        if fired == N:
            done.set_result(None)

    for i, delay in enumerate(delays):
        loop.call_later(delay / 1000, cb, i, now() + delay / 1000)
    await done


t0 = time.perf_counter()
asyncio.run(main())
ms = (time.perf_counter() - t0) * 1000
check(fired == N, f"{fired} of {N} timers fired")
early = sum(1 for v in lateness if v < -0.5)
check(early == 0, f"{early} timers fired more than 0.5 ms early")
report(ms=ms, n=N, p50=quantile(lateness, 0.5), p99=quantile(lateness, 0.99))
