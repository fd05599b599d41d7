"""asyncio.timeout / wait_for nesting, and tasks that catch CancelledError to clean up."""

import asyncio

from _vclock import now, run


def log(msg):
    print(f"t={now():g} {msg}", flush=True)


async def worker_with_cleanup(name, work, cleanup):
    try:
        await asyncio.sleep(work)
        log(f"{name} finished work")
        return f"{name}-result"
    except asyncio.CancelledError:
        log(f"{name} cancelled; cleaning up")
        await asyncio.sleep(cleanup)
        log(f"{name} cleanup done")
        raise


async def nested_timeouts():
    log("-- nested timeouts")
    try:
        async with asyncio.timeout(5) as outer:
            try:
                async with asyncio.timeout(1) as inner:
                    await asyncio.sleep(10)
            except TimeoutError:
                log(f"inner TimeoutError expired={inner.expired()} outer.expired={outer.expired()}")
            await asyncio.sleep(10)
    except TimeoutError:
        log(f"outer TimeoutError expired={outer.expired()}")


async def outer_fires_first():
    log("-- outer deadline inside a longer inner one")
    try:
        async with asyncio.timeout(1) as outer:
            try:
                async with asyncio.timeout(5) as inner:
                    await asyncio.sleep(10)
            except TimeoutError:
                log("inner TimeoutError (unexpected)")
            except asyncio.CancelledError:
                log(f"inner saw CancelledError, inner.expired={inner.expired()}")
                raise
    except TimeoutError:
        log(f"outer TimeoutError expired={outer.expired()}")


async def reschedule():
    log("-- reschedule")
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(1) as cm:
        cm.reschedule(loop.time() + 3)
        await asyncio.sleep(2)
        log(f"survived, when={cm.when():g} expired={cm.expired()}")
    try:
        async with asyncio.timeout(None) as cm:
            cm.reschedule(loop.time() + 1)
            await asyncio.sleep(5)
    except TimeoutError:
        log("None then rescheduled: TimeoutError")


async def wait_for_cleanup():
    log("-- wait_for waits for cleanup")
    try:
        await asyncio.wait_for(worker_with_cleanup("w1", 10, 2), 1)
    except TimeoutError:
        log("wait_for TimeoutError")
    r = await asyncio.wait_for(worker_with_cleanup("w2", 1, 0), 5)
    log(f"wait_for ok {r}")


async def wait_for_swallow():
    log("-- inner swallows the cancellation")

    async def stubborn():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            log("stubborn swallowed")
            return "swallowed-value"

    r = await asyncio.wait_for(stubborn(), 1)
    log(f"wait_for returned {r}")


async def nested_wait_for():
    log("-- wait_for inside timeout")
    try:
        async with asyncio.timeout(2):
            await asyncio.wait_for(worker_with_cleanup("w3", 10, 1), 5)
    except TimeoutError:
        log("timeout around wait_for: TimeoutError")
    try:
        await asyncio.wait_for(asyncio.wait_for(asyncio.sleep(10), 1), 5)
    except TimeoutError:
        log("wait_for(wait_for) inner: TimeoutError")


async def cancel_inside_timeout():
    log("-- task cancelled while inside a timeout")

    async def body():
        try:
            async with asyncio.timeout(5):
                await asyncio.sleep(10)
        except TimeoutError:
            log("body TimeoutError (unexpected)")
        except asyncio.CancelledError:
            log("body CancelledError")
            raise

    t = asyncio.create_task(body())
    await asyncio.sleep(1)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        log(f"task cancelled={t.cancelled()}")


async def main():
    await nested_timeouts()
    await outer_fires_first()
    await reschedule()
    await wait_for_cleanup()
    await wait_for_swallow()
    await nested_wait_for()
    await cancel_inside_timeout()


run(main())
