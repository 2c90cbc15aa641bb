"""The sections of a scenario that configure the run itself: ``[simulation]``, ``[tftp]``,
``[tvs]``, ``[phone_boot]``, ``[[sftp]]`` and ``[recovery]``, their schemas (every key, its
type, its default and the trust-model rule behind it) and the specs ``sim.scenario.scenario``
builds from them. The cluster(s), phones, events, assumptions and inventory have modules of
their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.scenario.distributions import Distribution, distribution
from sim.scenario.durations import duration, positive
from sim.scenario.names import folder_name
from sim.scenario.schema import Table, Value, at_least, suggest
from sim.scenario.tomlsource import KeyPath, TomlSource

RECOVERY_METHODS = ("remote", "menu", "factory")


def _hours(hours: list) -> str | None:
    ok = (len(hours) == 2 and all(isinstance(h, int) and not isinstance(h, bool) for h in hours)
          and 0 <= hours[0] < hours[1] <= 24)
    if ok:
        return None
    return (f"expected [start_hour, end_hour] with 0 <= start < end <= 24, e.g. [8, 17]; "
            f"got {hours!r}")


def _methods(methods: list) -> str | None:
    bad = [m for m in methods if m not in RECOVERY_METHODS]
    if bad:
        return (f"unknown method {bad[0]!r}{suggest(str(bad[0]), list(RECOVERY_METHODS))} "
                f"(valid: {', '.join(RECOVERY_METHODS)})")
    if not methods or len(set(methods)) != len(methods):
        return "expected a non-empty list without repeats"
    return None


def _uniform(low: str, high: str) -> dict[str, str]:
    return {"dist": "uniform", "low": low, "high": high}


def _datetime(_source: TomlSource, value: Any, _at: KeyPath) -> dt.datetime:
    """A TOML date-time as is; ISO text (a resolved scenario in JSON) parsed."""
    if not isinstance(value, str):
        return value
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date-time; expected e.g. 2025-03-07T20:00:00 "
                         f"(TOML, no quotes)") from None


SIMULATION = Table({
    "name": Value(str, None, check=folder_name, help="run name, the results folder's name "
                  "(default: the file's stem)"),
    "description": Value(str, "", help="free text (default empty)"),
    "duration": duration(help="simulated time (required), e.g. '2h', '3d'", check=positive),
    "seed": Value(int, 1, check=at_least(0), help="random seed of the run (default 1)"),
    "resolution": duration("1min", check=positive, help="time-series step (default 1min)"),
    "start": Value((dt.datetime, str), None, convert=_datetime,
                   expect="a date-time, e.g. 2025-03-07T20:00:00",
                   help="the wall-clock date and time of t = 0: plots show clock time and "
                        "working_hours/working_days follow its weekday (default: none; t = 0 "
                        "is then a Monday 00:00, I18)"),
})
TFTP = Table({
    "max_serving_count": Value(
        int, 500, check=at_least(1),
        help="concurrent transfers per TFTP node (default 500: co-resident with CallManager; "
             "1500-3500 on dedicated TFTP nodes, trust-model 9)"),
    "ctl_transfer": distribution(_uniform("0.2s", "0.4s"), help="CTL download in mixed mode "
                                 "(default uniform 0.2-0.4 s)"),
    "itl_transfer": distribution(_uniform("0.3s", "0.7s"), help="ITL download (default uniform "
                                 "0.3-0.7 s: ITL ~0.7 s after the CTL request, trust-model 4)"),
    "config_transfer": distribution(
        _uniform("2.5s", "3.7s"), help="signed config download and check (default uniform "
                                       "2.5-3.7 s: config at ~3.8 s, trust-model 4)"),
    "file_not_found": distribution("0.2s", help="CTL request answered 'file not found' in a "
                                   "non-mixed cluster (default 0.2s, trust-model 4)"),
    "restart": distribution("30s", help="TFTP service restart; the ITL is rebuilt then "
                            "(default 30s, T4)"),
    "serving_count": Table({}, required=False, extra=Value(int, check=at_least(1)),
                           help="per-node Maximum Serving Count overriding max_serving_count, "
                                "e.g. { cucm-tftp1 = 1500 } for a dedicated TFTP node"),
}, required=False)
TVS = Table({
    "cache_hours": Value(float, 24.0, check=lambda h: None if h > 0 else "must be > 0",
                         help="how long a phone caches a verified certificate (default 24, P5)"),
}, required=False, moved={"capacity": "assumptions.tvs_capacity",
                          "latency": "assumptions.tvs_latency"})
PHONE_BOOT = Table({
    "hardware": distribution(
        _uniform("30s", "90s"), help="power-on to DHCP done (default uniform 30-90 s); no Cisco "
        "figure exists: a parameter, not a constant (trust-model 4)"),
    "register": distribution(_uniform("3.5s", "4.5s"), help="config to REGISTER (default "
                             "uniform 3.5-4.5 s: REGISTER at ~7.9 s, trust-model 4)"),
    "retry": distribution("30s", help="wait before retrying an unreachable TFTP server "
                          "(default 30s)"),
}, required=False)
SFTP = Table({
    "host": Value(str, help="host name, referred to by events (required)"),
    "user": Value(str, help="required"),
    "password": Value(str, help="required"),
    "reachable": Value(bool, True, help="reachable at t=0 (default true)"),
    "has_p12_backup": Value(bool, False, help="an ITLRecovery.p12 saved earlier with the current "
                            "security password is at path (default false, A7, A10)"),
    "path": Value(str, "/ITLRecovery.p12", help="default /ITLRecovery.p12"),
})
RECOVERY = Table({
    "technicians": Value(int, 0, check=at_least(0), help="people recovering locked phones "
                         "(default 0: no manual recovery)"),
    "start": duration(None, help="when recovery starts (default: never, unless a "
                      "start_recovery event)"),
    "visit": distribution(_uniform("10min", "20min"), help="walk to a phone and fix it "
                          "(default uniform 10-20 min, section 7)"),
    "remote": distribution("20s", help="reset through the web interface (default 20s)"),
    "working_hours": Value(list, None, check=_hours, help="[start_hour, end_hour] "
                           "technicians work, e.g. [8, 17] (default: around the clock)"),
    "working_days": Value(int, 7, choices=(5, 6, 7), help="days a week technicians work "
                          "(default 7; 5 = Monday to Friday, 6 = to Saturday, by the weekday "
                          "of simulation.start, else t = 0 is a Monday 00:00, I18)"),
    "methods": Value(list, list(RECOVERY_METHODS), check=_methods, help=(
        "in preference order (default remote, menu, factory): remote needs web_access, menu "
        "needs settings_access, factory always works (section 7)")),
    "factory_reprovision": distribution("10min", help="extra time of a factory reset "
                                        "(default 10min)"),
}, required=False)

@dataclass(frozen=True)
class TftpSpec:
    max_serving_count: int
    ctl_transfer: Distribution
    itl_transfer: Distribution
    config_transfer: Distribution
    file_not_found: Distribution
    restart: Distribution
    serving_count: Mapping[str, int]

    def serving_count_of(self, node: str) -> int:
        """The node's Maximum Serving Count (trust-model 9)."""
        return self.serving_count.get(node, self.max_serving_count)


@dataclass(frozen=True)
class TvsSpec:
    cache_hours: float


@dataclass(frozen=True)
class PhoneBootSpec:
    hardware: Distribution
    register: Distribution
    retry: Distribution


@dataclass(frozen=True)
class RecoverySpec:
    technicians: int
    start: float | None
    visit: Distribution
    remote: Distribution
    working_hours: tuple[int, int] | None
    working_days: int
    methods: tuple[str, ...]
    factory_reprovision: Distribution
