"""The simulation's building blocks: Slots (TFTP/TVS capacity), Agent, Sampler, Collector."""

from __future__ import annotations

import numpy as np
import simpy

from sim.fleet.agent import Agent
from sim.fleet.collector import BOOTING, LOCKED, STATES, TRUSTED, Collector
from sim.fleet.sampling import Sampler
from sim.fleet.series import Steps
from sim.fleet.services import Slots
from sim.scenario.distributions import Fixed, Uniform


def test_slots_serve_in_fifo_order_and_track_peaks() -> None:
    env = simpy.Environment()
    slots = Slots(env, "tftp1", capacity=2)
    order: list[tuple[str, float]] = []

    def phone(name: str, start: float, hold: float):
        yield start
        if not slots.take():
            yield slots
        order.append((name, env.now))
        yield hold
        slots.give()

    for i, start in enumerate([0.0, 0.0, 1.0, 2.0, 3.0]):
        Agent(env, phone(f"p{i}", start, 10.0))
    env.run()
    # two slots: p0,p1 at 0; p2,p3 wait for the first two releases at 10; p4 for 20
    assert order == [("p0", 0.0), ("p1", 0.0), ("p2", 10.0), ("p3", 10.0), ("p4", 20.0)]
    assert slots.peak_in_use == 2 and slots.peak_queue == 3
    assert slots.in_use == 0 and slots.served == 5


def test_slots_hand_over_a_long_queue_without_recursion() -> None:
    env = simpy.Environment()
    slots = Slots(env, "tftp1", capacity=1)
    got: list[int] = []

    def phone(i: int):
        yield 0.0
        if not slots.take():
            yield slots
        got.append(i)
        slots.give()  # gives straight back: the whole queue drains inside one hand-over

    for i in range(5000):
        Agent(env, phone(i))
    env.run()
    assert got == list(range(5000)) and slots.in_use == 0


def test_agent_waits_on_plain_simpy_events_too() -> None:
    env = simpy.Environment()
    gate = env.event()
    seen: list[float] = []

    def steps():
        yield 1.5
        yield gate
        seen.append(env.now)

    Agent(env, steps())
    env.process(_open(env, gate, 4.0))
    env.run()
    assert seen == [4.0]


def _open(env: simpy.Environment, gate: simpy.Event, at: float):
    yield env.timeout(at)
    gate.succeed()


def test_sampler_hands_out_numpy_blocks_in_order() -> None:
    rng_a, rng_b = np.random.default_rng(1), np.random.default_rng(1)
    sampler = Sampler(Uniform(low=30.0, high=90.0), rng_a, block=8)
    draws = [sampler() for _ in range(20)]
    expected = np.concatenate([Uniform(low=30.0, high=90.0).sample_many(rng_b, 8)
                               for _ in range(3)])[:20]
    assert draws == expected.tolist()
    assert all(isinstance(x, float) for x in draws)
    assert Sampler(Fixed(value=2.0), rng_a)() == 2.0


def test_collector_counts_logs_and_series_from_the_change_log() -> None:
    collector = Collector()
    for phone in range(100):
        collector.place(phone, TRUSTED)
    for phone in range(100):
        collector.change(10.0, phone, TRUSTED, LOCKED, "itl-signer-unknown,tvs-untrusted")
    for phone in range(99):
        collector.change(70.0, phone, LOCKED, TRUSTED, "itl:sast,config:itl")
    collector.change(90.0, 0, TRUSTED, BOOTING, "admin-reset")  # a 2-second dip between ticks
    collector.change(92.0, 0, BOOTING, TRUSTED, "itl:itl,config:itl")
    assert collector.locked_peak == 100
    assert collector.counts[TRUSTED] == 99 and collector.counts[LOCKED] == 1
    assert collector.reasons == {"itl-signer-unknown,tvs-untrusted": 100}
    steps = Steps.of(collector)
    trusted, locked, booting = (STATES.index(s) for s in (TRUSTED, LOCKED, BOOTING))
    times, counts = steps.grid(60.0, 120.0)
    assert times.tolist() == [0.0, 60.0, 120.0]  # every change at a tick counts at that tick
    assert counts[:, trusted].tolist() == [100, 0, 99] and counts[:, locked].tolist() == [0, 100, 1]
    times, counts = steps.keeping_extremes(60.0, 120.0)
    assert times.tolist() == [0.0, 10.0, 60.0, 70.0, 90.0, 92.0, 120.0]  # the dip is kept
    assert counts[times.tolist().index(90.0), booting] == 1
    assert counts[times.tolist().index(92.0), trusted] == 99
    lines = list(collector.event_lines([f"SEP{i}" for i in range(100)], ["office"] * 100))
    assert len(lines) == 201
    assert lines[0] == ('{"from": "trusted", "kind": "phone", "phone": "SEP0", "population": '
                        '"office", "reason": "itl-signer-unknown,tvs-untrusted", "t": 10, '
                        '"to": "locked"}')


def test_series_keep_each_intervals_extremes_of_a_busy_log() -> None:
    """M4 (first, last, min, max per interval) plus the change after each extreme: drawn as
    steps, the kept instants reproduce every interval's lowest and highest count exactly."""
    rng = np.random.default_rng(3)
    collector = Collector()
    for phone in range(50):
        collector.place(phone, TRUSTED)
    state = [TRUSTED] * 50
    for t in np.sort(rng.uniform(0, 600, 400)):
        phone = int(rng.integers(50))
        new = BOOTING if state[phone] == TRUSTED else TRUSTED
        collector.change(float(t), phone, state[phone], new, "test")
        state[phone] = new
    steps = Steps.of(collector)
    kept, counts = steps.keeping_extremes(60.0, 600.0)
    assert len(kept) < len(steps.times)
    for low in range(0, 600, 60):
        inside = (steps.times > low) & (steps.times < low + 60)
        held = np.vstack([steps.at(np.array([float(low)])), steps.counts[inside]])
        mask = (kept >= low) & (kept < low + 60)  # values the interval holds, from its tick
        assert (counts[mask].min(axis=0) == held.min(axis=0)).all()
        assert (counts[mask].max(axis=0) == held.max(axis=0)).all()


def test_technicians_wait_for_working_hours_on_working_days() -> None:
    from sim.fleet.technicians import next_work_start
    from sim.scenario.durations import DAY, HOUR

    nine_to_five = (9 * HOUR, 17 * HOUR)
    assert next_work_start(10 * HOUR, *nine_to_five, 5) == 0.0  # Monday 10:00 (I18)
    assert next_work_start(18 * HOUR, *nine_to_five, 5) == 15 * HOUR  # -> Tuesday 09:00
    friday_evening = 4 * DAY + 18 * HOUR
    assert next_work_start(friday_evening, *nine_to_five, 5) == 63 * HOUR  # -> Monday 09:00
    assert next_work_start(friday_evening, *nine_to_five, 6) == 15 * HOUR  # -> Saturday 09:00
    assert next_work_start(5 * DAY + 3 * HOUR, 0.0, 24 * HOUR, 7) == 0.0  # around the clock


def test_technicians_take_only_phones_still_locked_when_work_begins() -> None:
    """Section 7: a phone that locked at 20:12 and took the bulk-reset ITL at 20:32 (A4) is
    working when the technician starts at 08:00; it is not erased (before, the technician took
    it from the queue at 20:12 and erased it at 08:15)."""
    from pathlib import Path

    from sim.fleet.run import simulate
    from sim.scenario.scenario import load_scenario

    fixed = Path(__file__).parent / "data" / "scenarios" / "fixed_times.toml"
    scenario = load_scenario(fixed, overrides=(
        "simulation.start=2024-03-04T20:00:00", "simulation.duration=13h",
        "recovery.technicians=1", "recovery.start=10min", "recovery.working_hours=[8, 17]"))
    summary = simulate(scenario).summary
    assert summary["ever_locked"] == 10 and summary["recovered_bulk"] == 10
    assert (summary["manual_visits"], summary["remote_fixes"]) == (0, 0)
    assert summary["technician_hours"] == 0.0
