"""Runs fuzzer programs (JSON, one per stdin line) on CPython asyncio.

The DSL is described in _gen.ts; _interp.ts runs the same programs on aio.
Virtual time is in whole "ms" units: the loop below jumps to the next timer
when nothing is ready, as aio's VirtualClock does, and a unit of this loop's
time is one of aio's milliseconds (integers stay exact in floats).
For each program, prints its log lines, then a line `=== END`.
"""

import asyncio
import json
import os
import sys


# The virtual clock user port 9 wrote for asyncio, shared, not copied.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "user9"))
from _vclock import VirtualLoop  # noqa: E402


class TaskGroup(asyncio.TaskGroup):
    """3.11's TaskGroup with 3.13's __aexit__ (gh-116720), which aio follows:
    a cancellation of the parent from outside that the group's failures win
    over is not lost: the group uncancels and re-cancels the parent, so it
    reaches the parent's next await. 3.11 drops it when it arrives while the
    group is already aborting."""

    async def __aexit__(self, et, exc, tb):
        self._exiting = True

        if (exc is not None and
                self._is_base_error(exc) and
                self._base_error is None):
            self._base_error = exc

        if et is not None and issubclass(et, asyncio.CancelledError):
            propagate_cancellation_error = exc
        else:
            propagate_cancellation_error = None

        if et is not None:
            if not self._aborting:
                self._abort()

        while self._tasks:
            if self._on_completed_fut is None:
                self._on_completed_fut = self._loop.create_future()

            try:
                await self._on_completed_fut
            except asyncio.CancelledError as ex:
                if not self._aborting:
                    propagate_cancellation_error = ex
                    self._abort()

            self._on_completed_fut = None

        assert not self._tasks

        if self._base_error is not None:
            raise self._base_error

        if self._parent_cancel_requested:
            if self._parent_task.uncancel() == 0:
                propagate_cancellation_error = None

        if propagate_cancellation_error is not None and not self._errors:
            raise propagate_cancellation_error

        if et is not None and not issubclass(et, asyncio.CancelledError):
            self._errors.append(exc)

        if self._errors:
            if self._parent_task.cancelling():
                self._parent_task.uncancel()
                self._parent_task.cancel()
            try:
                me = BaseExceptionGroup('unhandled errors in a TaskGroup', self._errors)
                raise me from None
            finally:
                self._errors = None


class ValueError_(Exception):
    pass


def fmt_err(e):
    if isinstance(e, BaseExceptionGroup):
        return "Group[" + ",".join(sorted(fmt_err(x) for x in e.exceptions)) + "]"
    name = type(e).__name__
    if isinstance(e, ValueError_):
        return f"ValueError:{e}"
    if isinstance(e, TimeoutError):
        return "TimeoutError"
    if isinstance(e, asyncio.CancelledError):
        # Messages are not compared: 3.11 hands the message to the first
        # retrieval of a task's CancelledError only (gather() and later
        # awaiters get ''); aio gives every awaiter the message.
        return "CancelledError"
    return f"{name}:{e}"


def fmt_val(v):
    if isinstance(v, list):
        return "[" + ",".join(fmt_val(x) for x in v) + "]"
    if isinstance(v, BaseException):
        return fmt_err(v)
    return str(v)


class Program:
    def __init__(self, prog):
        self.prog = prog
        self.lines = []
        self.M = prog["M"]
        self.stopped = False

    def log(self, who, msg):
        if self.stopped:
            return
        t = asyncio.get_running_loop().time()
        self.lines.append(f"t={int(t)} {who} {msg}")

    async def slot_sleep(self, res, k):
        now = int(asyncio.get_running_loop().time())
        await asyncio.sleep(k * self.M + (res - now) % self.M)

    def deadline(self, res_dl, k):
        now = int(asyncio.get_running_loop().time())
        return k * self.M + (res_dl - now) % self.M

    async def awaited(self, who, label, aw):
        try:
            r = await aw
        except Exception as e:
            self.log(who, f"{label} -> {fmt_err(e)}")
            return
        except asyncio.CancelledError as e:
            self.log(who, f"{label} -> {fmt_err(e)}")
            raise
        self.log(who, f"{label} -> ok {fmt_val(r)}")

    async def steps(self, who, res, steps):
        for st in steps:
            await self.slot_sleep(res, st["k"])
            await self.act(who, res, st["a"])

    async def act(self, who, res, a):
        op = a["op"]
        T = self.tasks
        if op == "await":
            await self.awaited(who, f"await T{a['t']}", T[a["t"]])
        elif op == "cancel":
            r = T[a["t"]].cancel(a["msg"])
            self.log(who, f"cancel T{a['t']} -> {r}")
        elif op == "timeout":
            self.log(who, "timeout enter")
            try:
                async with asyncio.timeout(self.deadline(a["dl"], a["k"])):
                    await self.steps(who, res, a["body"])
                self.log(who, "timeout ok")
            except TimeoutError:
                self.log(who, "timeout -> TimeoutError")
        elif op == "waitFor":
            # 3.12's wait_for(), which aio follows: 3.11's ignores its
            # deadline once the waiting task was cancelled.
            async def wait_for(aw, d):
                async with asyncio.timeout(d):
                    return await aw

            await self.awaited(
                who, f"waitFor T{a['t']}", wait_for(T[a["t"]], self.deadline(a["dl"], a["k"]))
            )
        elif op == "shield":
            await self.awaited(who, f"shield T{a['t']}", asyncio.shield(T[a["t"]]))
        elif op == "gather":
            names = ",".join(f"T{j}" for j in a["ts"])
            await self.awaited(
                who,
                f"gather({names}) rx={a['rx']}",
                asyncio.gather(*[T[j] for j in a["ts"]], return_exceptions=a["rx"]),
            )
        elif op == "wait":
            names = ",".join(f"T{j}" for j in a["ts"])
            ts = [T[j] for j in a["ts"]]
            done, _ = await asyncio.wait(
                ts, return_when=asyncio.FIRST_COMPLETED if a["first"] else asyncio.ALL_COMPLETED
            )
            dn = ",".join(f"T{j}" for j in sorted(set(a["ts"])) if T[j] in done)
            self.log(who, f"wait({names}) first={a['first']} -> done {dn}")
        elif op == "tg":
            self.log(who, "tg enter")
            try:
                async with TaskGroup() as tg:
                    for ch in a["children"]:
                        tg.create_task(self.task_body(ch["name"], ch["res"], ch["steps"]))
                    await self.steps(who, res, a["body"])
                self.log(who, "tg ok")
            except BaseExceptionGroup as e:
                self.log(who, f"tg -> {fmt_err(e)}")
        elif op == "lock":
            async with self.lock:
                self.log(who, "lock acquired")
                await self.steps(who, res, a["body"])
            self.log(who, "lock released")
        elif op == "sem":
            async with self.sem:
                self.log(who, "sem acquired")
                await self.steps(who, res, a["body"])
            self.log(who, "sem released")
        elif op == "eventSet":
            self.event.set()
            self.log(who, "event set")
        elif op == "eventClear":
            self.event.clear()
            self.log(who, "event clear")
        elif op == "eventWait":
            await self.event.wait()
            self.log(who, "event waited")
        elif op == "put":
            await self.queue.put(a["v"])
            self.log(who, f"put {a['v']}")
        elif op == "get":
            v = await self.queue.get()
            self.log(who, f"get -> {v}")
        elif op == "condWait":
            async with self.cond:
                self.log(who, "cond locked")
                await self.cond.wait()
                self.log(who, "cond woken")
        elif op == "condNotify":
            async with self.cond:
                self.cond.notify(a["n"])
                self.log(who, f"cond notify {a['n']}")
        elif op == "barrier":
            try:
                i = await self.barrier.wait()
                self.log(who, f"barrier -> {i}")
            except asyncio.BrokenBarrierError:
                self.log(who, "barrier -> broken")
        elif op == "raise":
            self.log(who, f"raise {a['msg']}")
            raise ValueError_(a["msg"])
        elif op == "try":
            try:
                await self.steps(who, res, a["body"])
                self.log(who, "try ok")
            except asyncio.CancelledError as e:
                self.log(who, f"try caught {fmt_err(e)}")
                if a["onCancel"] == "continue":
                    asyncio.current_task().uncancel()
                else:
                    raise
            except ValueError_ as e:
                if a["onErr"]:
                    self.log(who, f"try caught {fmt_err(e)}")
                else:
                    raise
        else:
            raise RuntimeError(op)

    async def task_body(self, who, res, steps):
        try:
            await self.steps(who, res, steps)
        except BaseException as e:
            self.log(who, f"ends {fmt_err(e)}")
            raise
        self.log(who, "ends ok")
        return f"r{who}"

    async def main(self):
        p = self.prog
        self.lock = asyncio.Lock()
        self.event = asyncio.Event()
        self.sem = asyncio.Semaphore(p["sem"])
        self.queue = asyncio.Queue(p["qmax"])
        self.cond = asyncio.Condition()
        self.barrier = asyncio.Barrier(p["parties"])
        self.tasks = []
        for i, t in enumerate(p["tasks"]):
            self.tasks.append(asyncio.create_task(self.task_body(f"T{i}", t["res"], t["steps"])))
        await asyncio.sleep(p["end"])
        # One cancellation per instant of main's residue (see _interp.ts).
        for rnd in range(3):
            pending = [t for t in self.tasks if not t.done()]
            if not pending:
                break
            for t in pending:
                if t.done():
                    continue
                self.log("main", f"cleanup {rnd} T{self.tasks.index(t)}")
                t.cancel("end")
                await asyncio.sleep(self.M)
        for i, t in enumerate(self.tasks):
            if not t.done():
                st = "pending"
            elif t.cancelled():
                st = "cancelled"
            elif t.exception() is not None:
                st = fmt_err(t.exception())
            else:
                st = f"ok {t.result()}"
            self.log("main", f"final T{i} {st}")
        self.stopped = True
        for t in self.tasks:
            t.cancel()


def run_one(prog):
    p = Program(prog)
    loop = VirtualLoop()
    loop.set_exception_handler(lambda l, c: None)
    try:
        loop.run_until_complete(p.main())
        pending = asyncio.all_tasks(loop)
        if pending:
            loop.run_until_complete(asyncio.wait(pending, timeout=prog["M"]))
    finally:
        loop.close()
    return p.lines


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        prog = json.loads(line)
        try:
            lines = run_one(prog)
        except BaseException as e:  # noqa
            lines = [f"CRASH {type(e).__name__}: {e}"]
        for l in lines:
            print(l)
        print("=== END", flush=True)


main()
