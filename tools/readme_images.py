"""Regenerate the README's images in docs/img/ from the current code, and print the run
summaries the README quotes.

    python tools/readme_images.py

Runs the scenarios the README shows (``SCENARIOS``: their ``recovery.png``), the example
sweeps it discusses (``SWEEPS``: the plots named there, with the sweep files' own
replications) and the imported example (``REPORT``: a screenshot of its report, taken by
Debian's Chromium through Playwright as the browser tests do) in a temporary folder, copies the
PNGs to docs/img/ and prints each run's text summary (the wall time in it varies; everything
else is reproducible).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from sim.output.reportjob import write_report
from sim.output.runfolder import text_summary
from sim.output.runjob import run_scenario_file
from sim.output.sweepplots import render
from sim.sweep.executors import open_executor
from sim.sweep.runner import run_sweep
from sim.sweep.spec import load_sweep

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "img"
SCENARIOS = ("hostname-change-localkey", "hold-timer-refusal", "migration-rollback")
SWEEPS = {ROOT / "scenarios" / "sweeps" / "batch_size_vs_serving_count.toml":
          ("outage_p95_s", "time_to_pre_change_working_s"),
          ROOT / "scenarios" / "sweeps" / "migration_methods_vs_offline.toml": ("ever_locked",)}
REPORT = ROOT / "scenarios" / "imported-cluster" / "scenario.toml"
REPORT_IMAGE = IMAGES / "report-imported-cluster.png"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def scenario_images(work: Path) -> None:
    for name in SCENARIOS:
        result, folder = run_scenario_file(str(ROOT / "scenarios" / f"{name}.toml"),
                                           out=str(work), progress=False)
        shutil.copyfile(folder / "recovery.png", IMAGES / f"{name}.png")
        shown = folder.relative_to(work)
        print(text_summary(result, Path("results") / shown), end="\n\n")


def sweep_images(work: Path) -> None:
    for path, metrics in SWEEPS.items():
        spec = load_sweep(path)
        with open_executor(None, None) as (executor, slots):
            report = run_sweep(spec, executor, slots=slots, out=work / spec.name,
                               progress=False)
        print(report.describe(spec))
        for metric in metrics:
            (written,) = render(work / spec.name, kind="metric", metric=metric,
                                formats=("png",), out=IMAGES / f"{spec.name}-{metric}.png")
            print(f"wrote {written.relative_to(ROOT)}")


def report_image(work: Path) -> None:
    """The top of the imported example's report (down to the plot), as a reader sees it."""
    from playwright.sync_api import sync_playwright

    result, folder = run_scenario_file(str(REPORT), out=str(work), progress=False)
    print(text_summary(result, Path("results") / folder.relative_to(work)), end="\n\n")
    page_path = write_report(folder)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 2050})
        page.goto(page_path.as_uri())
        page.screenshot(path=str(REPORT_IMAGE))
        browser.close()
    print(f"wrote {REPORT_IMAGE.relative_to(ROOT)}")


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        scenario_images(Path(folder))
        sweep_images(Path(folder))
        report_image(Path(folder))
    for name in SCENARIOS:
        print(f"wrote {(IMAGES / f'{name}.png').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
