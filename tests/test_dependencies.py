"""Dependencies that are honest (issue 9, point 7): no pyarrow, Dask only as an extra with a
one-line message when it is missing, SimPy bounded below 5 (the engine uses its internals), and
CI installs the lowest allowed versions and runs the suite there (``.ci/run``), so the floors in
pyproject.toml stay true.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from cli_helpers import ROOT
from sweep_helpers import sweep_text

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~ ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_pyarrow_is_not_needed_and_dask_is_an_extra() -> None:
    assert "pyarrow" not in names(PROJECT["dependencies"])
    assert not {"dask", "distributed"} & names(PROJECT["dependencies"])
    assert PROJECT["optional-dependencies"]["dask"] == ["dask[distributed]>=2024.1"]
    assert "dask[distributed]>=2024.1" in PROJECT["optional-dependencies"]["test"]
    for extra in PROJECT["optional-dependencies"].values():
        assert "pyarrow" not in names(extra)


def test_no_module_imports_pyarrow_and_only_the_executor_imports_dask() -> None:
    imports: dict[str, set[str]] = {}
    for path in (ROOT / "sim").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found = {node.module.split(".")[0]}
            else:
                continue
            imports.setdefault(str(path.relative_to(ROOT)), set()).update(found)
    assert [p for p, found in imports.items() if "pyarrow" in found] == []
    assert [p for p, found in imports.items() if {"dask", "distributed"} & found] == [
        "sim/sweep/executors.py"]


def test_simpy_is_bounded_below_5_and_floors_are_the_tested_ones() -> None:
    pins = {name: spec for name, spec in (re.match(r"([a-z]+)(.*)", r).groups()  # type: ignore
                                          for r in PROJECT["dependencies"])}
    assert pins["simpy"] == ">=4.1,<5"
    # the lowest versions that pass the suite (uv pip install --resolution lowest-direct):
    # duckdb 1.0-1.1 fail resume and 1.2.0-1.2.1 --retry-failed (a primary key deleted and
    # re-inserted in one transaction); matplotlib 3.8 breaks the notebook's inline backend
    # with IPython 9 and the plots call Artist.get_figure(root=True), new in 3.10; click 8.1's
    # CliRunner mixes stderr into output
    assert (pins["duckdb"], pins["matplotlib"], pins["click"]) == (">=1.2.2", ">=3.10",
                                                                   ">=8.2")


def test_ci_runs_the_suite_on_the_lowest_versions() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert "--resolution lowest-direct" in script and "-m pytest" in script.split(
        "lowest-direct", 1)[1]


def test_scheduler_without_dask_is_one_line(tmp_path: Path) -> None:
    """Without the extra, --scheduler says how to get Dask instead of an ImportError."""
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(sweep_text('[parameters.n]\npath = "phones.0.count"\nvalues = [10]\n'))
    hide_dask = (
        "import sys, importlib.abc\n"
        "class Hide(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] in ('dask', 'distributed'):\n"
        "            raise ImportError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, Hide())\n"
        "from sim.cli import main\n"
        "main(sys.argv[1:], prog_name='itlsim')\n")
    result = subprocess.run([sys.executable, "-c", hide_dask, "sweep", str(sweep),
                             "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path / "o")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2
    assert result.stderr == ("itlsim: --scheduler tcp://127.0.0.1:9: running on a Dask cluster "
                             "needs Dask, an optional part of itlsim: pip install "
                             "'itlsim[dask]'\n")
