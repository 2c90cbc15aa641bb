"""Regenerate the import samples in tests/data/import/ (synthetic data in CUCM's exact formats).

    python tools/make_import_samples.py [OUT_DIR]

Inputs (hand-written, in OUT_DIR): ``cluster.toml`` (the cluster) and ``devicepools.toml``
(device pool -> CM group, TFTP servers, device defaults). Outputs, all deterministic (seed
``SEED``, the project's key pool, a seeded RNG; running twice gives the same bytes):

- ``ITLFile-<node>.tlv`` per TFTP node and ``CTLFile.tlv``: built by itlsim's trust engine;
- ``show-itl-<node>.txt``, ``show-ctl.txt``: those files as ``show itl`` / ``show ctl`` print
  them, with the CLI prompt around (the CTL text with CRLF, as pasted from a Windows terminal);
- ``phones-all-details.csv``: a BAT "All Details" export of the fleet below (UTF-8 with BOM,
  CRLF, Title Case columns with CUCM's double space in one name, quotes, commas, a line break
  and non-ASCII in descriptions, mostly empty columns);
- ``phones-specific-details.csv``: the hardware phones as a "Specific Details" export (UPPER CASE
  columns keyed by MAC ADDRESS, two spaces before line indexes, a trailing comma, LF);
- ``listphone.json``: the same fleet as an AXL ``listPhone`` dump, zeep style;
- ``itl-status.csv``: the phones' reported ITL hashes and ITL File Status: the SHA-1 of the ITL
  their TFTP server serves (most), of the 9.x-era ITL (about 10%), Not Installed, Unknown.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sim.cluster import tftp
from sim.cluster.cluster import Cluster
from sim.cluster.observe import show_itl
from sim.cluster.variants import itl_variants
from sim.importer.devicepools import DevicePoolMap, read_device_pools
from sim.importer.devices import JABBER_PREFIXES
from sim.scenario.clusterfile import load_cluster_file
from sim.trust import show, trustlist

SEED = 13
OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "import"


@dataclass(frozen=True)
class Block:
    """``count`` devices of one model in one device pool; loads are used in turn."""

    pool: str
    model: str
    count: int
    loads: tuple[str, ...]
    prefix: str  # MAC prefix (6 hex) for phones, device-name prefix for Jabber


FLEET = (
    Block("DP_HQ", "Cisco 8845", 40, ("sip8845_65.14-2-1-0001-14",) * 3 + ("",), "F87B20"),
    Block("DP_HQ", "Cisco 7841", 50, ("sip78xx.14-2-1-0001-14", ""), "6C710D"),
    Block("DP_HQ", "Cisco 7965", 4, ("SCCP45.9-4-2SR4-3S",), "001E4A"),
    Block("DP_HQ", "Cisco 7960", 8, ("P00308010200", "P0S3-08-12-00"), "000D28"),
    Block("DP_LYON", "Cisco 7841", 35, ("sip78xx.14-2-1-0001-14", "sip78xx.10-3-1-16"),
          "6C710E"),
    Block("DP_LYON", "Cisco 8845", 15, ("",), "F87B21"),
    Block("DP_LYON", "Cisco 7965", 6, ("SCCP45.9-3-1SR4-1S",), "001E4B"),
    Block("DP_LYON", "Cisco 7960", 6, ("P00308010200",), "000D29"),
    Block("DP_JABBER", "Cisco Unified Client Services Framework", 30, ("",), "CSF"),
    Block("DP_JABBER", "Cisco Dual Mode for Android", 6, ("",), "BOT"),
    Block("DP_JABBER", "Cisco Dual Mode for iPhone", 6, ("",), "TCT"),
    Block("DP_JABBER", "Cisco Jabber for Tablet", 2, ("",), "TAB"),
)
FIRST = ("Jürgen", "Anaïs", "Łukasz", "Seán", "Zoë", "Ayşe", "Björn", "François", "Núria",
         "José", "Chloé", "Søren", "Maria", "Peter", "Laura", "Thomas", "Élodie", "Mehmet",
         "Ingrid", "Paolo", "Małgorzata", "Hiroshi", "Anna", "Luc")
LAST = ("Müller", "Dubois", "Nowak", "O'Brien", "Brontë", "Ünal", "Ångström", "Lefèvre",
        "Puig", "García", "Martin", "Nørgaard", "Rossi", "Meier", "Keller", "Fontaine",
        "Yılmaz", "Berg", "Conti", "Wiśniewska", "Tanaka", "Schmid", "Girard", "Huber")
ROOMS = ('Meeting room "Matterhorn", 3rd floor', "会議室 A (Tokyo visitors)",
         "Réception – Lyon", "Lobby phone\nafter hours: dial 0", "Salle « Fourvière »",
         "Lab bench 4; do not move", "")
DN = {"DP_HQ": "\\+4144555", "DP_LYON": "\\+334725", "DP_JABBER": "\\+4144556"}
ALL_DETAILS = (
    "Device Name", "Description", "Device Pool", "Phone Button Template", "CSS", "AAR CSS",
    "Location", "Extension Mobility", "Network Locale", "Media Resource Group List",
    "User Hold MOH Audio Source", "Network Hold MOH Audio Source", "Device User Locale",
    "Packet Capture Mode", "Packet Capture Duration", "Built in Bridge", "Privacy",
    "Retry Video Call as Audio", "Ignore Presentation Indicators", "Softkey Template", "Module 1",
    "Module 2", "Phone Load Name", "Module 1 Load Name", "Module 2 Load Name", "Information",
    "Directory", "Messages", "Services", "Authentication Server", "Proxy Server", "Idle",
    "Idle Timer", "MLPP Indication", "MLPP Preemption", "MLPP Domain", "Device Type", "User ID 1",
    "Common Phone Profile", "Owner User ID", "Allow CTI Control Flag", "Device Presence Group",
    "Device Security Profile", "Device Subscribe CSS", "Unattended Port", "Require DTMF Reception",
    "RFC2833 Disabled", "Certificate Operation", "Authentication String", "Operation Completes By",
    "Device Protocol", "Directory Number 1", "Route Partition 1", "Voice Mail Profile 1",
    "Line CSS 1", "AAR Group(Line) 1", "Line User Hold MOH Audio Source 1",
    "Line Network Hold MOH Audio Source  1", "Auto Answer 1", "Display 1", "ASCII Display 1",
    "Line Text Label 1", "External Phone Number Mask 1", "Maximum Number of Calls 1",
    "Busy Trigger 1",
)
SPECIFIC = (
    "MAC ADDRESS", "DESCRIPTION", "DEVICE POOL", "DEVICE TYPE", "PHONE LOAD NAME",
    "DEVICE SECURITY PROFILE", "LOCATION", "DIRECTORY NUMBER  1", "DISPLAY  1",
    "LINE TEXT LABEL  1", "",
)


@dataclass(frozen=True)
class Device:
    name: str
    description: str
    pool: str
    model: str
    load: str
    protocol: str
    profile: str
    owner: str
    dn: str
    display: str


def ascii_id(text: str) -> str:
    """``Jürgen Müller`` -> ``jmuller``: a user id as a directory would make it."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    first, last = plain.split(" ", 1)
    return (first[:1] + "".join(c for c in last if c.isalnum()))[:10]


def fleet(rng: random.Random) -> list[Device]:
    """The devices of ``FLEET`` with people, rooms, MACs and numbers drawn from ``rng``."""
    people = [f"{f} {ln}" for f in FIRST for ln in LAST]
    rng.shuffle(people)
    devices: list[Device] = []
    names: set[str] = set()
    for block in FLEET:
        for i in range(block.count):
            person = people.pop()
            owner = _unique(ascii_id(person), {d.owner for d in devices})
            if block.prefix in JABBER_PREFIXES:
                name, description = block.prefix + owner.upper()[:12], f"Jabber - {person}"
            else:
                name = _unique_mac(rng, block.prefix, names)
                description = _description(rng, person, len(devices))
            names.add(name)
            load = block.loads[i % len(block.loads)]
            devices.append(Device(
                name=name, description=description, pool=block.pool, model=block.model,
                load=load, protocol="SCCP" if load.startswith(("P003", "SCCP")) else "SIP",
                profile=_profile(block.model, load, i),
                owner="" if description in ROOMS else owner,
                dn=f"{DN[block.pool]}{len(devices):03d}", display=person))
    return devices


def _unique(user: str, taken: set[str]) -> str:
    candidates = (user if n == 1 else f"{user}{n}" for n in range(1, 100))
    return next(c for c in candidates if c not in taken)


def _unique_mac(rng: random.Random, prefix: str, taken: set[str]) -> str:
    while True:
        name = f"SEP{prefix}{rng.randrange(16 ** 6):06X}"
        if name not in taken:
            return name


def _description(rng: random.Random, person: str, index: int) -> str:
    """A desk phone's description: "Last, First", "First Last - desk" or, every 23rd device,
    a room (quotes, commas, a line break, non-ASCII; each of ``ROOMS`` in turn)."""
    if index % 23 == 22:
        return ROOMS[index // 23 % len(ROOMS)]
    first, last = person.split(" ", 1)
    return f"{last}, {first}" if rng.random() < 0.5 else f"{person} - desk"


def _profile(model: str, load: str, i: int) -> str:
    if model.startswith("Cisco 88") and i % 10 == 0:
        return "Universal Device Template - Model-independent Security Profile"
    protocol = "SCCP" if load.startswith(("P003", "SCCP")) else "SIP"
    return f"{model} - Standard {protocol} Non-Secure Profile"


def all_details(devices: list[Device]) -> str:
    rows = []
    for d in devices:
        row = dict.fromkeys(ALL_DETAILS, "")
        row.update({
            "Device Name": d.name, "Description": d.description, "Device Pool": d.pool,
            "Phone Button Template": f"Standard {d.model.removeprefix('Cisco ')} {d.protocol}",
            "CSS": f"CSS_{d.pool.removeprefix('DP_')}", "Location": "Hub_None",
            "Device User Locale": "English United States", "Packet Capture Mode": "None",
            "Packet Capture Duration": "0", "Built in Bridge": "Default", "Privacy": "Default",
            "Retry Video Call as Audio": "t", "Ignore Presentation Indicators": "f",
            "Softkey Template": "Standard User", "Phone Load Name": d.load,
            "Idle Timer": "0", "MLPP Indication": "Default", "MLPP Preemption": "Default",
            "Device Type": d.model, "User ID 1": d.owner,
            "Common Phone Profile": "Standard Common Phone Profile", "Owner User ID": d.owner,
            "Allow CTI Control Flag": "t", "Device Presence Group": "Standard Presence group",
            "Device Security Profile": d.profile, "Unattended Port": "f",
            "Require DTMF Reception": "f", "RFC2833 Disabled": "f",
            "Certificate Operation": "No Pending Operation", "Device Protocol": d.protocol,
            "Directory Number 1": d.dn, "Route Partition 1": "PT_Internal",
            "Line Network Hold MOH Audio Source  1": "", "Auto Answer 1": "Auto Answer Off",
            "Display 1": d.display, "Line Text Label 1": d.display,
            "Maximum Number of Calls 1": "4", "Busy Trigger 1": "2",
        })
        rows.append([row[c] for c in ALL_DETAILS])
    return _csv([ALL_DETAILS, *rows], "\r\n")


def specific_details(devices: list[Device]) -> str:
    rows = [[d.name.removeprefix("SEP"), d.description, d.pool, d.model, d.load, d.profile,
             "Hub_None", d.dn, d.display, d.display, ""]
            for d in devices if d.name.startswith("SEP")]
    return _csv([SPECIFIC, *rows], "\n")


def _csv(rows: list[list[str]], newline: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(rows)
    return out.getvalue()


def listphone(devices: list[Device], rng: random.Random) -> str:
    """A zeep-serialised listPhone answer, one phone a line: references as {"_value_1",
    "uuid"}, tags not asked for as null, an empty reference as {"_value_1": null, "uuid": null}."""
    def uuid(h: str) -> str:
        return f"{{{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}}}".upper()

    def ref(value: str) -> dict[str, str | None]:
        """A reference; the same object (a device pool, a user) has the same uuid."""
        key = hashlib.md5(value.encode()).hexdigest()
        return {"_value_1": value or None, "uuid": uuid(key) if value else None}

    phones = [{
        "name": d.name, "description": d.description, "product": d.model, "model": d.model,
        "class": "Phone", "protocol": d.protocol,
        "callingSearchSpaceName": ref(f"CSS_{d.pool.removeprefix('DP_')}"),
        "devicePoolName": ref(d.pool), "commonDeviceConfigName": ref(""),
        "locationName": ref("Hub_None"), "mediaResourceListName": None,
        "loadInformation": {"_value_1": d.load or None, "special": "false"},
        "securityProfileName": ref(d.profile), "phoneTemplateName": None,
        "ownerUserName": ref(d.owner), "certificateOperation": "No Pending Operation",
        "uuid": uuid(f"{rng.getrandbits(128):032x}"), "ctiid": 100 + i,
    } for i, d in enumerate(devices)]
    return "[\n" + ",\n".join(json.dumps(p, ensure_ascii=False) for p in phones) + "\n]\n"


def itl_status(devices: list[Device], hashes: dict[str, tuple[bytes, bytes]],
               pools: DevicePoolMap, domain: str, rng: random.Random) -> str:
    """Rows for phones that report DeviceTLInfo (and a few that do not): mostly their TFTP
    server's ITL, ~10% the 9.x-era ITL, a few Not Installed; hashes spelled both ways."""
    rows = [["Device Name", "ITL Hash", "ITL TFTP Server", "ITL File Status"]]
    for d in devices:
        found = pools.rules.classify(d.name, d.model, d.load)
        if not found.itl_support:
            continue
        if found.reports_devicetlinfo is False:
            rows.append([d.name, "", "", "Unknown"])
            continue
        servers = pools.pools[d.pool].tftp
        server = servers[1] if rng.random() < 0.05 else servers[0]
        current, pre10 = hashes[server]
        draw = rng.random()
        if draw < 0.03:
            rows.append([d.name, "Not Installed", "", ""])
            continue
        digest, status = (pre10, "MisMatch") if draw < 0.12 else (current, "Match")
        text = digest.hex() if rng.random() < 0.2 else digest.hex(" ").upper() + " "
        rows.append([d.name, text, f"{server}.{domain}", status if rng.random() < 0.9 else ""])
    return _csv(rows, "\r\n")


def main(out: Path = OUT) -> None:
    spec = load_cluster_file(str(out / "cluster.toml"))
    pools = read_device_pools(out / "devicepools.toml")
    cluster = Cluster.from_spec(spec, SEED)
    tftp.start_all(cluster)
    hashes = {}
    for node, served in cluster.served.items():
        (out / f"ITLFile-{node}.tlv").write_bytes(served.itl.raw)
        (out / f"show-itl-{node}.txt").write_text(f"admin:show itl\n{show_itl(cluster, node)}"
                                                  "\nadmin:\n", encoding="utf-8")
        pre10 = itl_variants(cluster, node).pre10
        hashes[node] = (hashlib.sha1(served.itl.raw).digest(), hashlib.sha1(pre10.raw).digest())
    ctl = cluster.served[spec.publisher.name].ctl
    assert ctl is not None, "cluster.toml must be in mixed mode for the CTL samples"
    (out / "CTLFile.tlv").write_bytes(ctl.raw)
    trustlist.check(ctl)
    text = show.render(ctl, path="CTLFile.tlv", verified=True, reason=None)
    (out / "show-ctl.txt").write_bytes(f"admin:show ctl\n{text}\nadmin: ".replace(
        "\n", "\r\n").encode())
    rng = random.Random(SEED)
    devices = fleet(rng)
    (out / "phones-all-details.csv").write_bytes(all_details(devices).encode("utf-8-sig"))
    (out / "phones-specific-details.csv").write_bytes(specific_details(devices).encode())
    (out / "listphone.json").write_text(listphone(devices, rng), encoding="utf-8")
    (out / "itl-status.csv").write_bytes(
        itl_status(devices, hashes, pools, spec.domain, rng).encode())


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
