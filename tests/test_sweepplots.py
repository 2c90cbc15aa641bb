"""Sweep plots: the default set, each kind, PNG and SVG, labels a reader understands."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from matplotlib.legend import Legend
from sweep_helpers import sweep_text

from sim.errors import ItlsimError
from sim.output import style
from sim.output.sweepplots import MAX_SERIES, metric_figure, render
from sim.output.sweepview import SweepView, metric_label
from sim.sweep.runner import run_sweep
from sim.sweep.spec import load_sweep
from sim.sweep.store import SweepStore

BODY = """
[parameters.tvs_at]
path = "events.1.at"
values = ["20min", "1h", "2h"]
label = "TVS regenerated at"
unit = "min"
[parameters.offline]
path = "phones.0.availability.offline_share"
values = [0.0, 0.3]
label = "share of office phones off"
[parameters.technicians]
path = "recovery.technicians"
values = [1]
"""
HEADER = 'replications = 2\ndescription = "locks by TVS time and phones off"\n' \
         'metrics = ["locked_final", "time_to_99pct_locked_recovered_s"]'


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plots")
    path = folder / "sweep.toml"
    path.write_text(sweep_text(BODY, HEADER))
    with ThreadPoolExecutor(2) as pool:
        run_sweep(load_sweep(path), pool, slots=2, out=folder / "out", progress=False)
    return folder / "out"


def test_default_plots_in_png_and_svg(results: Path) -> None:
    written = render(results)
    names = sorted(p.name for p in written)
    assert names == sorted(f"{stem}.{fmt}" for fmt in ("png", "svg") for stem in (
        "curves", "metric_locked_final", "heatmap_locked_final",
        "metric_time_to_99pct_locked_recovered_s", "heatmap_time_to_99pct_locked_recovered_s"))
    for path in written:
        assert path.parent == results / "plots"
        data = path.read_bytes()
        assert len(data) > 15_000
        assert data.startswith(b"\x89PNG") if path.suffix == ".png" else b"<svg" in data[:2000]
    svg = (results / "plots" / "metric_locked_final.svg").read_text()
    for text in ("phones still locked at the end", "TVS regenerated at (min)",
                 "share of office phones off = 0.3", "95% Student-t confidence interval",
                 "locks by TVS time and phones off"):
        assert text in svg
    heatmap = (results / "plots" / "heatmap_locked_final.svg").read_text()
    assert "20 min" in heatmap and "2 h" in heatmap


def test_one_kind_into_one_file(results: Path, tmp_path: Path) -> None:
    written = render(results, kind="metric", metric="phone_boots", x="offline",
                     out=tmp_path / "boots.svg")
    assert written == [tmp_path / "boots.svg"]
    svg = written[0].read_text()
    assert "phone boots" in svg and "phone boots (boots)" not in svg
    curves = render(results, kind="curves", where="offline > 0", formats=("png",),
                    out=tmp_path)
    assert curves == [tmp_path / "curves.png"]


@pytest.mark.parametrize(("options", "message"), [
    ({"kind": "metric", "metric": "locked_fnal"},
     "--metric: no metric 'locked_fnal' in .*; did you mean 'locked_final'\\?"),
    ({"kind": "heatmap", "x": "tvs_att"}, "--x: unknown parameter 'tvs_att'; did you mean "
                                          "'tvs_at'\\?"),
    ({"where": "offline > 5"}, "no points to plot \\(--where 'offline > 5' matches none\\)"),
    ({"where": "ofline > 5"}, "--where: unknown name 'ofline'"),
    ({"out": "x.png"}, "one file holds one plot"),
])
def test_plot_errors_are_one_line(results: Path, options: dict, message: str) -> None:
    with pytest.raises(ItlsimError, match=message):
        render(results, **options)


def test_metric_labels_of_several_clusters() -> None:
    assert metric_label("clusters.new.registered_final") == (
        "phones registered to cluster new at the end", "phones")
    assert metric_label("clusters.old.final_states.locked") == (
        "phones locked on cluster old at the end", "phones")
    assert metric_label("clusters.new.bogus") == ("clusters.new.bogus", "")


def test_metric_labels() -> None:
    assert metric_label("time_to_99pct_locked_recovered_s") == (
        "time from the change until 99 % of the locked phones work again", "s")
    assert metric_label("lock_reasons.tvs-untrusted") == (
        "lock events with reason tvs-untrusted", "lock events")
    assert metric_label("lock_reason_phones.tvs-untrusted") == (
        "phones locked with reason tvs-untrusted", "phones")
    assert metric_label("new_metric") == ("new_metric", "")


FACETS = """
[parameters.tvs_at]
path = "events.1.at"
values = ["20min", "1h"]
label = "TVS regenerated at"
unit = "min"
[parameters.offline]
path = "phones.0.availability.offline_share"
values = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
label = "share of office phones off"
[parameters.technicians]
path = "recovery.technicians"
values = [1, 2]
label = "technicians"
unit = "technicians"
"""


def test_more_lines_than_a_panel_reads_become_panels(tmp_path: Path) -> None:
    """Seven values of the line parameter and a third parameter: panels per technician count,
    at most MAX_SERIES lines each, split evenly; titles read '1 technician'."""
    path = tmp_path / "sweep.toml"
    path.write_text(sweep_text(FACETS, 'replications = 1\nmetrics = ["locked_final"]'))
    with ThreadPoolExecutor(2) as pool:
        run_sweep(load_sweep(path), pool, slots=2, out=tmp_path / "out", progress=False)
    with SweepStore.open(tmp_path / "out", read_only=True) as store, style.style():
        fig = metric_figure(SweepView.of(store), "locked_final", "tvs_at")
        panels = [ax for ax in fig.get_axes() if ax.get_visible()]
        assert [ax.get_title() for ax in panels] == [
            "1 technician (1 of 2)", "1 technician (2 of 2)", "2 technicians (1 of 2)",
            "2 technicians (2 of 2)"]
        lines = [len([c for c in ax.containers]) for ax in panels]  # one errorbar per line
        assert lines == [4, 3, 4, 3] and max(lines) <= MAX_SERIES  # balanced panels
        assert all(ax.get_ylim()[0] == 0 for ax in panels)  # never a truncated axis
        # a line keeps its colour in every panel and appears once in the legend
        (legend,) = fig.findobj(Legend)
        assert [t.get_text() for t in legend.get_texts()] == [
            f"share of office phones off = {v}" for v in
            ("0", "0.05", "0.1", "0.15", "0.2", "0.25", "0.3")]
        colours = {c.get_label(): c.lines[0].get_color() for ax in panels for c in ax.containers}
        assert len(set(colours.values())) == 7
