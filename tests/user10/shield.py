"""Shielded cleanup: CancelScope(shield=True) in a finally block."""

import trio

from _tl import ename, log, main, scenario


async def cleanup(name, secs, inner_deadline=None):
    log(f"{name} cleanup start")
    if inner_deadline is None:
        await trio.sleep(secs)
        log(f"{name} cleanup done")
    else:
        with trio.move_on_after(inner_deadline) as s:
            await trio.sleep(secs)
        log(f"{name} cleanup done, its own deadline caught={s.cancelled_caught}")


async def work(name, secs, inner_deadline=None):
    try:
        await trio.sleep(10)
    finally:
        with trio.CancelScope(shield=True):
            await cleanup(name, secs, inner_deadline)


async def program():
    scenario("S1 deadline; shielded cleanup runs to its end")
    with trio.move_on_after(1) as scope:
        await work("S1", 2)
    log(f"S1 scope caught={scope.cancelled_caught}")

    for tag in ("S2", "S3", "S3b"):
        scenario(f"{tag} outer deadline fires during the shielded cleanup")
        try:
            with trio.move_on_after(2) as outer:
                with trio.move_on_after(1) as inner:
                    await work(tag, 2)
                log(f"{tag} not reached")
            log(f"{tag} inner caught={inner.cancelled_caught} outer caught={outer.cancelled_caught}")
        except BaseException as e:
            log(f"{tag} raised {ename(e)}")
        await trio.sleep(5)
        log(f"{tag} end")

    scenario("S4 task cancelled from outside during shielded cleanup")
    async with trio.open_nursery() as n:
        async def child():
            try:
                await work("S4", 2)
            except BaseException as e:
                log(f"S4 child ends with {ename(e)}")
                raise
        n.start_soon(child)
        await trio.sleep(1)
        log("S4 cancelling")
        n.cancel_scope.cancel()
    log("S4 nursery done")

    scenario("S5 a deadline inside the shield still works")
    with trio.move_on_after(1) as scope:
        await work("S5", 5, inner_deadline=0.5)
    log(f"S5 scope caught={scope.cancelled_caught}")

    scenario("S6 Condition.wait cancelled: takes the lock back first")
    cond = trio.Condition()

    async def waiter():
        with trio.move_on_after(1) as scope:
            async with cond:
                log("S6 waiter has the lock, waits")
                try:
                    await cond.wait()
                except BaseException as e:
                    log(f"S6 waiter wait raised {ename(e)}, holds lock={cond.locked()}")
                    raise
        log(f"S6 waiter caught={scope.cancelled_caught}")

    async def holder():
        await trio.sleep(0.5)
        async with cond:
            log("S6 holder has the lock")
            await trio.sleep(2.5)
            log("S6 holder releases")

    async with trio.open_nursery() as n:
        n.start_soon(waiter)
        n.start_soon(holder)


main(program)
