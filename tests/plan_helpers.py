"""Shared helpers of the planner tests: tiny base scenarios and plan files written to a folder,
and scaled-down copies of the example plans."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

EXAMPLES = Path(__file__).parents[1] / "scenarios" / "plans"

ORGANISATION = """
[cluster.organisation]
ou = "uc"
o = "example"
l = "gent"
st = "ov"
c = "BE"
"""


def base_text(version: str = "10.5(2)", *, subscribers: int = 0, phones: int = 40,
              offline: float = 0.1, sftp: bool = True, events: str = "",
              mixed: bool = False) -> str:
    """A small cluster and fleet: a publisher (and subscribers), phones of which ``offline``
    are off until 11-13 h after t = 0, one technician on weekdays 08:00-17:00."""
    nodes = "".join(f'\n[[cluster.nodes]]\nname = "sub{i}"\nservices = ["CallManager", "TFTP", '
                    f'"TVS"]\n' for i in range(1, subscribers + 1))
    return f"""[simulation]
duration = "1d"
resolution = "10min"
start = 2024-03-05T19:50:00

[cluster]
version = "{version}"
domain = "example.lab"
{'security_mode = "mixed"' if mixed else ''}
{ORGANISATION}
[[cluster.nodes]]
name = "pub"
role = "publisher"
services = ["CallManager", "TFTP", "TVS", "CAPF"]
key_bits = {{ CallManager = 1024, TVS = 1024, CAPF = 1024, ITLRecovery = 1024 }}
{nodes}
[[phones]]
name = "office"
count = {phones}

[phones.availability]
offline_share = {offline}
returns = {{ dist = "uniform", low = "11h", high = "13h" }}
{'[[sftp]]' + chr(10) + 'host = "sftp1"' + chr(10) + 'user = "u"' + chr(10) + 'password = "p"'
 if sftp else ''}

[recovery]
technicians = 1
working_hours = [8, 17]
working_days = 5
{events}"""


def write_plan(folder: Path, plan: str, base: str | None = None) -> Path:
    """``folder/plan.toml`` (``[plan]`` pointing at ``base.toml`` unless the text names one)
    and ``folder/base.toml``."""
    (folder / "base.toml").write_text(base if base is not None else base_text())
    header = "" if "[plan]" in plan else '[plan]\nbase = "base.toml"\n'
    path = folder / "plan.toml"
    path.write_text(header + plan)
    return path


RENAME = """replications = 4
first_replications = 2
root_seed = 7

[goal]
change = "rename publisher to pub-new"

[choices]
methods = ["localkey", "rollback"]
itl_reset_after = ["2min"]
keep_reset_itl = ["30min", "14h"]
rollback_keep = ["30min"]
"""


def scaled_example(name: str, folder: Path, divisor: int) -> Path:
    """A copy of example plan ``name`` and its base with every phone count divided by
    ``divisor`` (the shares of phones off stay those of the file)."""
    plan = EXAMPLES / name
    target = folder / "plans"
    (target / "base").mkdir(parents=True)
    shutil.copy(plan, target / name)
    for base in (EXAMPLES / "base").glob("*.toml"):
        text = re.sub(r"^count = (\d+)", lambda m: f"count = {max(1, int(m[1]) // divisor)}",
                      base.read_text(), flags=re.M)
        (target / "base" / base.name).write_text(text)
    return target / name
