"""A scenario's [inventory] and [cluster] certificates files: read, checked, one line each.

The inventory gives populations their real device names (counts from the rows, or checked
against them); the certificates file gives the cluster its imported certificates, each value
checked against the certificate itself. Both are part of the scenario's identity.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim.errors import ConfigError
from sim.fleet.run import simulate
from sim.scenario.scenario import load_scenario, scenario_hash

SCENARIO = """
[simulation]
duration = "10min"

[cluster]
version = "12.5(1)"
domain = "corp.example"
{certificates}

[cluster.organisation]
ou = "UC"
o = "Corp"
l = "Bern"
st = "BE"
c = "CH"

[[cluster.nodes]]
name = "pub"
role = "publisher"
services = ["CallManager", "TFTP", "TVS", "CAPF"]

[inventory]
file = "inventory.csv"

[[phones]]
name = "desk"
{count}

[[phones]]
name = "lobby"
count = 2
"""
INVENTORY = ('device_name,population,description\n'
             'SEP0011AABBCC01,desk,"Lobby phone\nafter hours: dial 0"\n'
             'SEP0011AABBCC02,desk,Room 2\n'
             'CSFJDOE,desk,Jabber\n')


def write(tmp_path: Path, inventory: str = INVENTORY, count: str = "",
          certificates: str = "") -> Path:
    (tmp_path / "inventory.csv").write_text(inventory, encoding="utf-8")
    path = tmp_path / "scenario.toml"
    path.write_text(SCENARIO.format(count=count, certificates=certificates))
    return path


def error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    assert "\n" not in str(caught.value)
    return caught.value


def test_inventory_names_the_phones_of_its_populations(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path))
    assert [(p.name, p.count) for p in scenario.populations] == [("desk", 3), ("lobby", 2)]
    result = simulate(scenario)
    assert result.phone_names == ["SEP0011AABBCC01", "SEP0011AABBCC02", "CSFJDOE",
                                  "SEP001122000003", "SEP001122000004"]
    assert {line.split('"phone": "')[1].split('"')[0] for line in result.event_lines
            if '"kind": "phone"' in line} <= set(result.phone_names)


def test_the_inventory_is_part_of_the_scenarios_identity(tmp_path: Path) -> None:
    first = scenario_hash(load_scenario(write(tmp_path)))
    second = scenario_hash(load_scenario(write(tmp_path, INVENTORY.replace("Room 2", "Room 3"))))
    assert first != second


@pytest.mark.parametrize(("inventory", "count", "where", "message"), [
    (INVENTORY, "count = 2", "scenario.toml:27 [phones.0.count]",
     "count 2 but the inventory"),
    (INVENTORY.replace("CSFJDOE,desk", "CSFJDOE,dsek"), "", "inventory.csv:5 [population]",
     "no [[phones]] entry named 'dsek'; did you mean 'desk'?"),
    (INVENTORY + "sep0011aabbcc02,desk,again\n", "", "inventory.csv:6 [device_name]",
     "sep0011aabbcc02 appears again (first on line 4)"),
    (INVENTORY.replace("CSFJDOE", "CSF J DOE"), "", "inventory.csv:5 [device_name]",
     "'CSF J DOE' is not a device name"),
    ("device_name,pop\nSEP0011AABBCC01,desk\n", "", "inventory.csv:1",
     "no column 'population'"),
])
def test_inventory_errors_name_the_row(tmp_path: Path, inventory: str, count: str, where: str,
                                       message: str) -> None:
    found = error(write(tmp_path, inventory, count))
    key = f" [{found.key}]" if found.key else ""
    assert f"{Path(found.path).name}:{found.line}{key}" == where
    assert message in found.reason


def test_an_inventory_that_is_not_a_regular_file_is_refused_unread(tmp_path: Path) -> None:
    """A FIFO would block a plain read forever (as in issue 9's show-itl defect)."""
    path = write(tmp_path)
    (tmp_path / "inventory.csv").unlink()
    os.mkfifo(tmp_path / "inventory.csv")
    found = error(path)
    assert found.key == "inventory.file"
    assert found.reason.endswith("inventory.csv: is a FIFO (named pipe), not a regular file; "
                                 "expected a CSV file")


def test_a_population_without_rows_needs_a_count(tmp_path: Path) -> None:
    path = write(tmp_path, "device_name,population\n")
    assert "missing required key 'count' (the inventory" in error(path).reason


CERT = """
[[certificates]]
node = "pub"
role = "TVS"
subject = "CN=pub.corp.example;OU=UC;O=Corp;L=Bern;ST=BE;C=CH"
issuer = "CN=pub.corp.example;OU=UC;O=Corp;L=Bern;ST=BE;C=CH"
serial = "01:02:03"
key_bits = 2048
sha1 = "{sha1}"
"""


def test_certificates_give_the_node_its_imported_identity(tmp_path: Path) -> None:
    (tmp_path / "certs.toml").write_text(CERT.format(sha1="AB" * 20))
    scenario = load_scenario(write(tmp_path, certificates='certificates = "certs.toml"'))
    real = scenario.cluster.nodes[0].certificates
    assert [(r.value, c.serial, c.sha1) for r, c in real.items()] == [
        ("TVS", b"\x01\x02\x03", b"\xab" * 20)]
    (tmp_path / "certs.toml").write_text(CERT.format(sha1="AB" * 20).replace('"TVS"', '"CAPF"'))
    assert scenario_hash(load_scenario(tmp_path / "scenario.toml")) != scenario_hash(scenario)


@pytest.mark.parametrize(("change", "message"), [
    (("AB" * 20, "AB" * 19), "[certificates.0.sha1]: expected 20 bytes, got 19"),
    (('node = "pub"', 'node = "sub"'), "[certificates.0.node]: no node 'sub' in [cluster]"),
    (("sha1 =", "sha =", 1), "[certificates.0.sha]: unknown key 'sha'; did you mean 'sha1'?"),
    (("key_bits = 2048", "key_bits = 4096"), "[certificates.0.key_bits]: 4096 is not valid"),
])
def test_certificate_errors_name_the_key(tmp_path: Path, change: tuple,
                                         message: str) -> None:
    (tmp_path / "certs.toml").write_text(CERT.format(sha1="AB" * 20).replace(*change))
    found = error(write(tmp_path, certificates='certificates = "certs.toml"'))
    assert Path(found.path).name == "certs.toml" and message in str(found), str(found)
