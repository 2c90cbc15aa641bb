"""The README's assumptions table is the one ``sim.scenario.assumptions.ASSUMPTIONS`` generates
(point 8: a user reads the same keys, defaults, inference ids and sources the code uses)."""

from __future__ import annotations

from pathlib import Path

from sim.output import metricdefs
from sim.scenario.assumptions import ASSUMPTIONS, markdown_table
from sim.scenario.events import DISRUPTIVE_ACTIONS

README = Path(__file__).parents[1] / "README.md"


def test_readme_assumptions_table_is_generated_from_the_table() -> None:
    text = README.read_text()
    begin, end = "<!-- assumptions:begin -->\n", "\n<!-- assumptions:end -->"
    block = text[text.index(begin) + len(begin):text.index(end)]
    assert block == markdown_table(), "regenerate it: python -c 'from sim.scenario.assumptions " \
                                      "import markdown_table; print(markdown_table())'"
    for key, assumption in ASSUMPTIONS.items():
        assert f"| `{key}` |" in block and assumption.replaces in block


def test_readme_metrics_table_is_generated_from_the_definitions() -> None:
    """The report shows the same definitions (sim.output.metricdefs), so both read alike."""
    text = README.read_text()
    begin, end = "<!-- metrics:begin -->\n", "\n<!-- metrics:end -->"
    block = text[text.index(begin) + len(begin):text.index(end)]
    assert block == metricdefs.markdown_table(), "regenerate it: python -c 'from sim.output." \
                                                 "metricdefs import markdown_table; " \
                                                 "print(markdown_table())'"


def test_the_change_is_defined_by_every_disruptive_action() -> None:
    """The definition of "the change" (README and report) names each operation that starts it
    and no other: it had fallen behind ``DISRUPTIVE_ACTIONS`` (``ctl_reset_localkey``, then
    ``move_phones``)."""
    text = dict(metricdefs.DEFINITIONS)["the change: `change_start_s`, `change_started_by`"]
    named = set(text[:text.index("(`DISRUPTIVE_ACTIONS`")].split("`")[1::2])
    assert named == DISRUPTIVE_ACTIONS
