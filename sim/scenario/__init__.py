"""Input: scenario and cluster files, validated into plain data (``Scenario``).

Owns TOML with line numbers (``tomlsource``), the declarative validator with did-you-mean
(``schema``), durations and distributions, the ``[cluster]`` section (``clusterfile``), the
table of event actions (``events``), phone populations, ``--set`` overrides, and the
``Scenario`` with its identity hash (``scenario``). Every error is one ``ConfigError`` line
naming file, line and key.

May import: ``sim.cluster`` (the specs and version rules a file is checked against),
``sim.trust``, ``sim.errors``. Nothing here runs a simulation.
"""

from sim.scenario.scenario import Scenario, load_scenario, scenario_hash, validate_file

__all__ = ["Scenario", "load_scenario", "scenario_hash", "validate_file"]
