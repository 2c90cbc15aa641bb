"""Shared by the report tests: the imported example run, what its work list must hold, and a
headless Chromium from Debian's package driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.output.reportjob import write_report
from sim.output.runjob import run_scenario_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "imported-cluster"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def example_report(out: Path) -> Path:
    """Run the shipped imported example into ``out`` and write its report; the run folder."""
    _, folder = run_scenario_file(str(EXAMPLE / "scenario.toml"), out=str(out), progress=False)
    write_report(folder)
    return folder


def expected_work(folder: Path) -> set[str]:
    """The work list from the run's own files: phones a technician rebooted (``manual-``
    reasons) and phones a bulk reset cannot recover at the end."""
    with open(folder / "devicetlinfo.csv", encoding="utf-8", newline="") as handle:
        names = {row["phone"] for row in csv.DictReader(handle)
                 if row["recoverable_by_bulk_reset"] == "false"}
    for line in (folder / "events.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry.get("kind") == "phone" and entry["reason"].startswith("manual-"):
            names.add(entry["phone"])
    return names


def flat(summary: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"itl_file_status": {"Match": 3}}`` -> ``{"itl_file_status.Match": 3}``."""
    found: dict[str, Any] = {}
    for key, value in summary.items():
        if isinstance(value, dict) and key != "assumptions":
            found.update(flat(value, f"{prefix}{key}."))
        else:
            found[f"{prefix}{key}"] = value
    return found


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or ``None``. CI installs Chromium (.ci/run), so
    there they never skip; a machine without it gets this message as a failure."""
    if shutil.which("chromium") is None and not Path(CHROMIUM).exists():
        return ("Debian's chromium is not installed: apt-get update && apt-get install -y "
                "chromium (the README's test command; .ci/run does it)")
    return None


@contextmanager
def browser_page(errors: list[str]) -> Iterator[Any]:
    """A page of headless Debian Chromium; console errors and uncaught exceptions go to
    ``errors``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900},
                                    accept_downloads=True)
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            yield page
        finally:
            browser.close()


def download(page: Any, selector: str) -> tuple[str, str]:
    """Click the download link ``selector``: the file name the page suggests and the file's
    text (UTF-8, its byte order mark removed)."""
    with page.expect_download() as info:
        page.click(selector)
    done = info.value
    assert done.failure() is None
    return done.suggested_filename, Path(done.path()).read_bytes().decode("utf-8-sig")
