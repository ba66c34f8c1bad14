"""Benchmark for the risk-of-bias plots: the traffic-light plot and the summary bar chart of 300 results
(RoB 2, five domains and Overall, weighted), each as SVG and as PNG, from data it makes up. The goal is
both plots for 300 results under 2 s. Prints wall time and the CPU time of this process (on a shared
machine the wall time also counts waiting for a core), best of three.

    .venv/bin/python bench/rob_plots.py [--results 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.calibrate import python_speed  # noqa: E402
from extraction.rob.plots import RobResult, summary_plot, traffic_light  # noqa: E402

DOMAINS = [
    ("D1", "Bias arising from the randomization process"),
    ("D2", "Bias due to deviations from intended interventions"),
    ("D3", "Bias due to missing outcome data"),
    ("D4", "Bias in measurement of the outcome"),
    ("D5", "Bias in selection of the reported result"),
]
JUDGEMENTS = ["low", "some_concerns", "high", "no_information"]
OUTCOMES = ["HAM-D, week 1", "MADRS, day 7", "Response at 24 hours", "Remission, week 4"]


def results(count: int) -> list[RobResult]:
    rng = random.Random(2020)
    made = []
    for i in range(count):
        judgements = {key: rng.choices(JUDGEMENTS, weights=[5, 3, 2, 1])[0] for key, _name in DOMAINS}
        worst = max(judgements.values(), key=["no_information", "low", "some_concerns", "high"].index)
        label = f"{rng.choice(['Williams', 'Jelen', 'Tiger', 'Murrough', 'Zarate'])} {2000 + i % 25} ({rng.choice(OUTCOMES)})"
        made.append(RobResult(label, judgements, worst, weight=rng.uniform(1, 20)))
    return made


def measure(label: str, func, repeat: int) -> tuple[float, float]:
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        size = len(func())
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    print(f"{label:<34} {best_wall * 1000:8.0f} ms wall {best_cpu * 1000:8.0f} ms CPU {size / 1024:8.0f} KiB")
    return best_wall, best_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(python_speed())
    data = results(args.results)
    wall = cpu = 0.0
    for fmt in ("svg", "png"):
        for name, plot, options in (
            ("traffic light", traffic_light, {}),
            ("summary", summary_plot, {"weighted": True}),
        ):
            times = measure(
                f"{name}, {args.results} results, {fmt.upper()}",
                lambda plot=plot, fmt=fmt, options=options: plot(data, domains=DOMAINS, fmt=fmt, **options),
                args.repeat,
            )
            wall, cpu = wall + times[0], cpu + times[1]
    print(
        f"{'all four files':<34} {wall * 1000:8.0f} ms wall {cpu * 1000:8.0f} ms CPU (goal for both plots: 2000 ms)"
    )


if __name__ == "__main__":
    main()
