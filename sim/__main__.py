"""``python -m sim``: the same command line as ``itlsim``."""

from sim.cli import main

main(prog_name="itlsim")
