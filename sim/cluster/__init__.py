"""The trust engine: a CUCM cluster and its phones' decisions, without simulated time.

Owns the cluster and its nodes (``cluster``, built from a ``spec``), version eras
(``versions``), what TFTP serves (``tftp``, ``served``), what TVS vouches for (``tvs``), a
phone's decisions P1-P8 (``phone``), administrator operations A1-A11 with CUCM's messages
(``operations``, ``itlrecovery``, ``outcome``), the ITLs phones may hold at the start
(``variants``) and observation: ``show itl`` on a node, DeviceTLInfo (``observe``).

Time enters only as a number passed to an operation (the hold timer, file timestamps); the
simulation (``sim.fleet``) plays outcomes out in time. May import: ``sim.trust``,
``sim.errors``.
"""
