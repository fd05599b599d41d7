"""Coordination: Event, Condition (wait_for/notify/notify_all), Semaphore, Barrier."""

import asyncio

from _vclock import now, run


def log(msg):
    print(f"t={now():g} {msg}", flush=True)


async def event_demo():
    log("-- event")
    go = asyncio.Event()

    async def runner(name):
        log(f"{name} waiting")
        await go.wait()
        log(f"{name} released is_set={go.is_set()}")

    tasks = [asyncio.create_task(runner(f"r{i}")) for i in range(3)]
    await asyncio.sleep(1)
    log("setting")
    go.set()
    log("set returned")
    await asyncio.gather(*tasks)
    go.clear()
    try:
        await asyncio.wait_for(go.wait(), 1)
    except TimeoutError:
        log(f"cleared event wait timed out is_set={go.is_set()}")


async def condition_demo():
    log("-- condition")
    cond = asyncio.Condition()
    items = []

    async def consumer(name):
        async with cond:
            got = await cond.wait_for(lambda: items)
            item = items.pop(0)
            log(f"{name} took {item} (rest {len(got)})")

    consumers = [asyncio.create_task(consumer(f"c{i}")) for i in range(3)]
    await asyncio.sleep(1)
    async with cond:
        items.append("a")
        cond.notify(1)
        log(f"notified 1, locked={cond.locked()}")
    await asyncio.sleep(1)
    async with cond:
        items.extend(["b", "c"])
        cond.notify_all()
        log("notified all")
    await asyncio.gather(*consumers)

    async def waiter():
        async with cond:
            try:
                await cond.wait()
            except asyncio.CancelledError:
                log(f"cancelled waiter holds lock again: {cond.locked()}")
                raise

    w = asyncio.create_task(waiter())
    await asyncio.sleep(1)
    w.cancel()
    await asyncio.gather(w, return_exceptions=True)
    log(f"after cancel locked={cond.locked()}")


async def semaphore_demo():
    log("-- semaphore")
    sem = asyncio.Semaphore(2)
    active = 0
    peak = 0

    async def job(i):
        nonlocal active, peak
        async with sem:
            active += 1
            peak = max(peak, active)
            log(f"job{i} in (active={active})")
            await asyncio.sleep(1 + i % 2)
            active -= 1
            log(f"job{i} out")

    await asyncio.gather(*(job(i) for i in range(5)))
    log(f"peak={peak} locked={sem.locked()}")
    bsem = asyncio.BoundedSemaphore(1)
    try:
        bsem.release()
    except ValueError as e:
        log(f"bounded release: {type(e).__name__}")


async def barrier_demo():
    log("-- barrier")
    barrier = asyncio.Barrier(3)

    async def party(name, delay):
        await asyncio.sleep(delay)
        log(f"{name} arrives (n_waiting={barrier.n_waiting})")
        idx = await barrier.wait()
        log(f"{name} passes with index {idx}")
        return idx

    indices = await asyncio.gather(party("p0", 1), party("p1", 2), party("p2", 3))
    log(f"indices {indices}")

    async def stuck():
        try:
            await barrier.wait()
        except asyncio.BrokenBarrierError as e:
            log(f"stuck waiter: {type(e).__name__}")

    t = asyncio.create_task(stuck())
    await asyncio.sleep(1)
    await barrier.abort()
    await t
    log(f"broken={barrier.broken}")
    try:
        await barrier.wait()
    except asyncio.BrokenBarrierError as e:
        log(f"wait on broken barrier: {type(e).__name__}")
    await barrier.reset()
    log(f"after reset broken={barrier.broken}")


async def main():
    await event_demo()
    await condition_demo()
    await semaphore_demo()
    await barrier_demo()


run(main())
