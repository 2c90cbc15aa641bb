"""``Agent``: a lean SimPy process that runs one phone's boot (``FleetModel.attempt``).

``Process`` is the type of an ordinary SimPy process generator; ``Steps`` the type of what an
agent runs: a generator that yields delays (floats), TFTP/TVS slots to wait for, or events.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy
from simpy.events import NORMAL

from sim.fleet.services import Slots

Process = Generator[simpy.Event, Any, None]
Steps = Generator["float | Slots | simpy.Event", Any, None]


class Agent:
    """Runs a phone's boot, a generator that yields delays (floats) or things to wait for.

    It is SimPy's ``Process`` without the parts a fleet does not need (no initialisation event,
    no completion event, no interrupts): each delay is one entry on the environment's queue, and
    the agent reuses a single event for all of its delays (an event's callbacks are consumed
    when SimPy processes it, so it can be scheduled again). That halves the cost of a step,
    which matters at 10^5 boots.
    """

    __slots__ = ("env", "steps", "resume", "_tick", "_callbacks")

    def __init__(self, env: simpy.Environment, steps: Steps):
        self.env = env
        self.steps = steps
        self.resume: Callable[[simpy.Event | None], None] = self._resume
        self._callbacks: list[Callable[[simpy.Event], None]] = [self.resume]
        self._tick = simpy.Event(env)
        self._tick._ok = True
        self._tick._value = None
        self._resume(None)

    def _resume(self, _event: simpy.Event | None) -> None:
        try:
            target = next(self.steps)
        except StopIteration:
            # break the cycle: freed by refcount. Like SimPy clearing a processed event's
            # callbacks (it too silences mypy there): the agent never runs again, so the
            # attributes keep their live types rather than an Optional every step would check
            self.resume = self._callbacks = None  # type: ignore[assignment]
            return
        if target.__class__ is float:
            self._tick.callbacks = self._callbacks
            self.env.schedule(self._tick, NORMAL, target)
        elif target.__class__ is Slots:
            target.enqueue(self.resume)
        else:
            # a simpy.Event: exact-class dispatch (cheaper than isinstance, and float is the
            # common case) narrows the two branches above but cannot exclude them here
            target.callbacks.append(self.resume)  # type: ignore[union-attr]
