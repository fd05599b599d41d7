"""Cancelling a scope from outside: another task calls scope.cancel()."""

import trio

from _tl import ename, log, main, scenario


async def program():
    scenario("X1 another task cancels a scope")
    holder = {}

    async def victim():
        with trio.CancelScope() as s:
            holder["s"] = s
            try:
                await trio.sleep(10)
            except BaseException as e:
                log(f"X1 victim sleep raised {ename(e)}")
                raise
        log(f"X1 victim caught={s.cancelled_caught} called={s.cancel_called}")
        await trio.sleep(1)
        log("X1 victim goes on after its scope")

    async with trio.open_nursery() as n:
        n.start_soon(victim)
        await trio.sleep(1)
        log("X1 cancelling")
        holder["s"].cancel()
    log("X1 nursery done")

    scenario("X2 cancel own scope, then sleep(0)")
    with trio.CancelScope() as s:
        await trio.sleep(1)
        s.cancel()
        log("X2 cancelled")
        try:
            await trio.sleep(0)
            log("X2 sleep(0) not cancelled")
        except BaseException as e:
            log(f"X2 sleep(0) raised {ename(e)}")
            raise
    log(f"X2 caught={s.cancelled_caught}")

    scenario("X3 the body cancels its own nursery")

    async def child(name):
        try:
            await trio.sleep(10)
        except BaseException as e:
            log(f"X3 {name} raised {ename(e)}")
            raise

    try:
        async with trio.open_nursery() as n:
            n.start_soon(child, "c1")
            n.start_soon(child, "c2")
            await trio.sleep(1)
            log("X3 cancelling the nursery")
            n.cancel_scope.cancel()
        log(f"X3 nursery exits quietly, caught={n.cancel_scope.cancelled_caught}")
    except BaseException as e:
        log(f"X3 nursery raised {ename(e)}")

    scenario("X4 another task cancels the outer of two nested scopes")
    holder = {}

    async def nested_victim():
        with trio.CancelScope() as outer:
            holder["outer"] = outer
            with trio.move_on_after(5) as inner:
                await trio.sleep(10)
            log("X4 not reached")
        log(f"X4 inner caught={inner.cancelled_caught} outer caught={outer.cancelled_caught}")

    async with trio.open_nursery() as n:
        n.start_soon(nested_victim)
        await trio.sleep(1)
        holder["outer"].cancel()

    scenario("X5 cancelled while running between awaits")
    holder = {}

    async def busy():
        with trio.CancelScope() as s:
            holder["s"] = s
            await trio.sleep(1)
            # the canceller runs in the same tick; we have not yielded yet
            log("X5 busy resumed, about to sleep again")
            try:
                await trio.sleep(1)
                log("X5 not reached")
            except BaseException as e:
                log(f"X5 second sleep raised {ename(e)}")
                raise
        log(f"X5 caught={s.cancelled_caught}")

    async def canceller():
        await trio.sleep(1)
        log("X5 cancelling")
        holder["s"].cancel()

    async with trio.open_nursery() as n:
        n.start_soon(busy)
        n.start_soon(canceller)


main(program)
