"""A nursery where one child fails: siblings are cancelled, their finally
blocks await cleanup (unshielded, then shielded)."""

import trio

from _tl import Boom, ename, log, main, scenario


async def failer(name, at):
    await trio.sleep(at)
    log(f"{name} raising Boom")
    raise Boom(name)


async def slow(name, shielded):
    try:
        await trio.sleep(10)
        log(f"{name} not reached")
    except trio.Cancelled:
        log(f"{name} cancelled")
        raise
    finally:
        log(f"{name} cleanup start")
        try:
            if shielded:
                with trio.CancelScope(shield=True):
                    await trio.sleep(0.5)
            else:
                await trio.sleep(0.5)
            log(f"{name} cleanup done")
        except BaseException as e:
            log(f"{name} cleanup raised {ename(e)}")
            raise


async def body_wait():
    try:
        await trio.sleep(5)
        log("body not reached")
    except BaseException as e:
        log(f"body raised {ename(e)}")
        raise


async def program():
    for shielded in (False, True):
        tag = "N2 shielded" if shielded else "N1 unshielded"
        scenario(f"{tag} cleanup; one child fails")
        try:
            async with trio.open_nursery() as n:
                n.start_soon(slow, "s1", shielded)
                n.start_soon(failer, "f", 1)
                n.start_soon(slow, "s2", shielded)
                await body_wait()
        except BaseException as e:
            log(f"nursery raised {ename(e)}")

    scenario("N3 two children fail at the same time")
    try:
        async with trio.open_nursery() as n:
            n.start_soon(failer, "f", 1)
            n.start_soon(failer, "f", 1)
            n.start_soon(slow, "s", False)
    except BaseException as e:
        log(f"nursery raised {ename(e)}")

    scenario("N4 the body fails")
    try:
        async with trio.open_nursery() as n:
            n.start_soon(slow, "s", True)
            await trio.sleep(1)
            log("body raising Boom")
            raise Boom("body")
    except BaseException as e:
        log(f"nursery raised {ename(e)}")

    scenario("N5 nested nursery: inner child fails, outer sibling cancelled")
    try:
        async with trio.open_nursery() as outer:
            outer.start_soon(slow, "outer-s", True)
            async with trio.open_nursery() as inner:
                inner.start_soon(slow, "inner-s", True)
                inner.start_soon(failer, "f", 1)
            log("not reached")
    except BaseException as e:
        log(f"outer nursery raised {ename(e)}")

    scenario("N6 deadline cancels a nursery; a child fails while cancelled")

    async def fails_on_cancel():
        try:
            await trio.sleep(10)
        except trio.Cancelled:
            log("c cancelled, raising Boom instead")
            raise Boom("c")

    try:
        with trio.move_on_after(1) as scope:
            async with trio.open_nursery() as n:
                n.start_soon(fails_on_cancel)
                n.start_soon(slow, "s", True)
        log(f"scope caught={scope.cancelled_caught}")
    except BaseException as e:
        log(f"move_on_after raised {ename(e)}")
    try:
        await trio.sleep(0.1)
        log("N6 next sleep ok")
    except BaseException as e:
        log(f"N6 next sleep raised {ename(e)}")

    scenario("N7 a child fails at the instant the enclosing deadline fires")
    try:
        with trio.move_on_after(1) as scope:
            async with trio.open_nursery() as n:
                n.start_soon(failer, "f", 1)
        log(f"scope caught={scope.cancelled_caught}")
    except BaseException as e:
        log(f"move_on_after raised {ename(e)}")


main(program)
