"""How fast this machine runs Python right now, printed with every benchmark: shared and virtual machines
vary by a factor of two from hour to hour, and the figures only compare at the same speed."""

from __future__ import annotations

import time


def python_speed() -> str:
    best = float("inf")
    for _ in range(20):
        started = time.perf_counter()
        total = 0
        for i in range(10_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return f"machine speed: a 10,000-step Python loop takes {best * 1000:.2f} ms (best of 20)"
