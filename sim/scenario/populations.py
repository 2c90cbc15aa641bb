"""Phone populations (``[[phones]]``): groups of identical phones and their state at t = 0.

A population has a model, firmware, ITL support (P8), its TFTP servers and CM group (node names
of the scenario's cluster; defaults derived from the cluster), the ITL and CTL it holds at the
start (P1, P3, P6, section 2), the access flags that decide how a locked phone can be recovered
(section 7) and when some of its phones are offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.cluster.versions import parse_firmware
from sim.scenario.clusters import ClusterSet, node_list
from sim.scenario.distributions import Distribution, distribution
from sim.scenario.durations import duration
from sim.scenario.names import population_name
from sim.scenario.schema import Table, Value, at_least, suggest
from sim.scenario.tomlsource import KeyPath, TomlSource

INITIAL_ITL = ("current", "none", "pre10", "empty")


def _share(x: float) -> str | None:
    return None if 0 <= x <= 1 else f"a share is between 0 and 1, got {x:g}"


def _firmware(text: str) -> str | None:
    try:
        parse_firmware(text)
    except ValueError:
        return (f"{text!r} is not a firmware version; expected e.g. '12.8(1)', '9.4(2)SR3' or "
                f"'sip88xx.14-2-1-0001-14'")
    return None


def _names(items: list) -> str | None:
    if not items:
        return "must not be empty"
    if not all(isinstance(item, str) for item in items):
        return "expected a list of node names (strings)"
    return None


AVAILABILITY = Table({
    "offline_share": Value(float, 0.0, check=_share, help="share of phones offline from "
                           "offline_from until returns (default 0)"),
    "offline_from": duration(0, help="when they go offline (default 0)"),
    "returns": distribution(None, help="how long after offline_from offline phones come back, "
                            "e.g. { dist = \"uniform\", low = \"2d\", high = \"2d2h\" } "
                            "(offices back on Monday); required when offline_share > 0 "
                            "(default: none)"),
    "always_off_share": Value(float, 0.0, check=_share,
                              help="share of phones that never come back (default 0)"),
}, required=False)
POPULATION = Table({
    "name": Value(str, check=population_name, help="unique population name, at most 50 "
                  "characters (required)"),
    "count": Value(int, None, check=at_least(1), help="number of phones (default: the rows "
                   "of the scenario's [inventory] that name the population; without them it "
                   "must be given)"),
    "cluster": Value(str, None, help="the cluster the phones start on, a [[clusters]] name "
                     "(default: the only or first cluster)"),
    "model": Value(str, "CP-8841", help="default CP-8841"),
    "firmware": Value(str, "12.8(1)", check=_firmware, help=(
        "firmware version or load name, e.g. '12.8(1)' or 'sip88xx.14-2-1-0001-14': 9.4(1) and "
        "later send DeviceTLInfo at registration (O2a; default 12.8(1))")),
    "itl_support": Value(bool, True, help="false: firmware without ITL support or Jabber, "
                         "ignores the ITL and takes unsigned config (default true, P8)"),
    "tftp": Value(list, None, check=_names, help="TFTP servers in order (default: every TFTP "
                  "node of the cluster in file order)"),
    "cm_group": Value(list, None, check=_names, help="CallManager group in priority order; "
                      "TVS is asked in this order (default: every CallManager node, P5)"),
    "initial_itl": Value(str, None, choices=INITIAL_ITL, help=(
        "ITL at t=0: 'current' (what the first TFTP server serves), 'none' (P1), 'pre10' "
        "(received under 9.x: no ITLRecovery record, section 2), 'empty' (rollback, P6); "
        "default 'current' ('none' when itl_support = false)")),
    "initial_itl_from": Value(str, None, help=(
        "the TFTP node whose ITL the phones hold at t=0 and that they used last, e.g. from "
        "their reported ITL hash (default: their first TFTP server)")),
    "initial_ctl": Value(bool, None, help="holds the CTL at t=0 (default: true when the "
                         "cluster is mixed, P3)"),
    "settings_access": Value(bool, True, help="settings menu enabled: ITL erase from the menu "
                             "possible (default true, section 7)"),
    "web_access": Value(bool, False, help="web access enabled: remote reset possible (default "
                        "false, section 7)"),
    "availability": AVAILABILITY,
})


@dataclass(frozen=True)
class Availability:
    """Offline phones: ``returns`` is measured from ``offline_from``."""

    offline_share: float
    offline_from: float
    returns: Distribution | None
    always_off_share: float


@dataclass(frozen=True)
class Population:
    """A group of identical phones (``[[phones]]``); node lists hold node names."""

    name: str
    count: int
    cluster: str
    model: str
    firmware: str
    itl_support: bool
    tftp: tuple[str, ...]
    cm_group: tuple[str, ...]
    initial_itl: str
    initial_ctl: bool
    settings_access: bool
    web_access: bool
    availability: Availability
    initial_itl_from: str | None = None


def population_from(source: TomlSource, data: dict[str, Any], clusters: ClusterSet,
                    at: KeyPath) -> Population:
    """Fill cluster-derived defaults and check the starting cluster, node lists (nodes of that
    cluster), ITL state and availability."""
    initial_itl = data["initial_itl"] or ("current" if data["itl_support"] else "none")
    if not data["itl_support"] and initial_itl != "none":
        raise source.error(at + ("initial_itl",), "a phone without ITL support holds no ITL "
                                                  "(itl_support = false, P8); use 'none'")
    name = data["cluster"] or clusters.first.name
    if problem := clusters.unknown(name):
        raise source.error(at + ("cluster",), problem)
    cluster = clusters.get(name)
    tftp_nodes = [node.name for node in cluster.nodes if "TFTP" in node.services]
    held = data["initial_itl_from"]
    if held not in (None, *tftp_nodes):
        raise source.error(at + ("initial_itl_from",), f"{held!r} is not a TFTP node"
                                                       f"{suggest(held, tftp_nodes)} (TFTP "
                                                       f"nodes: {', '.join(tftp_nodes)})")
    fields = {**data, "initial_itl": initial_itl, "cluster": name,
              "tftp": node_list(source, data["tftp"], clusters, name, "TFTP", at + ("tftp",)),
              "cm_group": node_list(source, data["cm_group"], clusters, name, "CallManager",
                                    at + ("cm_group",)),
              "initial_ctl": (cluster.security_mode == "mixed" if data["initial_ctl"] is None
                              else data["initial_ctl"]),
              "availability": _availability(source, data["availability"],
                                            at + ("availability",))}
    return Population(**fields)


def _availability(source: TomlSource, data: dict[str, Any], at: KeyPath) -> Availability:
    if data["offline_share"] + data["always_off_share"] > 1:
        raise source.error(at + ("always_off_share",),
                           "offline_share + always_off_share is more than 1")
    if data["offline_share"] > 0 and data["returns"] is None:
        raise source.error(at + ("offline_share",), "offline_share > 0 needs returns: how long "
                                                    "until offline phones come back")
    return Availability(**data)
