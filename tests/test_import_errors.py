"""Bad input to `itlsim import`: one line naming the file and place, and no output at all.

Each case breaks one input of the full sample import (test_import_job.request) and expects the
error's one line; the output folder must not appear, and an existing one must keep its bytes
(the files are written to a staging folder and moved in only once the scenario checks out).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_import_job import DATA, OUTPUTS, request

from sim.cluster import tftp
from sim.cluster.cluster import Cluster
from sim.errors import ItlsimError
from sim.importer.clusterspec import ClusterOptions
from sim.output.importjob import ImportRequest, import_scenario
from sim.scenario.clusterfile import load_cluster_file


def broken(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def flipped_signature(tmp_path: Path) -> str:
    data = bytearray((DATA / "ITLFile-cucm-pub.tlv").read_bytes())
    data[200] ^= 0xFF  # inside the header SIGNATURE
    return broken(tmp_path, "ITLFile-cucm-pub.tlv", bytes(data))


def other_clusters_itl(tmp_path: Path) -> str:
    """cucm-sub1's ITL from the same cluster file with another seed: other keys and serials."""
    cluster = Cluster.from_spec(load_cluster_file(str(DATA / "cluster.toml")), seed=99)
    tftp.start_all(cluster)
    return broken(tmp_path, "ITLFile-cucm-sub1.tlv", cluster.served["cucm-sub1"].itl.raw)


def bat_without(tmp_path: Path, column: str) -> str:
    text = (DATA / "phones-all-details.csv").read_text(encoding="utf-8-sig")
    return broken(tmp_path, "phones.csv", text.replace(column, "Something Else", 1).encode())


def fifo(tmp_path: Path, name: str) -> str:
    """A named pipe: a plain read would block forever (issue 9's show-itl defect)."""
    path = tmp_path / name
    os.mkfifo(path)
    return str(path)


def plan(tmp_path: Path, text: str) -> str:
    return broken(tmp_path, "plan.toml", text.encode())


CASES = [
    ("a CSV given as an ITL",
     lambda t: {"itl": (str(DATA / "phones-all-details.csv"),)},
     "phones-all-details.csv:1: unexpected text 'Device Name,Description"),
    ("a CTL given as an ITL", lambda t: {"itl": (str(DATA / "CTLFile.tlv"),)},
     "CTLFile.tlv: this is a CTL, not an ITL; give it with --ctl"),
    ("an ITL whose signature does not verify", lambda t: {"itl": (flipped_signature(t),)},
     "ITLFile-cucm-pub.tlv: signature does not verify with the key of record #5 (System "
     "Administrator Security Token, CN=ITLRECOVERY_cucm-pub.acme.example"),
    ("ITLs of two clusters", lambda t: {"itl": (str(DATA / "ITLFile-cucm-pub.tlv"),
                                                other_clusters_itl(t))},
     "ITLFile-cucm-sub1.tlv: ITLFile-cucm-pub.tlv record #3 (CAPF) and ITLFile-cucm-sub1.tlv "
     "record #3 (CAPF) name different CAPF certificates for the cluster (serial 53:A5"),
    ("a phone export without Device Pool",
     lambda t: {"phones": bat_without(t, "Device Pool")},
     "phones.csv:1: no 'Device Pool' column"),
    ("a status file naming a device the export lacks",
     lambda t: {"itl_status": broken(t, "status.csv", b"Device Name,ITL File Status\r\n"
                                                      b"SEP000000000001,Match\r\n")},
     "status.csv:2: SEP000000000001 is not in the inventory"),
    ("a device-pool map naming a node the files lack",
     lambda t: {"device_pools": broken(t, "pools.toml", (DATA / "devicepools.toml").read_bytes()
                                       .replace(b'tftp = ["cucm-sub1", "cucm-pub"]',
                                                b'tftp = ["cucm-sub3", "cucm-pub"]'))},
     "pools.toml [device_pools.DP_LYON.tftp]: no node 'cucm-sub3' in the imported ITL/CTL "
     "files; did you mean 'cucm-sub2'?"),
    ("a version outside the files' era",
     lambda t: {"options": ClusterOptions(version="11.5")},
     "--version: 11.5 contradicts the imported files: ITLFile-cucm-pub.tlv is signed by the "
     "ITLRecovery key: 12.0 or later (K5)"),
    ("phones without the device-pool map", lambda t: {"device_pools": None},
     "phones-all-details.csv: a phone inventory needs the device-pool map (--device-pools)"),
    ("a FIFO given as the phone export", lambda t: {"phones": fifo(t, "phones.csv")},
     "phones.csv: is a FIFO (named pipe), not a regular file; expected a BAT phone export"),
    ("/dev/zero given as an ITL", lambda t: {"itl": ("/dev/zero",)},
     "/dev/zero: is a character device, not a regular file; expected an ITL/CTL file or show "
     "itl/ctl text"),
    ("/dev/zero given as the plan", lambda t: {"plan": "/dev/zero"},
     "/dev/zero: is a character device, not a regular file; expected a plan"),
    ("a FIFO given as the ITL status", lambda t: {"itl_status": fifo(t, "status.csv")},
     "status.csv: is a FIFO (named pipe), not a regular file; expected"),
    ("a plan that sets the cluster", lambda t: {"plan": plan(t, '[cluster]\nname = "x"\n')},
     "plan.toml:1 [cluster]: [cluster] cannot be in a plan: it is imported from the artefacts"),
    ("a plan event naming no node",
     lambda t: {"plan": plan(t, '[simulation]\nduration = "1h"\n\n[[events]]\nat = "10min"\n'
                                'action = "change_hostname"\nnode = "cucm-pbu"\n'
                                'new_name = "cucm-p1"\n')},
     "plan.toml:7 [events.0.node]: no node called 'cucm-pbu'; did you mean 'cucm-pub'?"),
]


@pytest.mark.parametrize(("case", "change", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_leaves_no_output(tmp_path: Path, case, change,
                                                    message: str) -> None:
    out = tmp_path / "out"
    with pytest.raises(ItlsimError) as caught:
        import_scenario(request(out, **change(tmp_path)))
    line = str(caught.value)
    assert "\n" not in line and message in line, line
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_failed_import_leaves_the_previous_one_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "out"
    import_scenario(request(out))
    (out / "plan-notes.txt").write_text("mine")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(ItlsimError):
        import_scenario(request(out, itl_status=str(DATA / "phones-all-details.csv")))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_new_import_replaces_its_own_files_only(tmp_path: Path) -> None:
    """Files of ours the new import does not write (no certificates without ITL/CTL) go; the
    user's stay."""
    out = tmp_path / "out"
    import_scenario(request(out))
    (out / "plan.toml").write_text("# mine\n")
    import_scenario(ImportRequest(out=str(out), phones=str(DATA / "phones-all-details.csv"),
                                  device_pools=str(DATA / "devicepools.toml"),
                                  options=ClusterOptions(version="12.5", publisher="cucm-pub")))
    assert sorted(p.name for p in out.iterdir()) == ["inventory.csv", "plan.toml",
                                                     "scenario.toml"]
    assert set(OUTPUTS) > {"inventory.csv", "scenario.toml"}
