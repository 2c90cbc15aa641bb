"""What an administrator operation returns: CUCM's answer and what the cluster does next.

An ``Outcome`` is done or refused with CUCM's own message and is kept in the cluster's audit
log; its ``Effect``s (restart TFTP, reset phones) are carried out by a driver: the simulation
in time, or ``sim.cluster.operations.apply_effects`` at once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Effect:
    """Something the cluster does after an operation: ``restart_tvs`` on ``nodes`` (each
    reloads what it vouches for, P5b), ``restart_tftp`` (files rebuilt, T4), ``bounce_tftp``
    (restarted serving the same files: `utils itl reset`, A4) or ``reset_phones`` (all phones
    registered to the cluster)."""

    kind: str
    nodes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """The result of one administrator operation, as the audit log keeps it."""

    at: float
    action: str
    node: str | None
    done: bool
    message: str
    effects: tuple[Effect, ...] = ()

    @property
    def status(self) -> str:
        return "done" if self.done else "refused"
