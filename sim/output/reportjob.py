"""``itlsim report``: the report of a run, sweep or plan folder, written all at once.

A folder with ``sweep.duckdb`` is a sweep (``sim.output.sweepreport``), one with
``recommendation/recommendation.json`` a plan's results (``sim.output.planreport``), any other
a run folder (``sim.output.report``). The page is written beside its place and renamed, so a
reader never opens half a page.
"""

from __future__ import annotations

from pathlib import Path

from sim.errors import ConfigError
from sim.output.planreport import is_plan, plan_page
from sim.output.report import run_page
from sim.output.reportdata import read_run
from sim.output.sweepreport import sweep_page


def write_report(target: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of a run, sweep or plan folder; ``out`` defaults to ``report.html``
    inside it. Written beside its place and renamed: never half a page."""
    folder = Path(target)
    if (folder / "sweep.duckdb").exists():
        page = sweep_page(folder)
    elif is_plan(folder):
        page = plan_page(folder)
    else:
        page = run_page(read_run(folder))
    path = Path(out) if out is not None else folder / "report.html"
    staging = path.with_name(f".{path.name}.writing")
    try:
        staging.write_text(page, encoding="utf-8")
        staging.replace(path)
    except OSError as err:
        staging.unlink(missing_ok=True)
        raise ConfigError(f"cannot write the report: {err.strerror or err}",
                          path=str(path)) from None
    return path
