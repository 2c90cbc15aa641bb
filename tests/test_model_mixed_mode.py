"""Mixed mode in the simulation (P3): phones take the CTL the TFTP node serves when they can
verify it, through a SAST of their CTL or through TVS (P3a), and decide ITLs through it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim_helpers import simulate_keeping_model

from sim.scenario.scenario import load_scenario

SCENARIO = """
[simulation]
duration = "3h"
seed = 5
resolution = "5min"

[cluster]
version = "10.5(2)"
domain = "example.lab"
security_mode = "{mode}"
[cluster.organisation]
ou = "uc"
o = "example"
l = "rtp"
st = "nc"
c = "US"
[[cluster.nodes]]
name = "pub"
role = "publisher"
services = ["CallManager", "TFTP", "TVS", "CAPF"]
key_bits = {{ CallManager = 1024, TVS = 1024, CAPF = 1024, ITLRecovery = 1024 }}
[[cluster.nodes]]
name = "sub"
services = ["CallManager", "TFTP", "TVS"]
key_bits = {{ CallManager = 1024, TVS = 1024, ITLRecovery = 1024 }}

[[phones]]
name = "office"
count = 40
{events}
"""


def run(tmp_path: Path, mode: str, events: str) -> tuple[dict[str, Any], Any]:
    path = tmp_path / "mixed.toml"
    path.write_text(SCENARIO.format(mode=mode, events=events))
    result, model = simulate_keeping_model(load_scenario(path))
    return result.summary, model


def test_P3_phones_take_the_ctl_when_the_cluster_goes_mixed(tmp_path: Path) -> None:
    summary, model = run(tmp_path, "non-secure", """
[[events]]
at = "30min"
action = "set_mixed_mode"
enabled = true
""")
    served_ctl = model.cluster.served["pub"].ctl
    assert served_ctl is not None and served_ctl.kind == "CTL"
    assert all(phone.trust.ctl is served_ctl for phone in model.phones)  # P1 for the CTL
    assert summary["locked_peak"] == 0


def test_P3a_after_a_callmanager_regeneration_phones_take_the_new_ctl_through_tvs(
        tmp_path: Path) -> None:
    """TechNote 118893: the updated CTL's signer is unknown to the installed CTL; phones ask TVS
    (replaces I28, where they kept the old CTL)."""
    summary, model = run(tmp_path, "mixed", """
[[events]]
at = "30min"
action = "regen_cert"
node = "pub"
cert = "CallManager"

[[events]]
at = "1h"
action = "ctl_update"
""")
    served_ctl = model.cluster.served["pub"].ctl
    assert served_ctl is not None
    assert all(phone.trust.ctl is served_ctl for phone in model.phones)
    # the ITL signed by the new CallManager is accepted through TVS too (P5): nothing locks
    assert summary["locked_peak"] == 0 and summary["final_states"]["trusted"] == 40
