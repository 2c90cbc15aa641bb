"""Imported by the sweep's fork server only (``executors.open_executor`` preloads it): workers
forked from there ignore Ctrl-C.

Ctrl-C reaches every process of the terminal's process group, and a worker that took it
printed a KeyboardInterrupt traceback. The fork server captures its signal handlers after
importing its preloaded modules and gives them to every worker it forks, so setting SIGINT to
"ignore" here covers each worker from its first instruction (an initializer would leave the
start-up unprotected). The parent alone stops the sweep: it stores every run that came back,
cancels the pending ones, waits for the runs in hand and exits 130; a rerun does the rest.
Nothing else imports this module.
"""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
