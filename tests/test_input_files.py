"""Inputs a user can point itlsim at by mistake (issue 9, points 1 and 2): special files, huge
files, byte-order marks, deep nesting and absurd names are refused with one line, exit 2,
quickly, without reading more than the cap.

The special-file tests run the real command in a process with a timeout: before the fix a FIFO
blocked forever and ``/dev/zero`` ate memory until MemoryError.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_helpers import SMALL_RUN, itlsim

from sim.errors import ConfigError, TLVError
from sim.scenario.scenario import load_scenario
from sim.scenario.tomlsource import MAX_NESTING, TomlSource
from sim.trust import trustlist
from sim.trust.trustlist import MAX_CTL_BYTES, MAX_ITL_BYTES

GIB = 1 << 30


@pytest.fixture()
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "ITLFile.tlv"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("command", ["show-itl", "show-ctl"])
def test_show_refuses_a_fifo_and_dev_zero_without_reading(command: str, fifo: Path) -> None:
    for path, kind in ((fifo, "a FIFO (named pipe)"), (Path("/dev/zero"), "a character device")):
        result = itlsim(command, str(path), timeout=30, memory=2 * GIB)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == (f"itlsim: {path}: is {kind}, not a regular file; expected an "
                                 f"ITL/CTL file such as ITLFile.tlv\n")


def test_T5_show_itl_refuses_a_file_larger_than_a_phone_loads(tmp_path: Path,
                                                              real_itl: Path) -> None:
    """T5: an ITL over 64 KB cannot be loaded by phones, so show-itl stops there."""
    path = tmp_path / "ITLFile.tlv"
    path.write_bytes(real_itl.read_bytes() + bytes(MAX_ITL_BYTES))
    result = itlsim("show-itl", str(path))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"itlsim: {path}: {path.stat().st_size:,} bytes is more than the "
                             f"65,536 allowed for an ITL: phones cannot load an ITL over 64 KB "
                             f"(T5); expected an ITL/CTL file such as ITLFile.tlv\n")
    exactly = tmp_path / "limit.tlv"
    exactly.write_bytes(bytes(MAX_ITL_BYTES))
    with pytest.raises(TLVError, match="at byte 0: unknown tag 0"):  # read, then parsed
        trustlist.read(exactly, kind="ITL")


def test_show_ctl_cap_is_256_kib(tmp_path: Path) -> None:
    path = tmp_path / "CTLFile.tlv"
    path.write_bytes(bytes(MAX_CTL_BYTES + 1))
    with pytest.raises(TLVError, match="262,145 bytes is more than the 262,144 allowed for a "
                                       "CTL"):
        trustlist.read(path, kind="CTL")


def test_a_bom_is_one_line_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + SMALL_RUN.encode())
    with pytest.raises(ConfigError) as error:
        load_scenario(path)
    assert str(error.value) == (f"{path}:1: starts with a UTF-8 byte-order mark (BOM), which "
                                f"TOML does not allow; save the file as UTF-8 without BOM")


def test_5000_deep_arrays_are_one_line_not_a_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    result = itlsim("validate", str(path), timeout=30)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"itlsim: {path}: arrays or inline tables nested too "
                                    f"deeply to read")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_nesting_that_parses_is_still_refused_at_its_line() -> None:
    text = SMALL_RUN + "[recovery]\nx = " + "[" * 40 + "]" * 40 + "\n"
    with pytest.raises(ConfigError, match=rf":\d+ \[recovery\.x(\.0)+\]: values nested more "
                                          rf"than {MAX_NESTING} levels deep"):
        TomlSource.parse(text, "deep.toml")


def test_a_deep_override_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(SMALL_RUN)
    with pytest.raises(ConfigError, match=r"^--set phones\.0\.count=\[+\.\.\.: arrays or "
                                          r"inline tables nested too deeply"):
        load_scenario(path, overrides=["phones.0.count=" + "[" * 3000 + "]" * 3000])


def test_toml_special_files_are_refused(fifo: Path) -> None:
    result = itlsim("validate", str(fifo), timeout=30)
    assert result.returncode == 2
    assert result.stderr == (f"itlsim: {fifo}: is a FIFO (named pipe), not a regular file; "
                             f"expected a TOML file\n")


@pytest.mark.parametrize(("edit", "message"), [
    (('name = "office"', f'name = "{"x" * 200_000}"'),
     "[phones.0.name]: 200,000 characters; at most 50 (a CUCM device pool name holds at most "
     "50)"),
    (('name = "cucm1"', f'name = "{"c" * 64}"'),
     "[cluster.nodes.0.name]: 64 characters; at most 63 (a DNS label holds at most 63, "
     "RFC 1035)"),
    (('new_name = "cucm1b"', 'new_name = "cucm_1b"'),
     "[events.0.new_name]: 'cucm_1b' is not a host name"),
    (('seed = 3', 'seed = 3\nname = "../../x"'),
     "[simulation.name]: '../../x' cannot name a results folder"),
    (('seed = 3', f'seed = 3\ndescription = "{"d" * 5000}"'),
     "[simulation.description]: 5,000 characters; text values hold at most 2,000"),
])
def test_names_and_text_are_capped(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    path = tmp_path / "small.toml"
    path.write_text(SMALL_RUN.replace(*edit, 1))
    with pytest.raises(ConfigError) as error:
        load_scenario(path)
    assert message in str(error.value)


def test_a_file_stem_that_cannot_name_a_folder_asks_for_a_name(tmp_path: Path) -> None:
    path = tmp_path / ".hidden.toml"
    path.write_text(SMALL_RUN)
    with pytest.raises(ConfigError, match=r"\[simulation\.name\]: the file name '\.hidden' "
                                          r"cannot name a results folder.*; set simulation.name"):
        load_scenario(path)
