"""Deadlines that have already passed when the scope is entered (or that
are moved into the past): move_on_after(0), fail_after(0)."""

import trio

from _tl import ename, log, main, scenario


async def program():
    scenario("Z1 move_on_after(0), body with no await")
    with trio.move_on_after(0) as s:
        log("Z1 body")
    log(f"Z1 caught={s.cancelled_caught}")

    scenario("Z2 move_on_after(0), body sleeps 0")
    with trio.move_on_after(0) as s:
        await trio.sleep(0)
        log("Z2 after sleep")
    log(f"Z2 caught={s.cancelled_caught}")

    scenario("Z3 move_on_after(0), body waits on a set Event")
    ev = trio.Event()
    ev.set()
    with trio.move_on_after(0) as s:
        await ev.wait()
        log("Z3 after wait")
    log(f"Z3 caught={s.cancelled_caught}")

    scenario("Z4 fail_after(0), body receives from a channel holding an item")
    send, recv = trio.open_memory_channel(1)
    send.send_nowait(1)
    try:
        with trio.fail_after(0):
            x = await recv.receive()
            log(f"Z4 got {x}")
    except BaseException as e:
        log(f"Z4 raised {ename(e)}")
    log(f"Z4 items left={recv.statistics().current_buffer_used}")

    scenario("Z5 deadline moved into the past, then a free lock is acquired")
    lock = trio.Lock()
    with trio.move_on_after(10) as s:
        await trio.sleep(1)
        s.deadline = trio.current_time()
        async with lock:
            log("Z5 got the lock")
    log(f"Z5 caught={s.cancelled_caught}")


main(program)
