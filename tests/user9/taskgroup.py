"""TaskGroup: one child fails, siblings are cancelled (one cleans up), the body is
interrupted, and the failures surface as an exception group."""

import asyncio

from _vclock import now, run


def log(msg):
    print(f"t={now():g} {msg}", flush=True)


async def quick():
    await asyncio.sleep(1)
    log("quick done")
    return "quick"


async def failing(name, at, exc):
    await asyncio.sleep(at)
    log(f"{name} raising {type(exc).__name__}")
    raise exc


async def slow_with_cleanup():
    try:
        await asyncio.sleep(100)
        log("slow finished (unexpected)")
    except asyncio.CancelledError:
        log("slow cancelled, cleanup starts")
        await asyncio.sleep(1)
        log("slow cleanup done")
        raise


async def scenario_one_failure():
    log("-- one failure")
    tasks = {}
    try:
        async with asyncio.TaskGroup() as tg:
            tasks["quick"] = tg.create_task(quick())
            tasks["fail"] = tg.create_task(failing("fail", 2, ValueError("bad")))
            tasks["slow"] = tg.create_task(slow_with_cleanup())
            try:
                await asyncio.sleep(50)
                log("body finished (unexpected)")
            except asyncio.CancelledError:
                log("body cancelled")
                raise
    except BaseException as e:
        names = [type(x).__name__ for x in getattr(e, "exceptions", [])]
        log(f"group raised {type(e).__name__} {names}")
    for name, t in tasks.items():
        state = "cancelled" if t.cancelled() else (
            type(t.exception()).__name__ if t.exception() else f"result={t.result()}")
        log(f"{name}: {state}")


async def scenario_two_failures_same_tick():
    log("-- two failures in the same tick")
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(failing("a", 1, ValueError("a")))
            tg.create_task(failing("b", 1, KeyError("b")))
            tg.create_task(slow_with_cleanup())
    except BaseException as e:
        names = [type(x).__name__ for x in getattr(e, "exceptions", [])]
        log(f"group raised {type(e).__name__} {names}")


async def scenario_ok():
    log("-- all succeed")
    async with asyncio.TaskGroup() as tg:
        a = tg.create_task(quick())
        b = tg.create_task(asyncio.sleep(2, result="sleepy"))
    log(f"results {a.result()} {b.result()}")


async def scenario_outer_cancel():
    log("-- parent cancelled from outside")

    async def parent():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(slow_with_cleanup())
            tg.create_task(slow_with_cleanup())

    t = asyncio.create_task(parent())
    await asyncio.sleep(1)
    t.cancel()
    try:
        await t
    except BaseException as e:
        log(f"parent raised {type(e).__name__}")
    log(f"parent cancelled={t.cancelled()}")


async def scenario_body_raises():
    log("-- the body raises; a child's cleanup raises too")

    async def bad_cleanup():
        try:
            await asyncio.sleep(100)
        except asyncio.CancelledError:
            log("bad_cleanup cancelled")
            await asyncio.sleep(1)
            raise KeyError("cleanup")

    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(bad_cleanup())
            tg.create_task(slow_with_cleanup())
            await asyncio.sleep(1)
            log("body raising ValueError")
            raise ValueError("body")
    except BaseException as e:
        names = [type(x).__name__ for x in getattr(e, "exceptions", [])]
        log(f"group raised {type(e).__name__} {names}")


async def main():
    await scenario_body_raises()
    await scenario_one_failure()
    await scenario_two_failures_same_tick()
    await scenario_ok()
    await scenario_outer_cancel()


run(main())
