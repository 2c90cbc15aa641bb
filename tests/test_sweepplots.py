"""Sweep plots: the default set, each kind, PNG and SVG, labels a reader understands."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sweep_helpers import sweep_text

from sim.errors import ItlsimError
from sim.output.sweepplots import render
from sim.output.sweepview import metric_label
from sim.sweep.runner import run_sweep
from sim.sweep.spec import load_sweep

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


def test_metric_labels() -> None:
    assert metric_label("time_to_99pct_locked_recovered_s") == (
        "time from the change until 99 % of the locked phones work again", "s")
    assert metric_label("lock_reasons.tvs-untrusted") == (
        "lock events with reason tvs-untrusted", "lock events")
    assert metric_label("lock_reason_phones.tvs-untrusted") == (
        "phones locked with reason tvs-untrusted", "phones")
    assert metric_label("new_metric") == ("new_metric", "")
