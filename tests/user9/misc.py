"""Task-level details: sleep(0) round robin, cancel messages, swallowed
cancellation, wait(FIRST_EXCEPTION), done callbacks, a timeout block that
swallows its cancellation."""

import asyncio

from _vclock import now, run


def log(msg):
    print(f"t={now():g} {msg}", flush=True)


async def round_robin():
    log("-- sleep(0) round robin")

    async def spin(name):
        for i in range(3):
            log(f"{name}{i}")
            await asyncio.sleep(0)

    await asyncio.gather(spin("a"), spin("b"), spin("c"))


async def cancel_message():
    log("-- cancel message and swallowed cancellation")

    async def victim():
        await asyncio.sleep(10)

    t = asyncio.create_task(victim())
    await asyncio.sleep(0)
    t.cancel("stop now")
    try:
        await t
    except asyncio.CancelledError as e:
        log(f"cancelled with args={e.args}")

    async def stubborn():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            log(f"stubborn caught, cancelling()={asyncio.current_task().cancelling()}")
            await asyncio.sleep(1)
            return "kept going"

    t = asyncio.create_task(stubborn())
    await asyncio.sleep(1)
    t.cancel()
    log(f"stubborn -> {await t} cancelled={t.cancelled()}")


async def wait_first_exception():
    log("-- wait FIRST_EXCEPTION")

    async def job(d, fail=False):
        await asyncio.sleep(d)
        if fail:
            raise LookupError(d)
        return d

    tasks = [asyncio.create_task(job(d, d == 2), name=f"j{d}") for d in (1, 2, 3)]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    log(f"done={sorted(t.get_name() for t in done)} pending={sorted(t.get_name() for t in pending)}")
    done, pending = await asyncio.wait(pending, timeout=0.5)
    log(f"after timeout: done={len(done)} pending={len(pending)}")
    for t in pending:
        t.cancel()
    await asyncio.wait(pending)
    log(f"j3 cancelled={tasks[2].cancelled()}")
    log(f"j2 exception={type(tasks[1].exception()).__name__}")


async def done_callbacks():
    log("-- done callbacks")
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    fut.add_done_callback(lambda f: log(f"cb1 result={f.result()}"))
    fut.add_done_callback(lambda f: log("cb2"))
    loop.call_soon(lambda: log("call_soon before set"))
    fut.set_result(42)
    loop.call_soon(lambda: log("call_soon after set"))
    log("set_result returned")
    await asyncio.sleep(0)
    log("after one tick")
    await asyncio.sleep(0)


async def swallowing_timeout():
    log("-- timeout block that swallows its cancellation")
    try:
        async with asyncio.timeout(1) as cm:
            try:
                await asyncio.sleep(5)
            except asyncio.CancelledError:
                log("swallowed deadline cancellation")
            await asyncio.sleep(1)
            log(f"block goes on, expired={cm.expired()}")
        log("block exited normally")
    except TimeoutError:
        log("TimeoutError")


async def main():
    await round_robin()
    await cancel_message()
    await wait_first_exception()
    await done_callbacks()
    await swallowing_timeout()


run(main())
