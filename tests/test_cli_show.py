"""`itlsim show-itl` / `show-ctl`: output, exit codes (0/1/2) and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sim.cli import main


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def corrupt(tmp_path: Path, source: Path, name: str, edit: dict[int, int] | None = None,
            size: int | None = None) -> Path:
    data = bytearray(source.read_bytes())
    for offset, value in (edit or {}).items():
        data[offset] = value
    target = tmp_path / name
    target.write_bytes(bytes(data[:size]))
    return target


def test_show_itl_of_a_good_file(real_itl: Path) -> None:
    result = run("show-itl", str(real_itl))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith("The checksum value of the ITL file:\n")
    assert result.stdout.endswith("The ITL file was verified successfully.\n")


def test_show_ctl_json(real_ctl: Path) -> None:
    result = run("show-ctl", str(real_ctl), "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    data = json.loads(result.stdout)
    assert (data["kind"], data["length"], data["verified"], data["signer_record"]) == (
        "CTL", 7166, True, 1)
    assert data["records"][0]["ip_address"] == "10.35.48.106"


def test_kind_mismatch_is_a_note_not_an_error(real_ctl: Path) -> None:
    result = run("show-itl", str(real_ctl))
    assert result.exit_code == 0
    assert result.stderr == (f"itlsim: note: {real_ctl} is a CTL file (FILENAME CTLFile.tlv); "
                             "showing it as a CTL\n")
    assert "Parse CTL File" in result.stdout


def test_flipped_signed_byte_exits_1(tmp_path: Path, real_ctl: Path) -> None:
    path = corrupt(tmp_path, real_ctl, "CTLFile.tlv", {2700: 0x41})
    result = run("show-ctl", str(path))
    reason = ("signature does not verify with the key of record #1 (System Administrator Security "
              "Token, CN=gigantic-6.cisco.com;OU=VTG;O=Alpha;L=SJ;ST=CA;C=US); the CTL was "
              "altered or signed by another key")
    assert result.exit_code == 1
    assert result.stderr == f"itlsim: {path}: {reason}\n"
    assert result.stdout.endswith(f"The CTL file {path} was not verified: {reason}\n")


def test_flipped_signature_byte_exits_1_in_json(tmp_path: Path, real_itl: Path) -> None:
    path = corrupt(tmp_path, real_itl, "ITLFile.tlv", {200: 0x00})
    result = run("show-itl", str(path), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["verified"] is False
    assert result.stderr.count("\n") == 1 and "signature does not verify" in result.stderr


@pytest.mark.parametrize(("name", "edit", "size", "message"), [
    ("empty.tlv", None, 0, "at byte 0: empty input: 0 bytes; an ITL/CTL file starts with VERSION "
     "(tag 1, value 01 02)"),
    ("truncated.tlv", None, 1000, "at byte 388: record length mismatch: RECORDLENGTH 1484 of "
     "record #1 must be between 6 and the 612 bytes left in the file"),
    ("header-cut.tlv", None, 300, "at byte 5: HEADERLENGTH 388 does not fit the file: it must lie "
     "between 11 and the file size 300"),
    ("long-name.tlv", {19: 0x01}, None, "at byte 18: SIGNERNAME (tag 4) declares 279 bytes but "
     "only 68 remain before the end of SIGNERID (byte 89)"),
    ("unknown-tag.tlv", {366: 99}, None, "at byte 366: unknown tag 99 in the header; valid tags "
     "there are 1-15 and 28"),
    ("record-tag.tlv", {1877: 13}, None, "at byte 1877: unknown tag 13 in record #2; valid tags "
     "there are 1-12"),
    ("version.tlv", {4: 0x03}, None, "at byte 0: VERSION is 01 03; only 01 02 (1.2) is valid"),
])
def test_malformed_files_exit_2_with_one_line(tmp_path: Path, real_itl: Path, name: str,
                                              edit: dict[int, int] | None, size: int | None,
                                              message: str) -> None:
    path = corrupt(tmp_path, real_itl, name, edit, size)
    result = run("show-itl", str(path))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"itlsim: {path} {message}\n"


def test_missing_path_and_directory_exit_2(tmp_path: Path) -> None:
    missing = run("show-itl", str(tmp_path / "ITLFile.tlv"))
    assert (missing.exit_code, missing.stderr) == (2, f"itlsim: {tmp_path / 'ITLFile.tlv'}: no "
                                                      "such file; expected an ITL/CTL file such "
                                                      "as ITLFile.tlv\n")
    directory = run("show-ctl", str(tmp_path), "--json")
    assert (directory.exit_code, directory.stderr) == (2, f"itlsim: {tmp_path}: is a directory; "
                                                          "expected an ITL/CTL file such as "
                                                          "ITLFile.tlv\n")


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "show-itl" in result.stdout and "show-ctl" in result.stdout


@pytest.mark.parametrize(("command", "utc", "auckland"), [
    ("show-itl", "Tue Dec 30 17:25:42 UTC 2025", "Wed Dec 31 06:25:42 NZDT 2025"),
    ("show-ctl", "Thu May 07 03:10:47 UTC 2015", "Thu May 07 15:10:47 NZST 2015")])
def test_O1a_timezone_prints_times_as_the_clusters_cli_does(real_itl: Path, real_ctl: Path,
                                                             command: str, utc: str,
                                                             auckland: str) -> None:
    """The files' TIMESTAMPs in UTC (the default) and in Auckland's summer and winter time;
    JSON gives the same text."""
    path = str(real_itl if command == "show-itl" else real_ctl)
    kind = command[-3:].upper()
    for args, when in (((), utc), (("--timezone", "Pacific/Auckland"), auckland)):
        result = run(command, path, *args)
        assert result.exit_code == 0
        assert f"The {kind} File was last modified on {when}\n" in result.stdout
        assert json.loads(run(command, path, "--json", *args).stdout)["last_modified"] == when


def test_an_unknown_timezone_exits_2_naming_valid_ones(real_itl: Path) -> None:
    result = run("show-itl", str(real_itl), "--timezone", "Mars/Base")
    assert result.exit_code == 2
    assert ("Invalid value for '--timezone': 'Mars/Base' is not a time zone (expected an IANA "
            "name such as 'UTC'") in result.stderr
