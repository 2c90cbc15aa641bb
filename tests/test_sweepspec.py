"""Sweep files: grid, zip, explicit points, derived values, constraints, and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ConfigError
from sim.fleet.run import DEFAULT_ENGINE, ENGINES
from sim.sweep.safeexpr import Expression
from sim.sweep.spec import SweepSpec, load_sweep

BASE = Path(__file__).parent / "data" / "sweeps" / "tiny.toml"


def sweep_file(tmp_path: Path, body: str, header: str = "") -> Path:
    path = tmp_path / "sweep.toml"
    path.write_text(f'[sweep]\nbase = "{BASE.as_posix()}"\n{header}\n{body}')
    return path


def load(tmp_path: Path, body: str, header: str = "") -> SweepSpec:
    return load_sweep(sweep_file(tmp_path, body, header))


def raw(spec: SweepSpec) -> list[dict]:
    return [dict(point.raw) for point in spec.points]


def fails(tmp_path: Path, body: str, header: str = "") -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, body, header)
    return str(info.value)


GRID = """
[parameters.cm_at]
path = "events.0.at"
values = ["10min", "20min"]
[parameters.tvs_at]
path = "events.1.at"
values = ["15min", "30min", "1h"]
"""


def test_grid_is_the_cartesian_product_in_file_order(tmp_path: Path) -> None:
    spec = load(tmp_path, GRID)
    assert raw(spec) == [{"cm_at": c, "tvs_at": t} for c in ("10min", "20min")
                         for t in ("15min", "30min", "1h")]
    assert [p.index for p in spec.points] == list(range(6))
    assert (spec.dropped, spec.replications, spec.root_seed) == (0, 3, 1)


def test_constraint_drops_points(tmp_path: Path) -> None:
    spec = load(tmp_path, GRID, 'constraint = "tvs_at >= cm_at + 300"')
    assert raw(spec) == [{"cm_at": "10min", "tvs_at": "15min"},
                         {"cm_at": "10min", "tvs_at": "30min"},
                         {"cm_at": "10min", "tvs_at": "1h"},
                         {"cm_at": "20min", "tvs_at": "30min"},
                         {"cm_at": "20min", "tvs_at": "1h"}]
    assert spec.dropped == 1
    assert spec.points[3].values == {"cm_at": 1200, "tvs_at": 1800}


def test_zip_advances_together_and_is_one_grid_axis(tmp_path: Path) -> None:
    spec = load(tmp_path, """
[parameters.office]
path = "phones.0.count"
values = [50, 40]
zip = "mix"
[parameters.technicians]
path = "recovery.technicians"
values = [0, 2]
[parameters.old]
path = "phones.1.count"
values = [10, 20]
zip = "mix"
""")
    assert raw(spec) == [{"office": 50, "technicians": 0, "old": 10},
                         {"office": 50, "technicians": 2, "old": 10},
                         {"office": 40, "technicians": 0, "old": 20},
                         {"office": 40, "technicians": 2, "old": 20}]


def test_explicit_points_combine_with_the_grid(tmp_path: Path) -> None:
    spec = load(tmp_path, """
[parameters.technicians]
path = "recovery.technicians"
values = [1, 3]
[parameters.cm_at]
path = "events.0.at"
[parameters.tvs_at]
path = "events.1.at"
[[points]]
cm_at = "10min"
tvs_at = "12min"
[[points]]
cm_at = "1h"
tvs_at = "2h"
""")
    assert raw(spec) == [{"technicians": t, "cm_at": c, "tvs_at": v} for t in (1, 3)
                         for c, v in (("10min", "12min"), ("1h", "2h"))]


def test_derived_parameter_and_free_parameter(tmp_path: Path) -> None:
    spec = load(tmp_path, """
[parameters.cm_at]
path = "events.0.at"
values = ["10min"]
[parameters.wait]
values = ["5min", "1h"]
[parameters.tvs_at]
path = "events.1.at"
expr = "cm_at + wait"
[parameters.old]
path = "phones.1.count"
expr = "round(60 * 0.25)"
""")
    assert raw(spec) == [{"cm_at": "10min", "wait": "5min", "tvs_at": 900, "old": 15},
                         {"cm_at": "10min", "wait": "1h", "tvs_at": 4200, "old": 15}]
    data = spec.scenario_data(spec.points[1])
    assert (data["events"][1]["at"], data["phones"][1]["count"]) == (4200, 15)
    assert spec.scenario(spec.points[1]).events[1].at == 4200.0


def test_point_key_follows_values_not_spelling(tmp_path: Path) -> None:
    one = load(tmp_path, '[parameters.cm_at]\npath = "events.0.at"\nvalues = ["60min"]\n')
    two = load(tmp_path, '[parameters.cm_at]\npath = "events.0.at"\nvalues = [3600]\n')
    assert one.points[0].key == two.points[0].key


def test_sweep_defaults_and_overrides(tmp_path: Path) -> None:
    path = sweep_file(tmp_path, GRID, "replications = 4\nroot_seed = 9")
    spec = load_sweep(path, replications=6, root_seed=2)
    assert (spec.name, spec.replications, spec.root_seed) == ("sweep", 6, 2)
    assert load_sweep(path).replications == 4


def test_the_engine_comes_from_the_command_line_then_the_file_then_the_default(
        tmp_path: Path) -> None:
    """``[sweep] engine`` picks the fleet engine of every run, ``--engine``
    (``load_sweep(engine=)``) wins over it, and without either it is ``DEFAULT_ENGINE``."""
    assert load_sweep(sweep_file(tmp_path, GRID)).engine == DEFAULT_ENGINE
    for engine in ENGINES:
        path = sweep_file(tmp_path, GRID, f'engine = "{engine}"')
        assert load_sweep(path).engine == engine
        other = next(e for e in ENGINES if e != engine)
        assert load_sweep(path, engine=other).engine == other


@pytest.mark.parametrize(("body", "header", "expected"), [
    ('[parameters.cm_at]\npath = "events.0.at"\nvales = [1]\n', "",
     ":6 [parameters.cm_at.vales]: unknown key 'vales'; did you mean 'values'?"),
    (GRID, 'constraint = "tvs_at >= cm_ta"',
     ":3 [sweep.constraint]: unknown name 'cm_ta' in 'tvs_at >= cm_ta'; did you mean 'cm_at'?"),
    (GRID, "replicatons = 3",
     ":3 [sweep.replicatons]: unknown key 'replicatons'; did you mean 'replications'?"),
    ('[parameters.cm_at]\npath = "events.7.at"\nvalues = [1]\n', "",
     ":5 [parameters.cm_at.path]: events has 2 entries, so there is no events.7"),
    (GRID + '[parameters.technicians]\npath = "recovery.technicians"\n[[points]]\n'
     'technicans = 1\n', "",
     ":14 [points.0.technicans]: unknown parameter 'technicans'; did you mean 'technicians'?"),
    (GRID + '[[points]]\ncm_at = 1\n', "",
     ":11 [points.0]: every parameter has values or expr, so [[points]] entries have nothing"),
    ('[parameters.a]\npath = "events.0.at"\nvalues = [1, 2]\nzip = "z"\n'
     '[parameters.b]\npath = "events.1.at"\nvalues = [3]\nzip = "z"\n', "",
     ":10 [parameters.b.values]: zip group 'z' needs lists of one length: a has 2, b has 1"),
    ('[parameters.a]\npath = "events.0.at"\nvalues = [1]\nexpr = "2"\n', "",
     ":7 [parameters.a.expr]: a parameter has values or expr, not both"),
    ('[parameters.a]\nvalues = [1]\n', "",
     ":4 [parameters.a]: has no path and no expr or constraint uses it"),
    ('[parameters.a]\npath = "events.0.at"\n', "",
     ":4 [parameters.a]: needs values = [...], expr = \"...\" or a value in every [[points]]"),
    (GRID, 'constraint = "tvs_at.__class__"',
     ":3 [sweep.constraint]: Attribute is not allowed in expressions"),
    (GRID, 'constraint = "tvs_at > 10 * 3600"', ":3 [sweep.constraint]: the constraint drops "
     "all 6 points"),
    (GRID, 'base = "nowhere.toml"', ":2 [sweep.base]: base scenario"),
    (GRID, 'engine = "cohrt"', ":3 [sweep.engine]: 'cohrt' is not valid; did you mean "
     "'cohort'? (expected one of 'agents', 'cohort')"),
    (GRID, 'engine = "simpy"', ":3 [sweep.engine]: 'simpy' is not valid (expected one of "
     "'agents', 'cohort')"),
    (GRID, 'engine = 1', ":3 [sweep.engine]: expected one of 'agents', 'cohort', got "),
])
def test_errors_name_line_key_and_fix(tmp_path: Path, body: str, header: str,
                                      expected: str) -> None:
    if header.startswith("base"):
        (tmp_path / "sweep.toml").write_text(f"[sweep]\n{header}\n{body}")
        with pytest.raises(ConfigError) as info:
            load_sweep(tmp_path / "sweep.toml")
        message = str(info.value)
    else:
        message = fails(tmp_path, body, header)
    assert message.startswith(str(tmp_path / "sweep.toml") + expected.split(" [")[0])
    assert expected in message


def test_an_invalid_point_is_reported_at_its_parameter(tmp_path: Path) -> None:
    spec = load(tmp_path, '[parameters.tvs_at]\npath = "events.1.at"\nvalues = ["1h", "5h"]\n')
    with pytest.raises(ConfigError) as info:
        spec.scenario(spec.points[1])
    assert str(info.value) == (
        f"{tmp_path / 'sweep.toml'}:4 [parameters.tvs_at]: point 1 (tvs_at='5h') makes an "
        f"invalid scenario: events.1.at: at 5 h is after the end of the simulation "
        f"(simulation.duration = 3 h)")


def test_base_scenario_errors_keep_its_own_lines(tmp_path: Path) -> None:
    base = tmp_path / "base.toml"
    base.write_text(BASE.read_text().replace('cert = "TVS"', 'cert = "TSV"'))
    (tmp_path / "sweep.toml").write_text('[sweep]\nbase = "base.toml"\n' + GRID)
    with pytest.raises(ConfigError) as info:
        load_sweep(tmp_path / "sweep.toml")
    assert str(info.value).startswith(f"{base}:53 [events.1.cert]: 'TSV' is not valid; "
                                      "did you mean 'TVS'?")


@pytest.mark.parametrize(("text", "values", "result"), [
    ("a + b * 2 >= 10", {"a": 4, "b": 3}, True),
    ("1 < a <= 3 and not b", {"a": 3, "b": False}, True),
    ("max(a, b) - min(a, b) + abs(-1) + round(2.6)", {"a": 4, "b": 9}, 9),
    ("a // 7 % 3", {"a": 100}, 2),
    ("a == 'x' or false", {"a": "x"}, True),
])
def test_expressions(text: str, values: dict, result: object) -> None:
    assert Expression.parse(text, values).evaluate(values) == result


@pytest.mark.parametrize("text", ["__import__('os')", "a.real", "a[0]", "lambda: 1",
                                  "[a]", "open('x')", "a if a else 1", "None"])
def test_expressions_refuse_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="not allowed|may be called"):
        Expression.parse(text, ["a"])


@pytest.mark.parametrize("path", sorted((Path(__file__).parents[1] / "scenarios" / "sweeps")
                                        .glob("*.toml")), ids=lambda p: p.name)
def test_example_sweeps_are_valid(path: Path) -> None:
    spec = load_sweep(path)
    assert spec.description and len(spec.points) >= 9
    for point in spec.points:
        spec.scenario(point)
