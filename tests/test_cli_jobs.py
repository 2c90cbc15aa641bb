"""The ``make-itl``, ``validate`` and ``run`` commands end to end (issue 2 items 2 and 6, issue 4
items 5 and 7): real files written, read back and verified; reruns byte-identical; bad input
one line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import SMALL_RUN
from click.testing import CliRunner

from sim.cli import main
from sim.trust import trustlist
from sim.trust.trustlist import Function

ROOT = Path(__file__).resolve().parents[1]
SEED_CLUSTER = ROOT / "scenarios" / "seed-cluster.toml"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_make_itl_writes_the_seed_clusters_itl_as_the_seed_shows_it(tmp_path: Path) -> None:
    out = tmp_path / "ITLFile.tlv"
    result = invoke("make-itl", str(SEED_CLUSTER), "--node", "test10pub", "--out", str(out))
    assert result.exit_code == 0, result.output
    tl = trustlist.read(out)
    assert tl.header_length == 324
    assert len(tl.signer_name) + 1 == 57 and len(tl.signer_serial) == 16
    assert [r.function for r in tl.records] == [Function.SAST, Function.TFTP, Function.CAPF,
                                                Function.TVS, Function.SAST, Function.TVS]
    lengths = [len(trustlist.encode_record(r)) for r in tl.records]
    # T1/T2 with the seed's sizes; the ITLRecovery record is 1147, not 1141 (I3)
    assert lengths == [1115, 1115, 439, 455, 1147, 713]
    assert tl.records[2].subject_name.startswith("CN=CAPF-75638ad9;")
    assert trustlist.check(tl).function == Function.SAST
    shown = invoke("show-itl", str(out))
    assert shown.exit_code == 0
    assert "This etoken was used to sign the ITL file." in shown.output
    assert "The ITL file was verified successfully." in shown.output


def test_make_itl_is_byte_identical_for_the_same_seed_and_differs_per_node(tmp_path: Path
                                                                           ) -> None:
    paths = {}
    for name, node, seed in (("a", "test10pub", "5"), ("b", "test10pub", "5"),
                             ("c", "test10sub", "5"), ("d", "test10pub", "6")):
        paths[name] = tmp_path / f"{name}.tlv"
        assert invoke("make-itl", str(SEED_CLUSTER), "--node", node, "--out",
                      str(paths[name]), "--seed", seed).exit_code == 0
    data = {name: path.read_bytes() for name, path in paths.items()}
    assert data["a"] == data["b"]
    assert data["a"] != data["c"]  # T3: each TFTP node's ITL differs
    assert data["a"] != data["d"]  # another seed, other keys


def test_make_itl_reset_is_signed_by_itlrecovery(tmp_path: Path) -> None:
    out = tmp_path / "reset.tlv"
    assert invoke("make-itl", str(SEED_CLUSTER), "--node", "test10sub", "--out", str(out),
                  "--reset").exit_code == 0
    tl = trustlist.read(out)
    assert tl.signer_name.startswith("CN=ITLRECOVERY_test10pub.joemar2.lab;")  # A4, T6
    assert tl.header_length == 348  # 66-byte names would give 344 (I3)
    assert trustlist.check(tl).subject_name == tl.signer_name


@pytest.mark.parametrize(("args", "message"), [
    (("--node", "test10pb"), "[--node]: no node 'test10pb'; did you mean 'test10pub'?"),
])
def test_make_itl_bad_node_is_one_line(tmp_path: Path, args, message) -> None:
    result = invoke("make-itl", str(SEED_CLUSTER), *args, "--out", str(tmp_path / "x.tlv"))
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert not (tmp_path / "x.tlv").exists()


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL_RUN)
    return path


def run_files(scenario: Path, out: Path, *extra: str) -> dict[str, bytes]:
    result = invoke("run", str(scenario), "--out", str(out), "--quiet", *extra)
    assert result.exit_code == 0, result.output
    (folder,) = (out / "small").iterdir()
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def test_run_writes_every_result_file_and_reruns_are_byte_identical(scenario: Path,
                                                                    tmp_path: Path) -> None:
    first = run_files(scenario, tmp_path / "a")
    second = run_files(scenario, tmp_path / "b")
    assert set(first) == {"summary.json", "timeseries.csv", "recoveries.csv", "events.jsonl",
                          "devicetlinfo.csv", "recovery.png", "recovery.svg", "scenario.json",
                          "run.json"}
    for name in ("summary.json", "timeseries.csv", "recoveries.csv", "events.jsonl",
                 "devicetlinfo.csv", "recovery.png", "recovery.svg", "scenario.json"):
        assert first[name] == second[name], name
    assert first["recovery.png"].startswith(b"\x89PNG")
    assert b"<svg" in first["recovery.svg"][:500]
    assert json.loads(first["scenario.json"])["simulation"]["name"] == "small"
    other_seed = run_files(scenario, tmp_path / "c", "--seed", "4")
    assert other_seed["events.jsonl"] != first["events.jsonl"]


def test_run_outcome_hostname_change_then_localkey_reset(scenario: Path, tmp_path: Path
                                                         ) -> None:
    files = run_files(scenario, tmp_path / "a")
    summary = json.loads(files["summary.json"])
    assert summary["phones_total"] == 60
    assert summary["locked_peak"] == 60  # A3: every phone locks after the hostname change
    assert summary["locked_final"] == 0 and summary["recovered_bulk"] == 60  # A4
    assert summary["lock_reasons"] == {"itl-signer-unknown,tvs-untrusted": 60}
    assert summary["operations"] == {"done": 3, "refused": 0}
    assert summary["rsa_verifications"] < 10  # one check per distinct (file, key)


def test_run_time_series_is_tidy_and_counts_every_phone(scenario: Path, tmp_path: Path
                                                        ) -> None:
    run_files(scenario, tmp_path / "a")
    (folder,) = (tmp_path / "a" / "small").iterdir()
    frame = pd.read_csv(folder / "timeseries.csv")
    assert list(frame.columns) == ["time_s", "state", "phones", "registered"]
    wide = frame.pivot(index="time_s", columns="state", values="phones")
    assert (wide.sum(axis=1) == 60).all()
    assert list(wide.index[:3]) == [0, 300, 600] and wide.index[-1] == 7200
    assert wide.loc[1800, "locked"] == 60
    # between the 5-minute ticks, the instants of each interval's extremes: nothing is lost
    assert wide.index.is_unique and len(wide) > 7200 / 300 + 1
    assert wide["locked"].max() == 60 and wide["booting"].max() == 60


def test_run_event_log_has_operations_and_phone_changes_in_time_order(scenario: Path,
                                                                      tmp_path: Path) -> None:
    files = run_files(scenario, tmp_path / "a")
    lines = [json.loads(line) for line in files["events.jsonl"].decode().splitlines()]
    times = [line["t"] for line in lines]
    assert times == sorted(times)
    operations = [line for line in lines if line["kind"] == "operation"]
    assert [op["action"] for op in operations] == ["change_hostname", "itl_reset",
                                                   "reset_phones"]
    assert operations[1]["command"] == "utils itl reset localkey"
    locks = [line for line in lines if line["kind"] == "phone" and line["to"] == "locked"]
    assert len(locks) == 60 and locks[0]["reason"] == "itl-signer-unknown,tvs-untrusted"
    assert locks[0]["phone"].startswith("SEP") and len(locks[0]["phone"]) == 15


def test_run_devicetlinfo_report_matches_after_recovery(scenario: Path, tmp_path: Path
                                                        ) -> None:
    files = run_files(scenario, tmp_path / "a")
    rows = files["devicetlinfo.csv"].decode().splitlines()
    assert rows[0] == ("phone,population,tftp_server,phone_itl_sha1,tftp_itl_sha1,"
                       "itl_file_status,recoverable_by_bulk_reset,state,registered")
    assert len(rows) == 61
    # the reset ITL is still served (no TFTP restart in this timeline, A6): all Match (O2),
    # every phone registered again (P9)
    assert {row.split(",")[5] for row in rows[1:]} == {"Match"}
    assert {row.split(",")[8] for row in rows[1:]} == {"true"}


@pytest.mark.parametrize(("extra", "message"), [
    (("--set", "phones.0.cont=5"), "unknown key 'cont'; did you mean 'count'?"),
    (("--set", "events.1.mode=lockey"), "did you mean 'localkey'?"),
])
def test_run_bad_override_is_one_line_and_writes_nothing(scenario: Path, tmp_path: Path,
                                                          extra, message) -> None:
    result = invoke("run", str(scenario), "--out", str(tmp_path / "out"), "--quiet", *extra)
    assert result.exit_code == 2
    assert message in result.output and result.output.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_run_unwritable_out_is_one_line(scenario: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = invoke("run", str(scenario), "--out", str(blocker / "x"), "--quiet")
    assert result.exit_code == 2
    assert "[--out]: cannot create the results folder" in result.output


def test_validate_reports_ok_with_a_summary(scenario: Path) -> None:
    result = invoke("validate", str(scenario))
    assert result.exit_code == 0
    assert "OK - scenario 'small': 1-node 10.5 non-secure cluster" in result.output


def test_run_recovery_curves_count_bulk_and_manual_recoveries(scenario: Path, tmp_path: Path
                                                              ) -> None:
    run_files(scenario, tmp_path / "a")
    (folder,) = (tmp_path / "a" / "small").iterdir()
    frame = pd.read_csv(folder / "recoveries.csv")
    assert list(frame.columns) == ["time_s", "method", "phones"]
    wide = frame.pivot(index="time_s", columns="method", values="phones")
    assert wide.loc[1800, "bulk"] == 0  # locked, nothing recovered yet
    assert wide["bulk"].iloc[-1] == 60 and wide["manual"].iloc[-1] == 0  # A4: all in bulk
    assert wide["bulk"].is_monotonic_increasing


def test_itl_reset_restarts_tftp_so_phones_wait_out_the_outage(tmp_path: Path) -> None:
    """A4 (seed): `utils itl reset` restarts TFTP on each node; phones reset at the same moment
    get no file until the restart is over, then take the reset ITL."""
    path = tmp_path / "small.toml"
    path.write_text(SMALL_RUN.replace('at = "45min"\naction = "reset_phones"',
                                      'at = "40min"\naction = "reset_phones"')
                    + '\n[tftp]\nrestart = "5min"\n')
    files = run_files(path, tmp_path / "out")
    lines = [json.loads(line) for line in files["events.jsonl"].decode().splitlines()]
    recovered = [e["t"] for e in lines if e["kind"] == "phone" and e["to"] == "trusted"
                 and e["t"] > 2400]
    assert len(recovered) == 60
    assert min(recovered) >= 2400 + 300  # not before the 5-minute restart is over
    assert json.loads(files["summary.json"])["locked_final"] == 0


def test_refusals_by_version_warn_in_validate_and_show_in_the_run(tmp_path: Path) -> None:
    """Issue 10 item 1: on 8.6 CUCM refuses `utils itl reset` (no ITLRecovery, A4, section 2).
    validate warns (exit 0), the run simulates the refusal and the summary prints CUCM's
    message; recovery.png marks it refused."""
    path = tmp_path / "small.toml"
    path.write_text(SMALL_RUN.replace('version = "10.5(2)"', 'version = "8.6(2)"'))
    checked = CliRunner().invoke(main, ["validate", str(path)])
    assert checked.exit_code == 0
    assert checked.stderr == (f"itlsim: warning: {path}:34 [events.1.action]: CUCM 8.6 refuses "
                              f"itl_reset at 40 min: there is no ITLRecovery key before CUCM "
                              f"10.0(1) (section 2); the run simulates the refusal (nothing "
                              f"changes)\n")
    assert checked.stdout.startswith(f"{path}: OK - scenario 'small': 1-node 8.6")
    ran = invoke("run", str(path), "--out", str(tmp_path / "out"))
    assert ran.exit_code == 0, ran.output
    assert ("  operations: 2 done, 1 refused by CUCM\n"
            "    refused at 40min: utils itl reset localkey on cucm1:\n"
            "      \"Executed command unsuccessfully: utils itl reset needs 10.0(1) or later\"\n"
            ) in ran.output
    (folder,) = (tmp_path / "out" / "small").iterdir()
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["operations"] == {"done": 2, "refused": 1}
    assert summary["locked_final"] == 60  # nothing recovered the phones
    assert summary["time_to_99pct_locked_recovered_s"] is None
