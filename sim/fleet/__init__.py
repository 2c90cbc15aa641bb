"""The simulation: a phone fleet booting against the trust engine in SimPy time.

Owns the phones and populations at run time (``phones``), the boot sequence (``model``), TFTP
and TVS capacity (``services``), the scenario's timeline of operations and faults
(``timeline``), technicians (``technicians``), the DataCollector (``collector``),
``simulate(scenario) -> RunResult`` (``run``), the deterministic summary (``summary``) and
what a run will need before it starts (``budget``).

May import: ``sim.scenario``, ``sim.cluster``, ``sim.trust``, ``sim.errors``. Writes no files.
"""

from sim.fleet.run import RunResult, simulate

__all__ = ["RunResult", "simulate"]
