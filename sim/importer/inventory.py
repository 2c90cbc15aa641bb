"""A phone inventory as plain data: ``InventoryPhone``, whatever export it came from.

The BAT export (``bat``) and the AXL ``listPhone`` dump (``axl``) both read into the same
``InventoryPhone``s through ``make_phone``, which checks what both must hold (a valid device name,
a device pool, a device type) and classifies the device (``devices.DeviceRules``: ITL support,
firmware, DeviceTLInfo). ``check_unique`` and ``check_device_pools`` are the checks across rows
and files: a device named twice, a device pool the device-pool map does not cover.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from sim.errors import ArtefactError
from sim.importer.devices import NAME_RULE, DeviceClass, DeviceRules, device_class
from sim.scenario.schema import suggest

Error = Callable[[str, str], ArtefactError]
"""``error(field, message)``: an error at the current row, naming the file's column for
``field`` (one of ``InventoryPhone``'s field names)."""


@dataclass(frozen=True)
class InventoryPhone:
    """One device of the inventory.

    ``load`` is the Phone Load Name as exported ("" = the model's device default);
    ``firmware`` the version that load carries ("14.2(1)"), or the device default's from the
    device-pool map, ``None`` when unknown. ``reports_devicetlinfo`` is ``None`` when the
    firmware is unknown and the model's family has releases before 9.4(1). ``reason`` cites the
    rule behind ``itl_support``; ``source`` is where the device stands (``phones.csv:57``,
    ``dump.json [56]``).
    """

    name: str
    device_class: DeviceClass
    description: str
    device_pool: str
    model: str
    load: str
    firmware: str | None
    security_profile: str
    protocol: str
    directory_number: str
    owner: str
    itl_support: bool
    reports_devicetlinfo: bool | None
    reason: str
    source: str


def make_phone(values: Mapping[str, str], *, source: str, rules: DeviceRules,
               error: Error) -> InventoryPhone:
    """An ``InventoryPhone`` from raw values keyed by field name ("" where not exported)."""
    name = values["name"]
    if not name:
        raise error("name", "no device name")
    if device_class(name) is None:
        raise error("name", f"{name!r} is not a device name; expected {NAME_RULE}")
    for field, what in (("device_pool", "device pool"), ("model", "device type (model)")):
        if not values[field]:
            raise error(field, f"{name} has no {what}")
    found = rules.classify(name, values["model"], values["load"])
    return InventoryPhone(
        name=name, device_class=found.device_class, description=values["description"],
        device_pool=values["device_pool"], model=values["model"], load=values["load"],
        firmware=found.firmware, security_profile=values["security_profile"],
        protocol=values["protocol"], directory_number=values["directory_number"],
        owner=values["owner"], itl_support=found.itl_support,
        reports_devicetlinfo=found.reports_devicetlinfo, reason=found.reason, source=source)


def check_unique(phones: Iterable[InventoryPhone], error: Callable[[InventoryPhone, str],
                                                                   ArtefactError]) -> None:
    """Each device name once (CUCM's names are unique, case-insensitively)."""
    seen: dict[str, InventoryPhone] = {}
    for phone in phones:
        first = seen.setdefault(phone.name.upper(), phone)
        if first is not phone:
            raise error(phone, f"{phone.name} appears again (first at {first.source}); an "
                               "export names each device once")


def check_device_pools(phones: Sequence[InventoryPhone], pools: Iterable[str], *,
                       map_path: str) -> None:
    """Every device pool of the inventory must be in the device-pool map: without its CM
    group and TFTP servers the phones cannot be placed."""
    known = sorted(pools)
    missing = Counter(p.device_pool for p in phones if p.device_pool not in known)
    if missing:
        pool, count = sorted(missing.items())[0]
        first = next(p for p in phones if p.device_pool == pool)
        raise ArtefactError(
            f"no entry for device pool '{pool}' ({count} device(s), first {first.name} at "
            f"{first.source}){suggest(pool, known)}; pools in the map: "
            f"{', '.join(known) or 'none'}", path=map_path, key="device_pools")
