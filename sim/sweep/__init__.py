"""Sweeps: a base scenario over parameter points x replications, stored and summarised.

Owns sweep files and safe expressions (``spec``, ``safeexpr``), replication seeds with common
random numbers (``seeds``), what a worker runs (``task``), executors (``executors``: process
pool or Dask), planning and resume (``runner``), the DuckDB store (``store``), statistics with
confidence intervals (``stats``) and the provenance of results (``provenance``).

May import: ``sim.fleet``, ``sim.scenario``, ``sim.cluster``, ``sim.trust``, ``sim.errors``.
``SweepStore`` is importable from here; it loads DuckDB on first use only, so sweep workers
that import ``sim.sweep.task`` stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.sweep.store import SweepStore

__all__ = ["SweepStore"]


def __getattr__(name: str) -> Any:
    if name == "SweepStore":
        from sim.sweep.store import SweepStore
        return SweepStore
    raise AttributeError(f"module 'sim.sweep' has no attribute {name!r}")
