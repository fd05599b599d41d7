"""A virtual clock for asyncio, so sleeps and timeouts are deterministic.

When nothing is ready and no I/O is pending, the loop jumps to the next
timer instead of blocking: the same model as aio's VirtualClock.
"""

import asyncio
import selectors


class _VirtualSelector(selectors.DefaultSelector):
    def __init__(self, loop_ref):
        super().__init__()
        self._loop_ref = loop_ref

    def select(self, timeout=None):
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            return super().select(None)
        self._loop_ref[0]._vnow += timeout
        return []


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self):
        self._vnow = 0.0
        ref = [None]
        super().__init__(selector=_VirtualSelector(ref))
        ref[0] = self

    def time(self):
        return self._vnow


def run(main):
    with asyncio.Runner(loop_factory=VirtualLoop) as runner:
        return runner.run(main)


def now():
    """Virtual time in whole seconds (the ports use whole seconds too)."""
    return round(asyncio.get_running_loop().time(), 6)
