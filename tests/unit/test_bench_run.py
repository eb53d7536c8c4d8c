"""bench/run's arithmetic: which baseline each endpoint is divided by, and what flags a run.

The load itself needs gunicorn and wrk for minutes (bench/README.md); what it reports is decided
by ``round_groups``, ``round_order``, ``summarise`` and the comparisons, which are fed here with
measurements whose answer is known.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
from argparse import Namespace
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[2] / "bench" / "run"


@pytest.fixture(scope="module")
def bench():
    loader = importlib.machinery.SourceFileLoader("bench_run", str(RUN))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("bench_run", loader))
    loader.exec_module(module)  # bench/run starts nothing on import: main() runs under __main__ only
    return module


def measurements(bench, rounds: dict[int, list[tuple[str, float]]]) -> list[dict]:
    """Results as bench/run's main loop records them, in each round's order; the 1-connection
    figure is made a tenth of the 16-connection one."""
    results = []
    for rnd, seq_rates in rounds.items():
        groups: list[list[str]] = []  # what is measured between two baselines
        for (before, _), (name, _) in zip([("baseline", 0)] + seq_rates, seq_rates):
            if name == "baseline":
                continue
            if before == "baseline":
                groups.append([name])
            else:
                groups[-1].append(name)
        order = bench.round_order(groups)
        assert [name for name, _ in order] == [name for name, _ in seq_rates]
        for seq, ((name, where), (_, rps)) in enumerate(zip(order, seq_rates)):
            for conns, rate in ((16, rps), (1, rps / 10)):
                results.append({"round": rnd, "seq": seq, "target": name, "position": where,
                                "connections": conns, "rps": rate, "p50_ms": 1.0, "p99_ms": 10.0,
                                "errors": 0})
    return results


def test_the_baseline_is_measured_before_between_and_after_the_endpoints(bench) -> None:
    assert bench.round_order([["module"], ["catalog"], ["matrix"]]) == [
        ("baseline", "start"), ("module", ""), ("baseline", "between"), ("catalog", ""),
        ("baseline", "between"), ("matrix", ""), ("baseline", "end")]


def test_each_ratio_is_to_the_baselines_on_either_side_of_it(bench) -> None:
    # The machine slows down through the round: 1000, 800, then 600 baseline requests a second.
    results = measurements(bench, {
        1: [("baseline", 1000), ("module", 300), ("baseline", 800), ("catalog", 210), ("baseline", 600)],
        2: [("baseline", 1000), ("module", 300), ("baseline", 800), ("catalog", 210), ("baseline", 600)],
    })
    s = bench.summarise(Namespace(connections=16, db="sqlite"), results, ["module", "catalog"])
    module, catalog = s["endpoints"]["module"], s["endpoints"]["catalog"]
    assert module["c16"]["ratio"] == pytest.approx(300 / 900, abs=1e-4)
    assert catalog["c16"]["ratio"] == pytest.approx(210 / 700, abs=1e-4)
    assert catalog["c1"]["ratio"] == pytest.approx(21 / 70, abs=1e-4)
    # Against the round's mean baseline (800) the catalog would have missed its 0.30 target.
    assert 210 / 800 < bench.TARGETS["catalog"] <= catalog["c16"]["ratio"]
    assert catalog["ok"] is True and module["ok"] is True
    base = s["baseline"]["c16"]
    assert base["rps_per_round"] == [800.0, 800.0]
    assert base["drift_in_round"] == [0.5, 0.5]  # (1000 - 600) / 800
    assert base["spread"] == 0.0 and s["valid"] is True
    assert s["steady"] is False  # valid by the spread between rounds, yet the machine moved within each


def test_a_round_whose_baselines_agree_is_steady(bench) -> None:
    results = measurements(bench, {rnd: [("baseline", 1000), ("module", 300), ("baseline", 960)] for rnd in (1, 2)})
    s = bench.summarise(Namespace(connections=16, db="sqlite"), results, ["module"])
    assert s["baseline"]["c16"]["drift_in_round"] == [0.0408, 0.0408] and s["steady"] is True


def test_rounds_whose_baselines_differ_by_more_than_five_percent_make_the_run_invalid(bench) -> None:
    results = measurements(bench, {
        1: [("baseline", 1000), ("quiz_post", 120), ("baseline", 1000)],
        2: [("baseline", 900), ("quiz_post", 90), ("baseline", 900)],
    })
    s = bench.summarise(Namespace(connections=16, db="sqlite"), results, ["quiz_post"])
    assert s["baseline"]["c16"]["spread"] == pytest.approx(100 / 950, abs=1e-4)
    assert s["valid"] is False and s["all_targets_met"] is False
    quiz = s["endpoints"]["quiz_post"]
    assert quiz["c16"]["ratio_per_round"] == [0.12, 0.1]
    assert quiz["noisy"] is True  # 0.12 and 0.10 differ by 18% of their mean
    assert "p99" not in quiz["meets"]  # the p99 limit is for GETs


def test_the_quiz_posts_target_is_for_sqlite_only(bench) -> None:
    results = measurements(bench, {1: [("baseline", 1000), ("quiz_post", 50), ("baseline", 1000)]})
    s = bench.summarise(Namespace(connections=16, db="postgres"), results, ["quiz_post"])
    assert s["endpoints"]["quiz_post"]["ok"] is None and s["all_targets_met"] is True


def test_the_scale_comparison_judges_the_endpoints_with_targets(bench) -> None:
    def run(floor: float, module: float) -> dict:
        return {"connections": 16, "endpoints": {"floor": {"c16": {"ratio": floor}},
                                                 "module": {"c16": {"ratio": module}}}}

    cmp = bench.compare(run(0.50, 0.33), run(0.40, 0.30), "scale1.json")
    assert cmp["endpoints"]["floor"]["within_15pct"] is False  # +25%, shown ...
    assert cmp["endpoints"]["module"]["change"] == pytest.approx(0.1)
    assert cmp["all_within_15pct"] is True  # ... but the floor has no target
    assert bench.compare(run(0.40, 0.36), run(0.40, 0.30), "scale1.json")["all_within_15pct"] is False


def test_beside_a_second_sabak_each_endpoint_runs_on_both_between_the_same_baselines(bench) -> None:
    twin = {"module": "module@1", "catalog": "catalog@1"}
    assert bench.round_groups(["module", "catalog"], {}, 1) == [["module"], ["catalog"]]
    first, second = (bench.round_groups(["module", "catalog"], twin, rnd) for rnd in (1, 2))
    assert first == [["module", "module@1"], ["catalog", "catalog@1"]]
    assert second == [["module@1", "module"], ["catalog@1", "catalog"]]  # neither always goes first
    assert bench.round_order(second) == [
        ("baseline", "start"), ("module@1", ""), ("module", ""), ("baseline", "between"),
        ("catalog@1", ""), ("catalog", ""), ("baseline", "end")]


def side_by_side(bench, db: str = "sqlite"):
    """A --scale 10 --beside 1 run: the machine slows through each round, and in round 2 the
    catalog at scale 10 is slower than at scale 1 by 10%, in round 1 by 30%."""
    results = measurements(bench, {
        1: [("baseline", 1000), ("module", 320), ("module@1", 300), ("baseline", 800),
            ("catalog", 147), ("catalog@1", 210), ("baseline", 600),
            ("quiz_post", 60), ("quiz_post@1", 60), ("baseline", 600)],
        2: [("baseline", 1000), ("module@1", 300), ("module", 300), ("baseline", 800),
            ("catalog@1", 210), ("catalog", 189), ("baseline", 600),
            ("quiz_post@1", 60), ("quiz_post", 60), ("baseline", 600)],
    })
    s = bench.summarise(Namespace(connections=16, db=db), results,
                        ["module", "catalog", "quiz_post", "module@1", "catalog@1", "quiz_post@1"])
    s["connections"], s["db"] = 16, db
    return s


def test_both_servers_ratios_are_to_the_same_baselines_and_meet_the_same_targets(bench) -> None:
    s = side_by_side(bench)
    rows = s["endpoints"]
    assert rows["module@1"]["c16"]["ratio"] == pytest.approx(300 / 900, abs=1e-4)
    assert rows["module"]["c16"]["ratio_per_round"] == [round(320 / 900, 4), round(300 / 900, 4)]
    assert rows["catalog@1"]["c16"]["ratio"] == pytest.approx(210 / 700, abs=1e-4)
    assert rows["catalog@1"]["ok"] is True and rows["catalog@1"]["target_ratio"] == bench.TARGETS["catalog"]
    assert rows["catalog"]["ok"] is False  # (147 + 189) / 2 / 700 = 0.24
    assert "p99" not in rows["quiz_post@1"]["meets"]  # a POST at either scale
    assert s["all_targets_met"] is False
    on_postgres = side_by_side(bench, "postgres")["endpoints"]
    assert on_postgres["quiz_post@1"]["ok"] is None and on_postgres["quiz_post"]["ok"] is None


def test_the_side_by_side_comparison_is_the_larger_scale_against_the_smaller(bench) -> None:
    s = side_by_side(bench)
    cmp = bench.compare_beside(s, 10, 1)
    module, catalog = cmp["endpoints"]["module"], cmp["endpoints"]["catalog"]
    assert (cmp["scale"], cmp["earlier_scale"]) == (10, 1)
    assert module["change"] == pytest.approx((310 / 900) / (300 / 900) - 1, abs=1e-3)
    assert module["change_per_round"] == [pytest.approx(320 / 300 - 1, abs=1e-3), 0.0]
    assert catalog["change"] == pytest.approx(-0.2, abs=1e-3) and catalog["within_15pct"] is False
    assert catalog["change_per_round"] == [pytest.approx(-0.3, abs=1e-3), pytest.approx(-0.1, abs=1e-3)]
    assert cmp["all_within_15pct"] is False
    assert set(cmp["endpoints"]) == {"module", "catalog", "quiz_post"}  # one row a pair
    # Run the other way round (--scale 1 --beside 10), the same figures compare the same way.
    renamed = {name: (name.split("@")[0] if "@" in name else f"{name}@10") for name in s["endpoints"]}
    swapped = {**s, "endpoints": {renamed[name]: row for name, row in s["endpoints"].items()}}
    again = bench.compare_beside(swapped, 1, 10)
    assert again["endpoints"]["catalog"]["change"] == catalog["change"] and again["scale"] == 10
