"""The change planner: search the procedures for a planned change and recommend the safest one.

Owns plan files (``spec``: base scenario, goal, choices, constraints, objective), goals checked
against the base cluster (``goals``), the procedures a goal can be carried out by and the
references (``methods``), steps and their times under CUCM's hold timer (``steps``), candidate
timelines (``candidates``), the choices and their number lines (``choices``), the objective
and paired comparisons (``objective``), racing with successive halving (``race``), the 1-D
refinement of waits and batch sizes (``refine``), running candidates on the sweep machinery
(``evaluate``), the fragility of a recommendation (``sensitivity``), the CUCM commands and
checks of each step (``commands``) and the whole search with its recommendation (``planner``,
``recommendation``).

May import: ``sim.sweep``, ``sim.fleet``, ``sim.scenario``, ``sim.cluster``, ``sim.trust``,
``sim.errors``. ``sim.output`` and the CLI import this layer.
"""
