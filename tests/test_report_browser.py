"""The report in a real browser: headless Chromium from Debian's package, driven by Playwright.

The page must render without a console error or an uncaught exception, show exactly the
numbers of summary.json, offer a work-list download holding exactly the right device names, look
like something (a screenshot that is not blank) and print to A4 without the screen-only parts.
Chromium is installed by .ci/run (apt-get install -y chromium); nothing downloads a browser.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from report_helpers import (
    browser_page,
    chromium_missing,
    download,
    example_report,
    expected_work,
    flat,
)

from sim.output.report import summary_text


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    problem = chromium_missing()
    if problem:
        pytest.fail(problem)
    return example_report(tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def summary(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "summary.json").read_text())


def test_the_page_renders_without_errors_and_without_the_network(folder: Path) -> None:
    errors: list[str] = []
    requests: list[str] = []
    with browser_page(errors) as page:
        page.on("request", lambda r: r.url.startswith("file:") or requests.append(r.url))
        page.goto((folder / "report.html").as_uri())
        page.wait_for_load_state("load")
        assert page.title() == "Change report: acme"
        assert page.locator("svg[role=img] title").first.text_content()
    assert errors == [] and requests == []


def test_the_numbers_on_the_page_are_summary_json(folder: Path,
                                                  summary: dict[str, Any]) -> None:
    """Every element marked with a summary key shows that key's value as the report writes
    numbers (durations as spans, thousands separators, three significant digits), and the key
    figures carry the exact value too (O2a, P9, the outcome metrics)."""
    values = flat(summary)
    with browser_page([]) as page:
        page.goto((folder / "report.html").as_uri())
        marked = page.locator("[data-metric]")
        checked = set()
        for i in range(marked.count()):
            element = marked.nth(i)
            key = element.get_attribute("data-metric")
            assert key in values, key
            text = (element.locator(".value").text_content() if "figure" in (
                element.get_attribute("class") or "") else element.text_content())
            assert text.strip() == summary_text(key, values), key
            raw = element.get_attribute("data-value")
            if raw is not None:
                assert json.loads(raw) == values[key], key
            checked.add(key)
    assert {"ever_locked", "locked_peak", "locked_final", "recovered_bulk", "recovered_manual",
            "technician_hours", "outage_median_s", "time_to_99pct_locked_recovered_s",
            "registered_final", "unregistered_final", "not_recoverable_by_bulk_reset",
            "itl_file_status.Match", "phones_total"} <= checked
    assert summary["locked_peak"] > 0 and summary["operations"]["refused"] == 1


def test_the_refused_operation_is_marked_with_cucms_message(folder: Path) -> None:
    with browser_page([]) as page:
        page.goto((folder / "report.html").as_uri())
        refused = page.locator("table.plan tr[data-status=refused]")
        assert refused.count() == 1
        assert "Refused by CUCM" in refused.inner_text()
        assert "modified in the last 5 minutes" in refused.inner_text()


def test_the_work_list_download_holds_exactly_the_right_devices(folder: Path) -> None:
    """The phones a bulk reset cannot recover (A4a, P3b) or a technician fixed, with their
    device pool and model from the inventory; the download is a Blob made from an attached
    link."""
    expected = expected_work(folder)
    errors: list[str] = []
    with browser_page(errors) as page:
        page.goto((folder / "report.html").as_uri())
        name, text = download(page, "#download-worklist")
    assert name == "worklist-acme.csv"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["device_name"] for r in rows} == expected and len(rows) == len(expected)
    inventory = {r["device_name"]: r for r in csv.DictReader(
        io.StringIO((folder / "inventory.csv").read_text(encoding="utf-8")))}
    for row in rows:
        assert (row["device_pool"], row["model"]) == (inventory[row["device_name"]]["device_pool"],
                                                      inventory[row["device_name"]]["model"])
    assert errors == []


def test_a_screenshot_is_not_blank(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "report.png"
    with browser_page([]) as page:
        page.goto((folder / "report.html").as_uri())
        page.screenshot(path=str(path), full_page=True)
    pixels = np.asarray(Image.open(path).convert("L"), dtype=float)
    assert pixels.shape[0] > 3000  # the whole page, not the first screen
    assert pixels.std() > 20  # text, tables, the plot: far from one colour
    dark = (pixels < 100).mean()
    assert 0.005 < dark < 0.5


def test_printing_gives_a4_pages_without_the_screen_only_parts(folder: Path) -> None:
    with browser_page([]) as page:
        page.goto((folder / "report.html").as_uri())
        page.emulate_media(media="print")
        assert not page.locator("#download-worklist").is_visible()
        assert not page.locator("nav.toc").is_visible()
        assert page.locator("figure.plot svg").is_visible()
        pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    sizes = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf))
    assert sizes, "no page in the PDF"
    for width, height in sizes:  # A4 is 595.28 x 841.89 points; Chromium rounds a little
        assert abs(float(width) - 595.28) < 1 and abs(float(height) - 841.89) < 1
