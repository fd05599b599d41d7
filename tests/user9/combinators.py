"""shield, as_completed, gather(return_exceptions=True), gather cancellation."""

import asyncio

from _vclock import now, run


def log(msg):
    print(f"t={now():g} {msg}", flush=True)


async def after(delay, value, exc=None):
    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError:
        log(f"{value} cancelled")
        raise
    if exc is not None:
        log(f"{value} failing")
        raise exc
    log(f"{value} done")
    return value


async def shield_demo():
    log("-- shield")
    inner = asyncio.create_task(after(3, "inner"))

    async def outer():
        try:
            return await asyncio.shield(inner)
        except asyncio.CancelledError:
            log("outer's await cancelled")
            raise

    o = asyncio.create_task(outer())
    await asyncio.sleep(1)
    o.cancel()
    await asyncio.gather(o, return_exceptions=True)
    log(f"outer cancelled={o.cancelled()} inner done={inner.done()}")
    try:
        await asyncio.wait_for(asyncio.shield(inner), 1)
    except TimeoutError:
        log(f"wait_for(shield) TimeoutError, inner done={inner.done()}")
    log(f"inner result {await inner}")
    # shield of a finished task
    r = await asyncio.shield(inner)
    log(f"shield of done task -> {r}")


async def as_completed_demo():
    log("-- as_completed")
    aws = [after(3, "c"), after(1, "a"), after(2, "b", ValueError("b")), after(4, "d")]
    for fut in asyncio.as_completed(aws):
        try:
            log(f"next -> {await fut}")
        except ValueError as e:
            log(f"next raised {type(e).__name__}")
    log("-- as_completed with timeout")
    tasks = [asyncio.create_task(after(d, f"x{d}")) for d in (1, 5)]
    try:
        for fut in asyncio.as_completed(tasks, timeout=2):
            log(f"next -> {await fut}")
    except TimeoutError:
        log(f"as_completed TimeoutError, pending cancelled={tasks[1].cancelled()} done={tasks[1].done()}")
    tasks[1].cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def gather_demo():
    log("-- gather return_exceptions")
    victim = asyncio.create_task(after(5, "victim"))

    async def canceller():
        await asyncio.sleep(1)
        victim.cancel()
        return "canceller"

    res = await asyncio.gather(
        after(2, "ok"), after(1, "bad", KeyError("k")), victim, canceller(),
        return_exceptions=True,
    )
    log("results " + " ".join(
        r if isinstance(r, str) else type(r).__name__ for r in res))

    log("-- gather first failure, others keep running")
    slow = asyncio.create_task(after(3, "slow"))
    try:
        await asyncio.gather(after(1, "boom", RuntimeError("x")), slow)
    except RuntimeError as e:
        log(f"gather raised {type(e).__name__}, slow done={slow.done()}")
    log(f"slow finished with {await slow}")

    log("-- cancelling a gather cancels its children")
    g = asyncio.gather(after(5, "g1"), after(6, "g2"))
    await asyncio.sleep(1)
    g.cancel()
    try:
        await g
    except asyncio.CancelledError:
        log("gather awaited -> CancelledError")


async def main():
    await shield_demo()
    await as_completed_demo()
    await gather_demo()


run(main())
