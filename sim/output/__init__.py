"""Outputs at the edge: run folders, plots, sweep plots, ITL files, and the jobs that write them.

Owns the atomic run folder (``runfolder``), ``recovery.png`` (``plots``), sweep plots from a
store (``sweepplots``), the ``itlsim run`` job (``runjob``) and the ``make-itl`` job
(``itlfiles``).

May import every lower layer: ``sim.sweep``, ``sim.fleet``, ``sim.scenario``, ``sim.cluster``,
``sim.trust``, ``sim.errors``. Only ``sim.cli`` imports from here.
"""
