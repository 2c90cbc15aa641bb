"""Readers of real CUCM artefacts: a cluster's phones and what they hold, as plain data.

Owns CSV reading as exports arrive (``csvtable``), the device table (``devices``: device names,
ITL support by model, firmware from load names, DeviceTLInfo), the inventory record
(``inventory.InventoryPhone``) and its readers: the Bulk Administration phone export (``bat``),
an AXL ``listPhone`` JSON dump (``axl``), the phones' ITL hashes and ITL File Status
(``itlstatus``) and the device-pool map (``devicepools``). ``show itl`` text is read by
``sim.trust.showtext``. Every reader returns all its records or raises one ``ArtefactError`` line
(file, line or key, column, what would be valid); none writes anything.

``itlsim import`` builds on them: ``trustfiles`` (ITL/CTL files or pasted text), ``certificates``
and ``era`` (what the records say), ``clusterspec`` (``[cluster]``), ``fleet`` (populations and
each phone's ITL at t = 0), ``plan`` and ``render`` (the files' text); ``sim.output.importjob``
writes them.

May import: ``sim.scenario`` (TOML with line numbers, the schema validator), ``sim.cluster``,
``sim.trust``, ``sim.errors``. ``sim.output`` and ``sim.cli`` may import it.
"""

from sim.importer.axl import read_listphone
from sim.importer.bat import read_bat_export
from sim.importer.devicepools import DevicePool, DevicePoolMap, read_device_pools
from sim.importer.devices import DeviceClass, DeviceRules
from sim.importer.inventory import InventoryPhone, check_device_pools
from sim.importer.itlstatus import ItlStatus, check_names, read_itl_status

__all__ = [
    "DeviceClass", "DevicePool", "DevicePoolMap", "DeviceRules", "InventoryPhone", "ItlStatus",
    "check_device_pools", "check_names", "read_bat_export", "read_device_pools",
    "read_itl_status", "read_listphone",
]
