"""A deadline that fires while code is in a finally block, and code that
catches and swallows a cancellation inside a timeout."""

import trio

from _tl import Boom, ename, log, main, scenario


async def program():
    scenario("F1 deadline fires during a finally's await (try ended normally)")
    with trio.move_on_after(1) as scope:
        try:
            await trio.sleep(0.5)
            log("F1 body done")
        finally:
            log("F1 finally start")
            try:
                await trio.sleep(2)
                log("F1 finally not reached")
            except BaseException as e:
                log(f"F1 finally raised {ename(e)}")
                raise
    log(f"F1 caught={scope.cancelled_caught}")

    scenario("F2 deadline fires during a finally while Boom propagates")
    try:
        with trio.move_on_after(1) as scope:
            try:
                await trio.sleep(0.5)
                log("F2 raising Boom")
                raise Boom()
            finally:
                await trio.sleep(2)
        log(f"F2 caught={scope.cancelled_caught} (Boom is lost)")
    except BaseException as e:
        log(f"F2 raised {ename(e)}")

    scenario("F3 finally after the deadline awaits again")
    with trio.move_on_after(1) as scope:
        try:
            await trio.sleep(5)
        finally:
            log("F3 finally start")
            try:
                await trio.sleep(0.5)
                log("F3 finally done")
            except BaseException as e:
                log(f"F3 finally raised {ename(e)}")
                raise
    log(f"F3 caught={scope.cancelled_caught}")

    scenario("W1 swallow the cancellation and end the block")
    with trio.move_on_after(1) as scope:
        try:
            await trio.sleep(5)
        except trio.Cancelled:
            log("W1 swallowed")
        log("W1 block ends")
    log(f"W1 caught={scope.cancelled_caught} called={scope.cancel_called}")

    scenario("W2 swallow, then await again in the same scope")
    with trio.move_on_after(1) as scope:
        try:
            await trio.sleep(5)
        except trio.Cancelled:
            log("W2 swallowed")
        try:
            await trio.sleep(1)
            log("W2 second sleep done")
        except BaseException as e:
            log(f"W2 second sleep raised {ename(e)}")
            raise
    log(f"W2 caught={scope.cancelled_caught} called={scope.cancel_called}")

    scenario("W3 inner scope swallows the outer deadline's cancellation")
    with trio.move_on_after(1) as outer:
        with trio.move_on_after(5) as inner:
            try:
                await trio.sleep(10)
            except trio.Cancelled:
                log("W3 swallowed in inner")
        log(f"W3 inner caught={inner.cancelled_caught} called={inner.cancel_called}")
        try:
            await trio.sleep(1)
            log("W3 outer body sleep done")
        except BaseException as e:
            log(f"W3 outer body sleep raised {ename(e)}")
            raise
    log(f"W3 outer caught={outer.cancelled_caught} called={outer.cancel_called}")

    scenario("W4 fail_after whose body swallows: no TooSlowError")
    try:
        with trio.fail_after(1):
            try:
                await trio.sleep(5)
            except trio.Cancelled:
                log("W4 swallowed")
            value = "value"
        log(f"W4 returned {value}")
    except BaseException as e:
        log(f"W4 raised {ename(e)}")

    scenario("W5 swallow and raise another error instead")
    try:
        with trio.move_on_after(1) as scope:
            try:
                await trio.sleep(5)
            except trio.Cancelled:
                log("W5 raising Boom instead")
                raise Boom()
    except BaseException as e:
        log(f"W5 raised {ename(e)} caught={scope.cancelled_caught}")


main(program)
