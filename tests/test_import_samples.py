"""The import samples line up, and the ITL status CSV and device-pool map readers (O1, O2).

The ITL status sample's hashes are the SHA-1s of the ITLs in the same folder (or of the 9.x-era
ITL the same cluster would have served), the show itl / show ctl texts read back into exactly
those files, and tools/make_import_samples.py regenerates every sample byte for byte.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest
from import_helpers import error_line

from sim.cluster import tftp
from sim.cluster.cluster import Cluster
from sim.cluster.variants import itl_variants
from sim.errors import ArtefactError
from sim.importer import (
    ItlStatus,
    check_device_pools,
    check_names,
    read_bat_export,
    read_device_pools,
    read_itl_status,
)
from sim.scenario.clusterfile import load_cluster_file
from sim.trust import showtext, trustlist
from sim.trust.shown import shown

ROOT = Path(__file__).parents[1]
DATA = ROOT / "tests" / "data" / "import"
STATUS = DATA / "itl-status.csv"
TFTP_NODES = ("cucm-pub", "cucm-sub1")


def make_samples_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_import_samples",
                                                  ROOT / "tools" / "make_import_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def statuses() -> tuple[ItlStatus, ...]:
    return read_itl_status(STATUS)


@pytest.fixture(scope="module")
def served_hashes() -> dict[str, bytes]:
    return {node: hashlib.sha1((DATA / f"ITLFile-{node}.tlv").read_bytes()).digest()
            for node in TFTP_NODES}


@pytest.fixture(scope="module")
def pre10_hashes() -> dict[str, bytes]:
    """The 9.x-era ITL each TFTP node of cluster.toml would have served (variants.pre10)."""
    cluster = Cluster.from_spec(load_cluster_file(str(DATA / "cluster.toml")),
                                make_samples_module().SEED)
    tftp.start_all(cluster)
    return {node: hashlib.sha1(itl_variants(cluster, node).pre10.raw).digest()
            for node in TFTP_NODES}


def test_samples_regenerate_byte_for_byte(tmp_path: Path) -> None:
    """Run `python tools/make_import_samples.py` when this fails after a change to the trust
    engine or show layout: the committed samples must be what the tool makes now."""
    for name in ("cluster.toml", "devicepools.toml"):
        shutil.copy(DATA / name, tmp_path / name)
    make_samples_module().main(tmp_path)
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in DATA.iterdir())
    stale = [name for name in made if (tmp_path / name).read_bytes() != (DATA / name).read_bytes()]
    assert stale == [], "run: python tools/make_import_samples.py"


@pytest.mark.parametrize("node", TFTP_NODES)
def test_O1_show_itl_samples_are_their_itl_files(node: str) -> None:
    tl = trustlist.read(DATA / f"ITLFile-{node}.tlv")
    text = (DATA / f"show-itl-{node}.txt").read_text(encoding="utf-8")
    parsed = showtext.parse(text, path=f"show-itl-{node}.txt")
    assert parsed == shown(tl, verified=True)
    assert parsed is not None and parsed.sha1 == hashlib.sha1(tl.raw).digest()
    # mixed mode: the node's own CallManager as CCM+TFTP (I5)
    assert [r.subject_name.split(";")[0] for r in parsed.records if r.function == 2] == [
        f"CN={node}.acme.example"]


def test_O1_show_ctl_sample_with_crlf_is_its_ctl_file() -> None:
    tl = trustlist.read(DATA / "CTLFile.tlv")
    data = (DATA / "show-ctl.txt").read_bytes()
    assert b"\r\n" in data
    parsed = showtext.parse(data.decode(), path="show-ctl.txt")
    assert parsed == shown(tl, verified=True)
    assert parsed is not None and parsed.kind == "CTL"
    assert {r.dns_name for r in parsed.records if r.function == 2} == {
        "cucm-pub", "cucm-sub1", "cucm-sub2"}  # every CallManager node (I7)


def test_O2_itl_status_sample_hashes_line_up_with_the_itls(
        statuses: tuple[ItlStatus, ...], served_hashes: dict[str, bytes],
        pre10_hashes: dict[str, bytes]) -> None:
    """Match rows carry the hash of the ITL their TFTP server serves, MisMatch rows the 9.x-era
    ITL's; rows without a status are one or the other."""
    node_of = {f"{node}.acme.example": node for node in TFTP_NODES}
    kinds = Counter()
    for row in statuses:
        if row.itl_hash is None:
            kinds[row.status] += 1
            continue
        node = node_of[row.tftp_server or ""]
        kind = {served_hashes[node]: "current", pre10_hashes[node]: "pre10"}[row.itl_hash]
        kinds[kind] += 1
        assert row.status in ({"current": "Match", "pre10": "MisMatch"}[kind], None)
    assert kinds == {"current": 127, "pre10": 15, "Not Installed": 2, "Unknown": 6}
    assert 0.05 < kinds["pre10"] / sum(kinds.values()) < 0.15


def test_O2_itl_status_sample_reads_every_spelling(statuses: tuple[ItlStatus, ...]) -> None:
    raw = STATUS.read_text().splitlines()
    assert any(line.count(" ") > 15 and line.endswith(" ,cucm-pub.acme.example,Match")
               for line in raw)  # DeviceTLInfo's pairs with the trailing space
    assert any(len(line.split(",")[1]) == 40 for line in raw[1:])  # show itl's digits
    assert Counter(s.status for s in statuses) == {
        "Match": 114, "MisMatch": 12, None: 16, "Unknown": 6, "Not Installed": 2}
    assert all(s.source == f"{STATUS}:{i}" for i, s in enumerate(statuses, 2))


def test_O2_itl_status_names_are_in_the_inventory(statuses: tuple[ItlStatus, ...]) -> None:
    phones = read_bat_export(DATA / "phones-all-details.csv")
    check_names(statuses, phones, inventory="phones-all-details.csv")
    reported = {s.name for s in statuses}
    assert all(p.itl_support for p in phones if p.name in reported)
    with pytest.raises(ArtefactError) as caught:
        check_names(statuses, phones[1:], inventory="phones-all-details.csv")
    missing = statuses[0]
    assert str(caught.value).startswith(
        f"{STATUS}:2: {missing.name} is not in the inventory phones-all-details.csv")


def test_device_pool_map_sample() -> None:
    pools = read_device_pools(DATA / "devicepools.toml")
    assert {name: (p.cm_group, p.cm_group_name, p.tftp) for name, p in pools.pools.items()} == {
        "DP_HQ": (("cucm-sub1", "cucm-pub"), "CMG_HQ", ("cucm-pub", "cucm-sub1")),
        "DP_LYON": (("cucm-sub2", "cucm-sub1"), "CMG_LYON", ("cucm-sub1", "cucm-pub")),
        "DP_JABBER": (("cucm-sub1", "cucm-pub"), None, ("cucm-pub", "cucm-sub1")),
    }
    phones = read_bat_export(DATA / "phones-all-details.csv", pools.rules)
    check_device_pools(phones, pools.pools, map_path=pools.path)
    with pytest.raises(ArtefactError) as caught:
        check_device_pools(phones, ["DP_HQ", "DP_LYON", "DP_JABBR"], map_path="map.toml")
    assert str(caught.value) == (
        "map.toml [device_pools]: no entry for device pool 'DP_JABBER' (44 device(s), first "
        f"CSFJYLMAZ at {DATA / 'phones-all-details.csv'}:167); did you mean 'DP_JABBR'?; pools "
        "in the map: DP_HQ, DP_JABBR, DP_LYON")


# -- ITL status variants and errors -------------------------------------------------------------

SHA = "1BA1C907E99E4D3C539DC81424AF6C9F7DCE4D6D"


@pytest.mark.parametrize(("header", "row", "expected"), [
    ("Device Name,ITL Hash", f"SEP0011AABBCC01,{SHA.lower()}",
     (bytes.fromhex(SHA), None, None)),
    ("DeviceName,ITL_Signature,ITL_TFTP_Server",
     f"SEP0011AABBCC01,{bytes.fromhex(SHA).hex(' ').upper()} ,cucm-115.home.lab",
     (bytes.fromhex(SHA), "cucm-115.home.lab", None)),
    ("Device Name,ITL Hash", f"SEP0011AABBCC01,{bytes.fromhex(SHA).hex(':')}",
     (bytes.fromhex(SHA), None, None)),
    ("Device Name,ITL Hash", "SEP0011AABBCC01,Not Installed", (None, None, "Not Installed")),
    ("Device Name,ITL File Status", "SEP0011AABBCC01,mismatch", (None, None, "MisMatch")),
    ("name;status", "SEP0011AABBCC01;NOT INSTALLED", (None, None, "Not Installed")),
])
def test_O2_itl_status_variants(tmp_path: Path, header: str, row: str,
                                expected: tuple[bytes | None, str | None, str | None]) -> None:
    path = tmp_path / "status.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    status, = read_itl_status(path)
    assert (status.itl_hash, status.tftp_server, status.status) == expected


BROKEN_STATUS = [
    ("no name column", "Phone,ITL Hash\nSEP0011AABBCC01,x",
     "status.csv:1: no 'Device Name' column (or 'DeviceName', 'Name'); columns found: Phone, "
     "ITL Hash; expected an ITL status CSV"),
    ("no hash or status column", "Device Name,Load\nSEP0011AABBCC01,x",
     "status.csv:1: no 'ITL Hash' column (or 'ITL_Signature', 'ITL Signature', 'Reported ITL "
     "Hash', 'ITL File Status', 'ITL Status', 'Status')"),
    ("short hash", "Device Name,ITL Hash\nSEP0011AABBCC01,1B A1 C9",
     "status.csv:2 [ITL Hash]: '1B A1 C9' is not a SHA-1 hash: 40 hex digits"),
    ("unknown status", "Device Name,ITL File Status\nSEP0011AABBCC01,Matched",
     "status.csv:2 [ITL File Status]: status 'Matched' unknown; expected one of Match, "
     "MisMatch, Not Installed, Unknown"),
    ("neither", f"Device Name,ITL Hash,ITL File Status\nSEP0011AABBCC01,{SHA}\n"
                "SEP0011AABBCC02,,",
     "status.csv:3 [ITL Hash]: SEP0011AABBCC02 has neither an ITL hash nor a status"),
    ("bad name", f"Device Name,ITL Hash\nSEP-0011AABBCC01,{SHA}",
     "status.csv:2 [Device Name]: 'SEP-0011AABBCC01' is not a device name"),
    ("twice", f"Device Name,ITL Hash\nSEP0011AABBCC01,{SHA}\nsep0011aabbcc01,{SHA}",
     "status.csv:3 [Device Name]: sep0011aabbcc01 appears again (first at status.csv:2)"),
]


@pytest.mark.parametrize("case", BROKEN_STATUS, ids=[c[0] for c in BROKEN_STATUS])
def test_O2_malformed_itl_status_is_one_line(tmp_path: Path, case: tuple[str, str, str]) -> None:
    _, content, message = case
    line = error_line(tmp_path, "status.csv", content, read_itl_status)
    assert line.startswith(message), line


# -- device-pool map errors --------------------------------------------------------------------

POOL = '[device_pools.DP_A]\ncm_group = ["pub"]\ntftp = ["pub"]\n'
BROKEN_MAP = [
    ("not TOML", "[device_pools\n", "map.toml:1: not valid TOML"),
    ("no pools", "[device_defaults]\n",
     "map.toml: missing required table [device_pools]"),
    ("empty pools", "[device_pools]\n", "map.toml: no [device_pools.<name>] entries"),
    ("typo", POOL + "[device_default]\n",
     "map.toml:4 [device_default]: unknown key 'device_default'; did you mean "
     "'device_defaults'?"),
    ("unknown CM group", '[cm_groups]\nCMG_HQ = ["pub"]\n[device_pools.DP_A]\ncm_group = '
                         '"CMG_HG"\ntftp = ["pub"]\n',
     "map.toml:4 [device_pools.DP_A.cm_group]: no CM group 'CMG_HG' in [cm_groups]; did you "
     "mean 'CMG_HQ'?"),
    ("empty TFTP list", POOL.replace('tftp = ["pub"]', "tftp = []"),
     "map.toml:3 [device_pools.DP_A.tftp]: expected a non-empty list of node names"),
    ("node twice", POOL.replace('tftp = ["pub"]', 'tftp = ["pub", "pub"]'),
     "map.toml:3 [device_pools.DP_A.tftp]: a node is listed twice"),
    ("odd node name", POOL.replace('["pub"]\ntftp', '["pub sub"]\ntftp'),
     "map.toml:2 [device_pools.DP_A.cm_group]: 'pub sub' is not a node name"),
    ("no tftp", '[device_pools.DP_A]\ncm_group = ["pub"]\n',
     "map.toml:1 [device_pools.DP_A]: missing required key 'tftp'"),
    ("override not a bool", POOL + '[itl_support]\n"Cisco 7960" = "no"\n',
     "map.toml:5 [itl_support.Cisco 7960]: expected true or false, got str 'no'"),
]


@pytest.mark.parametrize("case", BROKEN_MAP, ids=[c[0] for c in BROKEN_MAP])
def test_malformed_device_pool_map_is_one_line(tmp_path: Path, case: tuple[str, str, str]) -> None:
    _, content, message = case
    line = error_line(tmp_path, "map.toml", content, read_device_pools)
    assert line.startswith(message), line
