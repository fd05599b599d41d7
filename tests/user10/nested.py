"""Nested move_on_after / fail_after: which deadline wins."""

import trio

from _tl import ename, log, main, scenario


async def program():
    scenario("A inner earlier (move_on_after 2 > move_on_after 1)")
    with trio.move_on_after(2) as outer:
        with trio.move_on_after(1) as inner:
            await trio.sleep(5)
            log("A not reached")
        log(f"A inner caught={inner.cancelled_caught} called={inner.cancel_called}")
        await trio.sleep(5)
        log("A not reached 2")
    log(f"A outer caught={outer.cancelled_caught} called={outer.cancel_called}")

    scenario("B outer earlier (move_on_after 1 > move_on_after 2)")
    inner = None
    with trio.move_on_after(1) as outer:
        try:
            with trio.move_on_after(2) as inner:
                await trio.sleep(5)
        finally:
            log(f"B inner caught={inner.cancelled_caught} called={inner.cancel_called}")
        log("B not reached")
    log(f"B outer caught={outer.cancelled_caught} called={outer.cancel_called}")

    scenario("C same deadline (move_on_after 1 > move_on_after 1)")
    with trio.move_on_after(1) as outer:
        try:
            with trio.move_on_after(1) as inner:
                await trio.sleep(5)
        finally:
            log(f"C inner caught={inner.cancelled_caught} called={inner.cancel_called}")
        log("C after inner")
    log(f"C outer caught={outer.cancelled_caught} called={outer.cancel_called}")

    scenario("D fail_after 1 inside move_on_after 2")
    with trio.move_on_after(2) as outer:
        try:
            with trio.fail_after(1):
                await trio.sleep(5)
        except BaseException as e:
            log(f"D inner raised {ename(e)}")
        await trio.sleep(5)
    log(f"D outer caught={outer.cancelled_caught}")

    scenario("E move_on_after 2 inside fail_after 1")
    try:
        with trio.fail_after(1):
            try:
                with trio.move_on_after(2) as inner:
                    await trio.sleep(5)
            except BaseException as e:
                log(f"E inner raised {ename(e)} caught={inner.cancelled_caught}")
                raise
    except BaseException as e:
        log(f"E outer raised {ename(e)}")

    scenario("F fail_after 1 inside fail_after 1")
    try:
        with trio.fail_after(1):
            try:
                with trio.fail_after(1):
                    await trio.sleep(5)
            except BaseException as e:
                log(f"F inner raised {ename(e)}")
                raise
    except BaseException as e:
        log(f"F outer raised {ename(e)}")

    scenario("G three levels, middle earliest")
    with trio.move_on_after(3) as a:
        with trio.move_on_after(1) as b:
            with trio.move_on_after(2) as c:
                await trio.sleep(5)
            log("G not reached")
        log(f"G b caught={b.cancelled_caught} c caught={c.cancelled_caught} c called={c.cancel_called}")
    log(f"G a caught={a.cancelled_caught} a called={a.cancel_called}")

    scenario("H the body's sleep ends exactly at the deadline")
    with trio.move_on_after(1) as s:
        await trio.sleep(1)
        log("H body done")
    log(f"H caught={s.cancelled_caught}")


main(program)
