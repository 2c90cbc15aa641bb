"""The choices open to the engineer: the ``[choices]`` keys of a plan file, their defaults, and
which of them the 1-D refinement may search between the values given.

Every choice is a list of the values to try (one value: no choice). Durations are seconds,
start times date-times (the clock time of the procedure's first step, ``[simulation] start``).
Which choices a goal's methods use is declared with the methods (``sim.plan.methods``);
``defaults`` gives the value a plan leaves out, from the base scenario where it has one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sim.scenario.durations import format_duration, parse_duration

CISCO_WAIT = 600.0
"""Cisco's "wait until the phones have re-registered" read as 10 minutes: the one figure
Cisco gives for such a wait (A9, "wait ~10 minutes" after the rollback parameter; I60)."""


@dataclass(frozen=True)
class Choice:
    """A ``[choices]`` key: what its values are, its help, and whether the refinement may put
    new values between the given ones (durations and batch sizes)."""

    kind: str  # "duration", "count", "bool", "datetime", "text", "order"
    help: str
    refinable: bool = False
    step: float = 1.0
    """Granularity of refined values: whole minutes for waits, whole phones for batches."""


CHOICES: dict[str, Choice] = {
    "methods": Choice("text", "the procedures to consider (default: every method the goal "
                              "and the cluster's version allow)"),
    "order": Choice("order", "orders of the certificate types, each a list, or \"all\" for "
                             "every order (default \"all\")"),
    "node_order": Choice("text", "publisher-first and/or publisher-last: the order of the "
                                 "nodes within a certificate type (default both)"),
    "regen_gap": Choice("duration", "wait between one certificate type and the next, at "
                                    "least CUCM's 5-minute hold timer (A1; default 10min)",
                        refinable=True, step=60.0),
    "itl_reset_after": Choice("duration", "wait between the hostname change and utils itl "
                                          "reset (default 10min)", refinable=True, step=60.0),
    "keep_reset_itl": Choice("duration", "how long the bulk-reset ITL is served before TFTP is "
                                         "restarted (A6; default 10min)", refinable=True,
                             step=60.0),
    "rollback_lead": Choice("duration", "wait between setting 'Prepare Cluster for Rollback "
                                        "to pre-8.0' and the change (A9: ~10 min; default "
                                        "10min)", refinable=True, step=60.0),
    "rollback_keep": Choice("duration", "how long the rollback parameter stays on after the "
                                        "change (default 10min)", refinable=True, step=60.0),
    "move_after": Choice("duration", "wait between the preparation and moving the phones "
                                     "(default 10min)", refinable=True, step=60.0),
    "batch_size": Choice("count", "phones per reset (or move) batch; 0 = all at once "
                                  "(default 0, Enterprise Parameters > Reset)", refinable=True),
    "batch_pause": Choice("duration", "wait between batches (default 2min)", refinable=True,
                          step=60.0),
    "start": Choice("datetime", "the clock time of the first step: day and time of the "
                                "change, on the base scenario's clock and within it, so the "
                                "base's phones are off and back at the same times whenever "
                                "the change is made (I65; default: [plan] begin after the "
                                "base's t = 0)"),
    "backup_itlrecovery": Choice("bool", "back ITLRecovery.p12 up to SFTP first (A7; default "
                                         "true when the base declares an [[sftp]] server)"),
    "technicians": Choice("count", "technicians on call from the first step (default the "
                                   "base scenario's [recovery] technicians)"),
}
CHOICE_ORDER = tuple(CHOICES)

Choices = Mapping[str, Any]
"""One value per choice a candidate uses (durations in seconds)."""


def comparable(name: str, value: Any) -> Any:
    """A choice value as candidates hold it: durations in seconds, date-times as is."""
    if CHOICES[name].kind == "duration":
        return float(parse_duration(value))
    return value


def shown(name: str, value: Any) -> str:
    """A choice value for people: ``"2h"``, ``"all at once"``, ``"Tue 2024-03-05 20:00"``."""
    kind = CHOICES[name].kind
    if kind == "duration":
        return format_duration(float(value))
    if name == "batch_size" and value == 0:
        return "all at once"
    if kind == "datetime" and isinstance(value, dt.datetime):
        return value.strftime("%a %Y-%m-%d %H:%M")
    if kind == "order":
        return " > ".join(value)
    if kind == "bool":
        return "yes" if value else "no"
    return str(value)


@dataclass(frozen=True)
class Axis:
    """A refinable choice as a number line: batch size 0 (all at once) stands for the whole
    fleet, so it sorts after every real batch size."""

    name: str
    to_line: Callable[[Any], float]
    from_line: Callable[[float], Any]
    step: float


def axis(name: str, phones: int) -> Axis:
    """The number line of refinable choice ``name`` for a fleet of ``phones``."""
    step = CHOICES[name].step
    if name == "batch_size":
        return Axis(name, lambda v: float(phones if v == 0 else v),
                    lambda x: 0 if round(x) >= phones else int(round(x)), step)
    return Axis(name, float, lambda x: float(round(x / step) * step), step)


def defaults(technicians: int, has_sftp: bool) -> dict[str, list[Any]]:
    """The values of choices a plan leaves out (the help texts above); a start of None keeps
    the base scenario's clock."""
    return {"regen_gap": [CISCO_WAIT], "itl_reset_after": [CISCO_WAIT],
            "keep_reset_itl": [CISCO_WAIT], "rollback_lead": [CISCO_WAIT],
            "rollback_keep": [CISCO_WAIT], "move_after": [CISCO_WAIT], "batch_size": [0],
            "batch_pause": [120.0], "start": [None], "backup_itlrecovery": [has_sftp],
            "technicians": [technicians], "node_order": ["publisher-first", "publisher-last"],
            "order": ["all"]}
