"""itlsim: a discrete-event simulator of Cisco IP phone fleets and CUCM trust (ITL/CTL/TVS).

The public surface is deliberately small; see docs/architecture.md for the module map.
"""

__version__ = "0.1.0"
