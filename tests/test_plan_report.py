"""The plan's recommendation as a report (``itlsim report PLAN_DIR``, sim.output.planreport),
read in headless Chromium as a change-advisory board would read it: the recommended procedure
step by step with the CUCM commands and the checks before each step (A3, A4, A6, A7, O2), its
predicted outcome and the comparison with the naive procedure and Cisco's default guidance
exactly as ``recommendation.json`` has them, what would change the answer named by procedure
labels, and the full ranking as a download equal to ``ranking.csv``."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from report_helpers import browser_page, chromium_missing, download

from sim.cli import main
from sim.errors import ConfigError
from sim.output.planjob import plan_job
from sim.output.planreport import stat
from sim.output.reportjob import write_report
from sim.plan.planner import PlanResult


@pytest.fixture(scope="module")
def folder(rename_plan: tuple[Path, Path, PlanResult]) -> Path:
    """The session's rename plan written by ``itlsim plan``'s job (its runs read back)."""
    problem = chromium_missing()
    if problem:
        pytest.fail(problem)
    plan, out, _ = rename_plan
    plan_job(str(plan), workers=1, out=str(out))
    return out


@pytest.fixture(scope="module")
def doc(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "recommendation" / "recommendation.json").read_text())


def page_of(folder: Path) -> str:
    return (folder / "recommendation" / "report.html").as_uri()


def test_itlsim_report_on_the_plan_folder_gives_the_published_page(folder: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    assert (folder / "report.html").read_bytes() == \
        (folder / "recommendation" / "report.html").read_bytes()


def test_a_copied_folder_without_the_run_gives_the_page_without_the_plot(folder: Path,
                                                                          tmp_path: Path) -> None:
    shutil.copytree(folder / "recommendation", tmp_path / "recommendation")
    page = Path(write_report(tmp_path)).read_text()
    published = (folder / "recommendation" / "report.html").read_text()
    assert "<svg" in published and "<svg" not in page
    assert page.count("<tr data-step=") == published.count("<tr data-step=") == 6


def test_a_document_that_is_not_a_recommendation_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "recommendation").mkdir()
    (tmp_path / "recommendation" / "recommendation.json").write_text('{"plan": {}}')
    with pytest.raises(ConfigError, match=r"recommendation.json: not a recommendation written "
                                          r"by itlsim plan \(no comparisons, equivalent"):
        write_report(tmp_path)
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "report.html").exists()


def test_the_page_renders_without_errors_and_without_the_network(folder: Path) -> None:
    errors: list[str] = []
    requests: list[str] = []
    with browser_page(errors) as page:
        page.on("request", lambda r: r.url.startswith("file:") or requests.append(r.url))
        page.goto(page_of(folder))
        page.wait_for_load_state("load")
        assert page.title() == "Change plan: plan"
        assert "localkey" in page.locator("figure.plot svg title").first.text_content()
    assert errors == [] and requests == []


def test_the_procedure_is_the_recommended_one_with_its_commands_and_checks(
        folder: Path, doc: dict[str, Any]) -> None:
    """A4: utils itl reset localkey on the publisher after the rename (A3), the reset ITL kept
    until the phones that were off are back (A6), ITLRecovery.p12 saved first (A7), DeviceTLInfo
    0 MisMatch before the change (O2)."""
    steps = doc["recommendation"]["steps"]
    with browser_page([]) as page:
        page.goto(page_of(folder))
        rows = page.locator("table.procedure tbody tr")
        assert rows.count() == len(steps) == 6
        for i, step in enumerate(steps):
            text = rows.nth(i).inner_text()
            assert step["title"] in text and step["clock"] in text
            for line in [*step["cli"], *step["gui"], *step["checks"]]:
                assert line in text, (step["title"], line)
            assert rows.nth(i).locator("ul.checks li").count() == len(step["checks"])
        codes = page.locator("table.procedure code").all_text_contents()
    assert codes[:3] == ["file get tftp ITLRecovery.p12",
                         "answer the SFTP prompts: sftp1, its user and a directory",
                         "set network hostname"]
    assert "utils itl reset localkey" in codes
    assert [s["title"] for s in steps] == [
        "back up ITLRecovery.p12", "set network hostname pub-new", "utils itl reset localkey",
        "reset phones", "restart TFTP (normal ITL again)", "reset phones again"]
    assert steps[4]["clock"] == "Wed 2024-03-06 10:09"  # 14 h after the reset: keep_reset_itl
    assert any("0 MisMatch" in c for c in steps[1]["checks"])


def test_the_numbers_are_the_documents(folder: Path, doc: dict[str, Any]) -> None:
    """Every predicted figure and every cell of the comparison shows the document's mean in the
    report's number format, with the exact mean in data-value."""
    predicted = doc["recommendation"]["predicted"]
    means = {r["role"]: r["objective"] for r in doc["ranking"] if r["role"]}
    with browser_page([]) as page:
        page.goto(page_of(folder))
        figures = page.locator("#outcome .figure[data-metric]")
        assert figures.count() == len(predicted)
        for i in range(figures.count()):
            figure = figures.nth(i)
            metric = figure.get_attribute("data-metric")
            expected = stat(metric, predicted[metric])
            assert json.loads(figure.get_attribute("data-value")) == predicted[metric]["mean"]
            assert figure.locator(".value").inner_text() == expected["text"]
            if expected["interval"]:
                assert figure.locator(".detail").inner_text() == f"95 %: {expected['interval']}"
        cells = page.locator("#comparison td[data-reference]")
        assert cells.count() == 2 * len(doc["plan"]["objective"])
        for i in range(cells.count()):
            cell = cells.nth(i)
            role, metric = cell.get_attribute("data-reference"), cell.get_attribute("data-metric")
            assert json.loads(cell.get_attribute("data-value")) == means[role][metric]["mean"]
            assert cell.inner_text().splitlines()[0] == stat(metric, means[role][metric])["text"]
    assert predicted["locked_final"]["mean"] == 0 and means["naive"]["locked_final"]["mean"] > 0


def test_the_verdicts_say_whether_the_intervals_are_separate(folder: Path,
                                                             doc: dict[str, Any]) -> None:
    versus = {c["role"]: c for c in doc["comparisons"]}
    assert versus["naive"]["verdict"] == "better" and versus["naive"]["intervals_separate"]
    with browser_page([]) as page:
        page.goto(page_of(folder))
        text = page.locator("#comparison").inner_text()
    assert "Better than the naive procedure on locked at the end, with intervals that do not " \
           "overlap." in text
    if versus["cisco"]["verdict"] == "undecided":
        assert "Not told apart from Cisco's default guidance on " in text
        assert "more replications (--replications) or a larger tolerance would decide" in text


def test_what_would_change_the_answer_names_procedures_not_keys(folder: Path,
                                                                doc: dict[str, Any]) -> None:
    keys = [r["key"] for r in doc["ranking"]]
    with browser_page([]) as page:
        page.goto(page_of(folder))
        rows = page.locator("#fragility tbody tr")
        assert rows.count() == len(doc["fragility"]) >= 3
        body = page.locator("body").inner_text()
        fragility = page.locator("#fragility").inner_text()
    assert not [key for key in keys if key in body]
    assert "procedure_duration_s" not in fragility
    for item in doc["fragility"]:
        assert item["label"] in fragility
        if item["verdict"] == "loses" and item["rival"]:
            assert f"{item['rival']} is better on" in fragility
        if item["undecided"]:
            assert f"not told apart from {item['undecided']} on" in fragility
    assert any(item["verdict"] == "loses" for item in doc["fragility"])  # offline=0: shorter
    (boundary,) = doc["offline_boundaries"]
    assert (f"Which share of phones off changes the answer: the answer changes with fewer "
            f"phones off: it holds with {boundary['holds']:.1%} of the phones switched off "
            f"(base 10.0%); with {boundary['loses']:.1%} {boundary['rival']} is better on "
            f"procedure duration.") in fragility


def test_the_ranking_download_is_ranking_csv(folder: Path) -> None:
    errors: list[str] = []
    with browser_page(errors) as page:
        page.goto(page_of(folder))
        ranked = page.locator("#search table.ranking tbody tr").count()
        name, text = download(page, "#download-ranking")
    assert name == "ranking-plan.csv"
    assert text == (folder / "recommendation" / "ranking.csv").read_text(encoding="utf-8")
    assert ranked == sum(1 for line in text.splitlines()[1:] if re.match(r"\d+,", line))
    assert errors == []


def test_a_screenshot_is_not_blank(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "plan.png"
    with browser_page([]) as page:
        page.goto(page_of(folder))
        page.screenshot(path=str(path), full_page=True)
    pixels = np.asarray(Image.open(path).convert("L"), dtype=float)
    assert pixels.shape[0] > 3000 and pixels.std() > 20
    assert 0.005 < (pixels < 100).mean() < 0.5



def test_itlsim_plot_on_the_plan_store_names_each_candidate_as_the_report_does(
        rename_plan: tuple[Path, Path, PlanResult]) -> None:
    """``itlsim plot`` on ``plan.duckdb``: a plan's points have no sweep parameters, so each
    curve panel is titled with its candidate's label (and the variant's, for a sensitivity
    run), as the ranking names it, never "point N"; the figure says it is a plan."""
    from sim.output import style
    from sim.output.sweepplots import MAX_CURVES, curves_figure
    from sim.output.sweepview import SweepView
    from sim.sweep.store import SweepStore

    _, out, result = rename_plan
    with SweepStore.open(out / "plan.duckdb", read_only=True) as store, style.style():
        view = SweepView.of(store)
        figure = curves_figure(view)
    titles = [ax.get_title().replace("\n", " ") for ax in figure.axes if ax.get_title()]
    labels = {result.candidates[c].label for c in view.points.candidate}
    assert len(titles) == min(MAX_CURVES, len(view.points))
    for title in titles:
        assert any(title == label or title.startswith(f"{label}; ") for label in labels), title
    assert any(title in labels for title in titles)  # a candidate on the base scenario
    assert view.title("phones") == "phones\nplan plan"
