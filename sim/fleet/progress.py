"""The progress clock: ``progress(now)`` at every resolution tick of a run.

It runs with or without a listener, so a run schedules the same events either way (the
summary's ``simulated_events``, and the cohort engine's storms, which settle phones between
events, see the same queue). It was a SimPy process running a generator; a short run (a sweep's
tiny points) spends a large share of its loop on those ticks, so it is now one reused event
with a callback that schedules exactly what that process did, in the same order: an urgent
start at t = 0, a timeout per tick after 0 (delays ``tick - now``) and, after the last tick, a
completion event without callbacks. Every other event keeps its SimPy id and so its place
among simultaneous events; the outputs are byte-identical. The ticks are Python floats, where
the process iterated numpy's: the same IEEE values, but the clock no longer turns into a numpy
scalar that every later ``env.now + delay`` of the model pays for.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy
from simpy.events import NORMAL, URGENT

from sim.fleet.series import grid_times


class ProgressClock:
    """Calls ``progress(env.now)`` at ``0, step, 2 step, ...`` up to ``until``; a bystander of
    the run (``FleetModel.bystanders``): it touches no phone, node or slot."""

    __slots__ = ("env", "times", "next", "progress", "_event")

    def __init__(self, env: simpy.Environment, step: float, until: float,
                 progress: Callable[[float], None]):
        self.env = env
        self.times: list[float] = grid_times(step, until).tolist()
        self.next = 0  # the tick whose ``progress`` call is due next
        self.progress = progress
        self._event = simpy.Event(env)
        self._event._ok = True
        self._event._value = None
        self._event.callbacks = [self._start]
        env.schedule(self._event, URGENT)  # as SimPy starts a process

    def _start(self, _event: simpy.Event) -> None:
        self._advance()

    def _tick(self, _event: simpy.Event) -> None:
        """A tick's time has come: report it (as the process did after its timeout, without
        comparing the clock with the tick again) and wait for the next."""
        self.progress(self.env.now)
        self.next += 1
        self._advance()

    def _advance(self) -> None:
        env, times = self.env, self.times
        for index in range(self.next, len(times)):
            tick = times[index]
            if tick > env.now:
                self.next = index
                self._event.callbacks = [self._tick]
                env.schedule(self._event, NORMAL, tick - env.now)
                return
            self.progress(env.now)
        done = simpy.Event(env)  # the process's completion: nothing waits for it
        done._ok = True
        done._value = None
        env.schedule(done)
