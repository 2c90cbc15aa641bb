"""The device-pool map: what CUCM's phone export does not carry (a small TOML file).

A BAT export or ``listPhone`` names each phone's device pool, but not the CallManager group
the pool points to (Device Pool > Cisco Unified Communications Manager Group) nor the TFTP
servers the phones learn from DHCP option 150. Both decide which TFTP node's ITL a phone holds
and which TVS it asks (trust-model section 4, P5), so the user writes them down:

    [cm_groups]                       # optional: CM groups, nodes in priority order
    CMG_HQ = ["cucm-sub1", "cucm-pub"]

    [device_pools.DP_HQ]
    cm_group = "CMG_HQ"               # a [cm_groups] name, or a list of nodes
    tftp = ["cucm-pub", "cucm-sub1"]  # option 150, in order

    [device_defaults]                 # optional: Device Defaults, for a blank Phone Load Name
    "Cisco 8845" = "sip8845_65.14-2-1-0001-14"

    [itl_support]                     # optional: override the built-in model table
    "Cisco 7937" = false

Nodes are named as the cluster knows them (host name, FQDN or IP address). Errors name the
file, line and key, with did-you-mean for a CM group name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ArtefactError, ConfigError
from sim.importer.devices import DeviceRules
from sim.importer.source import read_artefact
from sim.scenario.schema import Table, Value, suggest, validate
from sim.scenario.tomlsource import MAX_TOML_BYTES, TomlSource

_NODE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?")


def _nodes(items: Any) -> str | None:
    if not isinstance(items, list) or not items:
        return "expected a non-empty list of node names"
    bad = next((i for i in items if not isinstance(i, str) or not _NODE.fullmatch(i)), None)
    if bad is not None:
        return f"{bad!r} is not a node name (a host name, FQDN or IP address)"
    if len(set(items)) != len(items):
        return "a node is listed twice"
    return None


def _node_list_or_name(value: Any) -> str | None:
    return None if isinstance(value, str) and value else _nodes(value)


POOL = Table({
    "cm_group": Value((str, list), check=_node_list_or_name,
                      help="a [cm_groups] name or the nodes in priority order"),
    "tftp": Value(list, check=_nodes, help="TFTP servers (DHCP option 150) in order"),
})
MAP_SCHEMA = Table({
    "cm_groups": Table({}, required=False, extra=Value(list, check=_nodes)),
    "device_pools": Table({}, extra=Value(dict)),
    "device_defaults": Table({}, required=False, extra=Value(str)),
    "itl_support": Table({}, required=False, extra=Value(bool)),
})


@dataclass(frozen=True)
class DevicePool:
    """A device pool's CM group (nodes in priority order, and its name if the map gave one) and
    TFTP servers."""

    name: str
    cm_group: tuple[str, ...]
    cm_group_name: str | None
    tftp: tuple[str, ...]


@dataclass(frozen=True)
class DevicePoolMap:
    path: str
    pools: Mapping[str, DevicePool]
    rules: DeviceRules


def read_device_pools(path: str | Path) -> DevicePoolMap:
    """Read and check a device-pool map; every problem is one ``ArtefactError`` line."""
    try:
        return _read(path)
    except ArtefactError:
        raise
    except ConfigError as err:  # from the TOML reader and validator: same line, same key
        raise ArtefactError(err.reason, path=err.path, line=err.line, key=err.key) from None


def _read(path: str | Path) -> DevicePoolMap:
    name = str(path)
    source = TomlSource.from_bytes(read_artefact(
        name, "a device-pool map (TOML)", limit=MAX_TOML_BYTES,
        why="(a device-pool map is kilobytes of TOML)"), name)
    data = validate(source, MAP_SCHEMA)
    groups = {name: tuple(nodes) for name, nodes in data["cm_groups"].items()}
    if not data["device_pools"]:
        raise ArtefactError("no [device_pools.<name>] entries; every device pool of the "
                            "inventory needs its CM group and TFTP servers", path=source.path)
    pools = {name: _pool(source, name, entry, groups)
             for name, entry in data["device_pools"].items()}
    return DevicePoolMap(source.path, pools, DeviceRules(data["itl_support"],
                                                         data["device_defaults"]))


def _pool(source: TomlSource, name: str, entry: dict[str, Any],
          groups: Mapping[str, tuple[str, ...]]) -> DevicePool:
    at = ("device_pools", name)
    checked = validate(source, POOL, entry, at)
    group = checked["cm_group"]
    if isinstance(group, str):
        if group not in groups:
            raise source.error(at + ("cm_group",), f"no CM group '{group}' in [cm_groups]"
                                                   f"{suggest(group, list(groups))} (groups: "
                                                   f"{', '.join(groups) or 'none'})")
        return DevicePool(name, groups[group], group, tuple(checked["tftp"]))
    return DevicePool(name, tuple(group), None, tuple(checked["tftp"]))
