"""Durations and distributions: parsing, errors with line and key, sampling, description."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.errors import ConfigError
from sim.scenario.distributions import (
    Empirical,
    Exponential,
    Fixed,
    LogNormal,
    Normal,
    Uniform,
    distribution_from,
)
from sim.scenario.durations import format_duration, human_duration, parse_duration
from sim.scenario.tomlsource import TomlSource

# -- durations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "seconds"), [
    (90, 90.0), (1.5, 1.5), ("90s", 90.0), ("5min", 300.0), ("2h", 7200.0), ("1.5h", 5400.0),
    ("3d", 259200.0), ("1w", 604800.0), ("50ms", 0.05), ("2d2h", 180000.0),
    ("1h30min", 5400.0), ("2d 2h", 180000.0), (" 5min ", 300.0), (0, 0.0),
])
def test_durations_accept_numbers_and_units(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["5 mins", "5m", "2h2d", "1h1h", "", "h", "-5s", "5", "1e3s"])
def test_bad_duration_strings_name_the_accepted_forms(text):
    with pytest.raises(ValueError) as info:
        parse_duration(text)
    assert str(info.value) == (f"{text!r} is not a duration; expected a number of seconds or "
                               "e.g. '90s', '5min', '2h', '3d'")


@pytest.mark.parametrize("value", [-1, -0.5, float("inf"), True, [1], None])
def test_negative_infinite_and_non_numbers_are_not_durations(value):
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(value)


@given(st.integers(min_value=0, max_value=10 * 604800 * 1000))
def test_durations_round_trip_through_format(milliseconds):
    seconds = milliseconds / 1000
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds, abs=1e-6)


def test_format_duration_is_compact():
    assert [format_duration(s) for s in (0, 0.05, 90, 5400, 180000, 604800)] == \
        ["0s", "50ms", "1min30s", "1h30min", "2d2h", "1w"]


def test_human_duration_shares_one_unit_across_a_range():
    assert human_duration(7200) == "2 h"
    assert human_duration(30, 90) == "30-90 s"
    assert human_duration(0.5, 1.7) == "0.5-1.7 s"
    assert human_duration(600, 1200) == "10-20 min"
    assert human_duration(0.05) == "50 ms"


# -- building distributions from files ----------------------------------------------------------


def parse(text: str, key: str = "d"):
    source = TomlSource.parse(text, "d.toml")
    return distribution_from(source, source.data[key], (key,))


def error(text: str, key: str = "d") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse(text, key)
    return info.value


@pytest.mark.parametrize(("text", "expected"), [
    ('2', Fixed(2.0)),
    ('"50ms"', Fixed(0.05)),
    ('{ dist = "fixed", value = "2s" }', Fixed(2.0)),
    ('{ dist = "uniform", low = "30s", high = "90s" }', Uniform(30.0, 90.0)),
    ('{ dist = "exponential", mean = "50ms" }', Exponential(0.05)),
    ('{ dist = "lognormal", median = "1s", sigma = 0.5 }', LogNormal(1.0, 0.5)),
    ('{ dist = "normal", mean = "4s", sd = "1s" }', Normal(4.0, 1.0, 0.0)),
    ('{ dist = "normal", mean = "4s", sd = "1s", min = "2s" }', Normal(4.0, 1.0, 2.0)),
    ('{ dist = "empirical", values = [1, "2s", "1min"] }', Empirical((1.0, 2.0, 60.0))),
])
def test_every_kind_parses(text, expected):
    assert parse(f"d = {text}") == expected


@pytest.mark.parametrize("dist", [
    Fixed(2.0), Uniform(30.0, 90.0), Exponential(0.05), LogNormal(1.0, 0.5),
    Normal(4.0, 1.0, 2.0), Empirical((1.0, 2.0, 60.0)),
])
def test_to_dict_reads_back(dist):
    source = TomlSource("<dict>", {"d": dist.to_dict()})
    assert distribution_from(source, source.data["d"], ("d",)) == dist


def test_describe_is_short_human_text():
    assert [d.describe() for d in (
        Fixed(2.0), Uniform(30.0, 90.0), Exponential(0.05), LogNormal(1.0, 0.5),
        Normal(4.0, 0.5, 0.0), Empirical((1.0, 2.0, 3.0)), Uniform(600.0, 1200.0),
    )] == [
        "fixed 2 s", "uniform 30-90 s", "exponential mean 50 ms", "lognormal median 1 s, sigma 0.5",
        "normal 4 s sd 0.5 s, min 0 s", "empirical 3 values, 1-3 s", "uniform 10-20 min",
    ]


def test_unknown_dist_name_suggests_the_closest():
    err = error('\n\nd = { dist = "unifrom", low = 1, high = 2 }')
    assert str(err) == ("d.toml:3 [d.dist]: 'unifrom' is not a distribution; did you mean "
                        "'uniform'? (expected one of fixed, uniform, exponential, lognormal, "
                        "normal, empirical)")


def test_unknown_parameter_suggests_and_lists_the_dists_parameters():
    err = error('x = 1\nd = { dist = "uniform", lwo = 1, high = 2 }')
    assert (err.line, err.key) == (2, "d.lwo")
    assert err.reason == "unknown key 'lwo'; did you mean 'low'? (valid keys: dist, low, high)"


def test_missing_parameter_names_the_dists_parameters():
    err = error('d = { dist = "lognormal", sigma = 0.5 }')
    assert str(err) == ("d.toml:1 [d]: a lognormal distribution needs median "
                        "(its parameters: median, sigma)")


def test_missing_dist_lists_the_kinds():
    assert error('d = { low = 1 }').reason == ("missing 'dist' (one of fixed, uniform, "
                                               "exponential, lognormal, normal, empirical)")


@pytest.mark.parametrize(("text", "key", "reason"), [
    ('{ dist = "uniform", low = "3s", high = "2s" }', "d.high", "high (2 s) is below low (3 s)"),
    ('{ dist = "lognormal", median = 0, sigma = 1 }', "d.median", "must be longer than 0"),
    ('{ dist = "lognormal", median = 1, sigma = -1 }', "d.sigma", "must be >= 0, got -1"),
    ('{ dist = "normal", mean = "1s", sd = "1s", min = "10s" }', "d.min",
     "min 10 s is so far above the mean that under 1% of draws reach it; use a smaller min "
     "or another dist"),
    ('{ dist = "empirical", values = [] }', "d.values", "needs at least one value"),
    ('{ dist = "empirical", values = [1, "2 secs"] }', "d.values.1",
     "'2 secs' is not a duration; expected a number of seconds or e.g. '90s', '5min', '2h', "
     "'3d'"),
    ('{ dist = "uniform", low = "5 mins", high = 2 }', "d.low",
     "'5 mins' is not a duration; expected a number of seconds or e.g. '90s', '5min', '2h', "
     "'3d'"),
    ('"5 mins"', "d", "'5 mins' is not a duration; expected a number of seconds or e.g. "
     "'90s', '5min', '2h', '3d'"),
])
def test_contradictory_or_bad_parameters_name_the_key(text, key, reason):
    err = error(f"d = {text}")
    assert (err.line, err.key, err.reason) == (1, key, reason)


# -- sampling ---------------------------------------------------------------------------------

DISTS = [Fixed(2.0), Uniform(30.0, 90.0), Exponential(0.05), LogNormal(1.0, 0.5),
         Normal(4.0, 1.0, 0.0), Normal(1.0, 1.0, 1.5), Empirical((1.0, 2.0, 60.0))]


@pytest.mark.parametrize("dist", DISTS, ids=lambda d: d.describe())
def test_sample_mean_matches_mean(dist):
    draws = dist.sample_many(np.random.default_rng(42), 100_000)
    assert draws.shape == (100_000,)
    assert draws.min() >= 0
    assert draws.mean() == pytest.approx(dist.mean(), rel=0.02)


@pytest.mark.parametrize("dist", DISTS, ids=lambda d: d.describe())
def test_samples_are_reproducible_from_the_seed(dist):
    first = dist.sample_many(np.random.default_rng(7), 1000)
    again = dist.sample_many(np.random.default_rng(7), 1000)
    assert np.array_equal(first, again)
    one = dist.sample(np.random.default_rng(7))
    assert isinstance(one, float)
    assert one == dist.sample(np.random.default_rng(7))


def test_truncated_normal_never_goes_below_min():
    draws = Normal(1.0, 1.0, 1.5).sample_many(np.random.default_rng(3), 50_000)
    assert draws.min() >= 1.5


def test_known_means():
    assert Uniform(30, 90).mean() == 60
    assert LogNormal(1.0, 0.5).mean() == pytest.approx(math.exp(0.125))
    assert Normal(4.0, 1.0, -math.inf).mean() == pytest.approx(4.0)
    assert Normal(0.0, 1.0, 0.0).mean() == pytest.approx(math.sqrt(2 / math.pi))


def test_lognormal_median_and_empirical_support():
    rng = np.random.default_rng(5)
    assert np.median(LogNormal(2.0, 0.8).sample_many(rng, 50_000)) == pytest.approx(2.0, rel=0.03)
    assert set(Empirical((1.0, 2.0)).sample_many(rng, 100).tolist()) == {1.0, 2.0}
