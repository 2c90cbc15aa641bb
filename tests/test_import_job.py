"""`itlsim import`: the import samples become the cluster and fleet they were made from.

The samples in tests/data/import were written by tools/make_import_samples.py from
tests/data/import/cluster.toml and its seed; importing them must give back that cluster
(nodes, roles, services, addresses, key sizes, domain, organisation, CAPF name, the 12.x era
from the ITLRecovery signer), the fleet with its real device names, and each phone's ITL at
t = 0 as its reported hash says (O2, I46). The simulated cluster uses the real certificates:
TVS and CAPF records byte for byte, the signers as re-keyed twins with the real serial and
issuer (P2, P5).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import shutil
from pathlib import Path

import pytest

from sim.cluster import tftp
from sim.cluster.cluster import Cluster
from sim.fleet.run import simulate
from sim.importer import read_bat_export, read_device_pools, read_itl_status
from sim.importer.clusterspec import ClusterOptions
from sim.output.importjob import ImportRequest, import_scenario
from sim.scenario.clusterfile import load_cluster_file
from sim.scenario.scenario import load_scenario
from sim.trust import trustlist
from sim.trust.certificates import Role
from sim.trust.trustlist import Function, encode_record

DATA = Path(__file__).parent / "data" / "import"
SHARED = Path(__file__).parents[2] / "shared" / "testdata"
OUTPUTS = ("scenario.toml", "inventory.csv", "certificates.toml")


def request(out: Path, **changes: object) -> ImportRequest:
    """The full sample import: both ITL files, the CTL, the BAT export, map and status."""
    fields: dict[str, object] = dict(
        out=str(out), itl=(str(DATA / "ITLFile-cucm-pub.tlv"), str(DATA / "ITLFile-cucm-sub1.tlv")),
        ctl=str(DATA / "CTLFile.tlv"), phones=str(DATA / "phones-all-details.csv"),
        device_pools=str(DATA / "devicepools.toml"), itl_status=str(DATA / "itl-status.csv"))
    fields.update(changes)
    return ImportRequest(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("import") / "acme"
    import_scenario(request(out))
    return out


def rows(folder: Path) -> list[dict[str, str]]:
    with open(folder / "inventory.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_import_gives_back_the_cluster_the_samples_were_made_from(imported: Path) -> None:
    """T1, T6, T8: nodes from the records, the publisher from ITLRecovery, services from the
    records and the device-pool map, addresses from the CTL, 12.x from the ITLRecovery signer."""
    made = load_cluster_file(str(DATA / "cluster.toml"))
    got = load_scenario(imported / "scenario.toml").cluster
    assert (got.version, got.domain, got.security_mode, got.organisation) == (
        made.version, made.domain, made.security_mode, made.organisation)
    assert [(n.name, n.role, n.ip, n.services) for n in got.nodes] == [
        (n.name, n.role, n.ip, n.services) for n in made.nodes]
    assert all(set(n.key_bits.values()) == {2048} for n in got.nodes)
    assert got.issued == made.issued


def test_the_simulated_itl_carries_the_real_tvs_and_capf_records(imported: Path) -> None:
    """P5: phones trust TVS by the real CERTHASH; P2: the signers keep their real serial and
    issuer (re-keyed twins), so the simulated ITL has the real file's layout and length."""
    scenario = load_scenario(imported / "scenario.toml")
    cluster = Cluster.from_spec(scenario.cluster, scenario.seed)
    tftp.start_all(cluster)
    for node in ("cucm-pub", "cucm-sub1"):
        real = trustlist.read(DATA / f"ITLFile-{node}.tlv")
        simulated = cluster.served[node].itl
        assert len(simulated.raw) == len(real.raw)
        for a, b in zip(real.records, simulated.records, strict=True):
            assert (a.function, a.subject_name, a.serial, a.issuer_name) == (
                b.function, b.subject_name, b.serial, b.issuer_name)
            kept = a.function in (Function.TVS, Function.CAPF)
            assert (encode_record(a) == encode_record(b)) is kept
        assert simulated.raw != real.raw  # re-signed with simulation-only keys
        trustlist.check(simulated)
    tvs = cluster.nodes["cucm-sub2"].certs[Role.TVS]
    assert tvs.kept and tvs.sha1 == bytes.fromhex("e8aaf5e65e81e2f9a18966dcd8d24639e14d1a40")


def test_every_device_keeps_its_name_and_the_state_its_report_says(imported: Path) -> None:
    """O2, I46: the reported hash of a node's real ITL -> current from that node; an unknown
    hash -> pre10 (--unknown-itl); Not Installed or no ITL support -> none."""
    pools = read_device_pools(DATA / "devicepools.toml")
    phones = {p.name: p for p in read_bat_export(DATA / "phones-all-details.csv", pools.rules)}
    served = {hashlib.sha1((DATA / f"ITLFile-{n}.tlv").read_bytes()).digest(): n
              for n in ("cucm-pub", "cucm-sub1")}
    reported = {s.name: s for s in read_itl_status(DATA / "itl-status.csv")}
    found = {r["device_name"]: r for r in rows(imported)}
    assert set(found) == set(phones)
    for name, row in found.items():
        status, phone = reported.get(name), phones[name]
        if not phone.itl_support or (status and status.status == "Not Installed"):
            expected = ("none", "")
        elif status is None or status.itl_hash is None:
            expected = ("current", "")
        elif status.itl_hash in served:
            node = served[status.itl_hash]
            first = pools.pools[phone.device_pool].tftp[0]
            expected = ("current", "" if node == first else node)
        else:
            expected = ("pre10", "")
        assert (row["initial_itl"], row["initial_itl_from"]) == expected, name
        assert (row["device_pool"], row["model"], row["description"]) == (
            phone.device_pool, phone.model, phone.description)
    assert {r["initial_itl"] for r in found.values()} == {"current", "pre10", "none"}
    assert any(r["initial_itl_from"] for r in found.values())


def test_the_run_names_the_real_devices_and_their_devicetlinfo_matches(imported: Path) -> None:
    """O2a at t = 0: phones holding a node's current ITL report Match against the node they
    got it from (initial_itl_from), 9.x-era ITLs MisMatch; every name is the export's."""
    result = simulate(load_scenario(imported / "scenario.toml",
                                    overrides=["simulation.duration=1min"]))
    states = {r["device_name"]: r for r in rows(imported)}
    assert result.phone_names == [r["device_name"] for r in rows(imported)]
    for name, _, node, _, _, status, *_ in result.devicetlinfo:
        row = states[name]
        if row["reports_devicetlinfo"] != "true":
            assert status == "Unknown"
        elif row["initial_itl"] == "current":
            assert status == "Match" and node == (row["initial_itl_from"] or node)
        elif row["initial_itl"] == "pre10":
            assert status == "MisMatch"
        else:
            assert status == "Not Installed"


def test_reimport_gives_the_same_bytes_from_any_folder(tmp_path: Path, imported: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Inputs are named by file name and SHA-256, never by path or time."""
    copy = tmp_path / "inputs"
    shutil.copytree(DATA, copy)
    monkeypatch.chdir(copy)
    relative = request(tmp_path / "again", itl=("ITLFile-cucm-sub1.tlv", "ITLFile-cucm-pub.tlv"),
                       ctl="CTLFile.tlv", phones="phones-all-details.csv",
                       device_pools="devicepools.toml", itl_status="itl-status.csv")
    import_scenario(relative)
    for name in OUTPUTS:
        assert (tmp_path / "again" / name).read_bytes() == (imported / name).read_bytes(), name


def test_show_text_gives_the_same_cluster_as_the_files(tmp_path: Path, imported: Path) -> None:
    """O1: pasted show itl / show ctl text carries every value [cluster] needs; only the
    certificates' DER and keys are missing (twins from the names then)."""
    import_scenario(request(tmp_path / "text", itl=(str(DATA / "show-itl-cucm-pub.txt"),
                                                    str(DATA / "show-itl-cucm-sub1.txt")),
                            ctl=str(DATA / "show-ctl.txt")))
    from_text = load_scenario(tmp_path / "text" / "scenario.toml")
    from_files = load_scenario(imported / "scenario.toml")
    assert [(n.name, n.role, n.ip, n.services, n.key_bits) for n in from_text.cluster.nodes] == [
        (n.name, n.role, n.ip, n.services, n.key_bits) for n in from_files.cluster.nodes]
    assert (tmp_path / "text" / "inventory.csv").read_bytes() == (
        imported / "inventory.csv").read_bytes()
    certs = from_text.cluster.nodes[0].certificates
    assert all(c.der is None and c.public_key is None for c in certs.values())


def test_the_listphone_dump_gives_the_same_fleet(tmp_path: Path, imported: Path) -> None:
    import_scenario(request(tmp_path / "axl", phones=str(DATA / "listphone.json")))
    axl = {r["device_name"]: (r["population"], r["initial_itl"]) for r in rows(tmp_path / "axl")}
    assert axl == {r["device_name"]: (r["population"], r["initial_itl"])
                   for r in rows(imported)}


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/testdata is not beside the project")
def test_a_real_cucm_ctl_alone_gives_a_runnable_cluster(tmp_path: Path) -> None:
    """The real CTL of shared/testdata (2015 lab cluster): three nodes with their addresses, the
    publisher from ITLRecovery, 11.x (signed by CallManager, lists ITLRecovery: K4, T7)."""
    import_scenario(ImportRequest(out=str(tmp_path / "real"),
                                  ctl=str(SHARED / "cucm-ctl-gigantic6.tlv")))
    scenario = load_scenario(tmp_path / "real" / "scenario.toml",
                             overrides=["simulation.duration=10min"])
    cluster = scenario.cluster
    assert (cluster.version, cluster.domain, cluster.security_mode) == ((11, 5), "cisco.com",
                                                                         "mixed")
    assert [(n.name, n.role, n.ip) for n in cluster.nodes] == [
        ("gigantic-6", "publisher", "10.35.48.106"), ("ccm-sjcctg-013", "subscriber",
                                                      "10.32.134.77"),
        ("gigantic-7", "subscriber", "10.35.150.151")]
    assert simulate(scenario).summary["locked_final"] == 0


def test_a_changed_version_must_stay_in_the_files_era(tmp_path: Path) -> None:
    import_scenario(request(tmp_path / "v14", options=ClusterOptions(version="14")))
    assert load_scenario(tmp_path / "v14" / "scenario.toml").cluster.version == (14, 0)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/testdata is not beside the project")
def test_a_third_party_itl_is_refused_in_one_line(tmp_path: Path) -> None:
    """shared/testdata's ITL was built for an Asterisk setup: no TFTP record names a CUCM node."""
    from sim.errors import ArtefactError

    with pytest.raises(ArtefactError) as caught:
        import_scenario(ImportRequest(out=str(tmp_path / "x"),
                                      itl=(str(SHARED / "usecallmanager-itl.tlv"),)))
    assert str(caught.value).endswith(
        "usecallmanager-itl.tlv: not an ITL a CUCM TFTP server serves: it needs exactly one "
        "TFTP or CCM+TFTP record naming the node, found 0 (record functions: 0, 1, 7)")
    assert not (tmp_path / "x").exists()


def test_the_command_line_import_and_its_errors(tmp_path: Path) -> None:
    """`itlsim import` prints what it wrote; bad input is one line on stderr and exit code 2."""
    from test_cli_jobs import invoke

    good = invoke("import", "--itl", str(DATA / "ITLFile-cucm-pub.tlv"), "--phones",
                  str(DATA / "listphone.json"), "--device-pools", str(DATA / "devicepools.toml"),
                  "--out", str(tmp_path / "cli"))
    assert good.exit_code == 0, good.output
    assert "208 phones in 12 populations" in good.output  # no status file: all current
    assert load_scenario(tmp_path / "cli" / "scenario.toml").phone_count == 208
    bad = invoke("import", "--itl", str(DATA / "CTLFile.tlv"), "--out", str(tmp_path / "bad"))
    assert bad.exit_code == 2
    assert bad.output == f"itlsim: {DATA / 'CTLFile.tlv'}: this is a CTL, not an ITL; give it " \
                         "with --ctl\n"


def test_show_ctl_saying_there_is_none_means_non_secure(tmp_path: Path) -> None:
    """TN 118893: a cluster without a CTL answers 'CTL File not found'; its ITL's TFTP record
    is then TFTP, not CCM+TFTP (T1), and the import says where non-secure came from."""
    none = tmp_path / "show-ctl.txt"
    none.write_text("admin:show ctl\nLength of CTL file: 0\nCTL File not found . Please run "
                    "CTLClient plugin or run the CLI - utils ctl.. to generate the CTL file.\n"
                    "Error parsing the CTL File.\nadmin:\n")
    cluster = load_cluster_file(str(DATA / "cluster.toml"))
    non_secure = Cluster.from_spec(dataclasses.replace(cluster, security_mode="non-secure"), 13)
    tftp.start_all(non_secure)
    itl = tmp_path / "ITLFile.tlv"
    itl.write_bytes(non_secure.served["cucm-pub"].itl.raw)
    import_scenario(ImportRequest(out=str(tmp_path / "out"), itl=(str(itl),), ctl=str(none)))
    text = (tmp_path / "out" / "scenario.toml").read_text()
    assert 'security_mode = "non-secure"  # show-ctl.txt: CUCM has no CTL' in text
    assert load_scenario(tmp_path / "out" / "scenario.toml").cluster.security_mode == "non-secure"


def test_inputs_are_listed_with_the_digest_of_the_bytes_their_reader_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The header's SHA-256 of each input is of the bytes the import parsed: a file saved again
    right after its reader read it (an editor, a sync client) keeps its listed digest, and the
    map, status file and plan are each read once (``importer.source.digests``)."""
    import collections

    import sim.importer.source
    import sim.scenario.tomlsource

    names = ("devicepools.toml", "itl-status.csv")
    for name in names:
        shutil.copy(DATA / name, tmp_path / name)
    shutil.copy(Path(__file__).parents[1] / "scenarios" / "imported-cluster" / "plan.toml",
                tmp_path / "plan.toml")
    parsed = {name: hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
              for name in (*names, "plan.toml")}
    reads: collections.Counter[str] = collections.Counter()
    real = sim.importer.source.read_regular

    def read_then_saved_again(path: str, limit: int) -> bytes:
        data = real(path, limit)
        if Path(path).parent == tmp_path:
            reads[Path(path).name] += 1
            Path(path).write_bytes(data + b"\n")
        return data

    monkeypatch.setattr(sim.importer.source, "read_regular", read_then_saved_again)
    monkeypatch.setattr(sim.scenario.tomlsource, "read_regular", read_then_saved_again)
    import_scenario(request(tmp_path / "out", device_pools=str(tmp_path / "devicepools.toml"),
                            itl_status=str(tmp_path / "itl-status.csv"),
                            plan=str(tmp_path / "plan.toml")))
    header = (tmp_path / "out" / "scenario.toml").read_text().split("\n\n")[0]
    listed = {line.split()[1]: line.split()[2] for line in header.splitlines()
              if line.startswith("#   ")}
    assert {name: listed[name] for name in parsed} == {n: d[:16] for n, d in parsed.items()}
    assert reads == {name: 1 for name in parsed}
