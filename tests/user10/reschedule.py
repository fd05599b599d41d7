"""Moving a deadline: scope.deadline = ..."""

import math

import trio

from _tl import ename, log, main, scenario


def left(scope):
    if scope.deadline == math.inf:
        return "none"
    return str(round((scope.deadline - trio.current_time()) * 1000))


async def program():
    scenario("R1 push the deadline back")
    with trio.move_on_after(1) as s:
        await trio.sleep(0.5)
        s.deadline += 2
        log(f"R1 moved, left={left(s)}")
        await trio.sleep(2)
        log("R1 slept past the old deadline")
        await trio.sleep(5)
    log(f"R1 caught={s.cancelled_caught}")

    scenario("R2 pull the deadline into the past, then await")
    with trio.move_on_after(10) as s:
        await trio.sleep(1)
        s.deadline = trio.current_time() - 1
        log("R2 moved into the past")
        try:
            await trio.sleep(1)
            log("R2 not reached")
        except BaseException as e:
            log(f"R2 sleep raised {ename(e)}")
            raise
    log(f"R2 caught={s.cancelled_caught}")

    scenario("R3 pull the deadline into the past, block ends with no await")
    with trio.move_on_after(10) as s:
        await trio.sleep(1)
        s.deadline = trio.current_time() - 1
        log("R3 moved into the past")
    log(f"R3 caught={s.cancelled_caught}")
    await trio.sleep(1)
    log("R3 next sleep ok")

    scenario("R4 remove the deadline")
    with trio.move_on_after(1) as s:
        s.deadline = math.inf
        log(f"R4 left={left(s)}")
        await trio.sleep(5)
        log("R4 slept")
    log(f"R4 caught={s.cancelled_caught}")

    scenario("R5 move the deadline after it fired")
    with trio.move_on_after(1) as s:
        try:
            await trio.sleep(5)
        except trio.Cancelled:
            try:
                s.deadline = math.inf
                log("R5 moved")
            except BaseException as e:
                log(f"R5 moving raised {ename(e)}")
            raise
    log(f"R5 caught={s.cancelled_caught}")

    scenario("R6 another task moves the deadline")
    scopes = []

    async def sleeper():
        with trio.move_on_after(10) as s:
            scopes.append(s)
            await trio.sleep(20)
        log(f"R6 sleeper caught={s.cancelled_caught}")

    async with trio.open_nursery() as n:
        n.start_soon(sleeper)
        await trio.sleep(1)
        scopes[0].deadline = trio.current_time() + 1
        log(f"R6 moved from outside, left={left(scopes[0])}")

    scenario("R7 push an inner deadline past the outer one")
    with trio.move_on_after(2) as outer:
        with trio.move_on_after(1) as inner:
            inner.deadline += 5
            await trio.sleep(10)
        log("R7 not reached")
    log(f"R7 inner caught={inner.cancelled_caught} outer caught={outer.cancelled_caught}")


main(program)
