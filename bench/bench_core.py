"""Core speed: Adam on Rosenbrock, T = 500 steps, per-run lr = logspace(-3, -0.5, R).

Prints run-steps per second of optviz's runner against, measured in the same run,
(a) a straightforward vectorised NumPy Adam written here that records what the runner records
    (path, loss and gradient norm per step; the runner also checks divergence), and
(b) a Python loop over runs calling the optviz runner with R = 1 (a few hundred runs timed,
    scaled linearly to R).

Then the surface explorer's case, where the runs are few and Python's per-step overhead is the cost: six lanes
of six optimizer classes x 1000 steps (bench_surface_page.LANES) on Rosenbrock and on the default custom
f(x, y), as one step loop for every class (``run_lanes``: an ``optimizers.Stacked`` optimizer) against one
run per class (``run_group`` per class, what the explorer did before).

Usage: python bench/bench_core.py [--repeats 3] [--loop-runs 200]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optviz import optimizers
from optviz.runner import run
from optviz.surfaces import ROSENBROCK

STEPS = 500
START = (-1.2, 1.0)


def naive_numpy_adam(lr: np.ndarray, steps: int, record_all: bool = True) -> np.ndarray:
    """Baseline (a): the textbook vectorised NumPy Adam (Keras 2.2.4 rule).

    Records the path, and with ``record_all`` also the loss and gradient norm per step, as the runner does.
    """
    runs = lr.shape[0]
    beta_1, beta_2, epsilon = 0.9, 0.999, 1e-7
    x = np.tile(START, (runs, 1)).astype(np.float64)
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    path = np.empty((steps + 1, runs, 2))
    losses = np.empty((steps + 1, runs))
    grad_norms = np.empty((steps + 1, runs))
    path[0] = x
    lr = lr[:, None]
    for k in range(steps + 1):
        px, py = x[:, 0], x[:, 1]
        grad = np.stack([-2 * (1 - px) - 400 * px * (py - px**2), 200 * (py - px**2)], axis=1)
        if record_all:
            losses[k] = (1 - px) ** 2 + 100 * (py - px**2) ** 2
            grad_norms[k] = np.linalg.norm(grad, axis=1)
        if k == steps:
            break
        t = k + 1
        lr_t = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        m = beta_1 * m + (1 - beta_1) * grad
        v = beta_2 * v + (1 - beta_2) * grad**2
        x = x - lr_t * m / (np.sqrt(v) + epsilon)
        path[k + 1] = x
    return path


def optviz_run(lr: np.ndarray, steps: int) -> np.ndarray:
    starts = np.tile(START, (lr.shape[0], 1))
    return run(optimizers.Adam(lr=lr), ROSENBROCK.value_and_grad, starts, steps).positions


def best_times(functions: dict, repeats: int) -> dict[str, float]:
    """Best wall time of each function, interleaved so machine noise hits all alike."""
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: min(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--loop-runs", type=int, default=200, help="runs timed for the per-run loop (b)")
    args = parser.parse_args()

    lr_check = np.logspace(-3, -0.5, 50)
    assert np.allclose(optviz_run(lr_check, 50), naive_numpy_adam(lr_check, 50), rtol=1e-12, atol=1e-12)

    print(f"Adam on Rosenbrock, T={STEPS}, lr=logspace(-3,-0.5,R); best of {args.repeats}, interleaved; run-steps/s")
    print("(a) naive NumPy recording path+loss+grad norm like the runner; (a0) the same recording the path only")
    header = (
        f"{'R':>6} | {'optviz':>11} | {'(a)':>11} | {'vs (a)':>6} | {'(a0)':>11} | {'vs (a0)':>7} "
        f"| {'(b) loop':>8} | {'vs (b)':>6}"
    )
    print(header)
    print("-" * len(header))
    for runs in (1, 100, 10_000):
        lr = np.logspace(-3, -0.5, runs)
        loop_runs = min(runs, args.loop_runs)
        lr_loop = lr[:: max(1, runs // loop_runs)][:loop_runs]

        def loop_over_runs(lr_loop=lr_loop):
            for value in lr_loop:
                optviz_run(np.array([value]), STEPS)

        best = best_times(
            {
                "optviz": lambda lr=lr: optviz_run(lr, STEPS),
                "a": lambda lr=lr: naive_numpy_adam(lr, STEPS),
                "a0": lambda lr=lr: naive_numpy_adam(lr, STEPS, record_all=False),
            },
            args.repeats,
        )
        best["b"] = best_times({"b": loop_over_runs}, 1)["b"] * runs / loop_runs  # scaled linearly to R runs
        rate = {name: runs * STEPS / seconds for name, seconds in best.items()}
        print(
            f"{runs:>6} | {rate['optviz']:>11,.0f} | {rate['a']:>11,.0f} | {best['a'] / best['optviz']:>5.2f}x "
            f"| {rate['a0']:>11,.0f} | {best['a0'] / best['optviz']:>6.2f}x "
            f"| {rate['b']:>8,.0f} | {best['b'] / best['optviz']:>5.0f}x"
        )
    print(f"(b) timed up to {args.loop_runs} runs one by one with R = 1 and scaled linearly to R.")
    print()
    explorer_lanes(args.repeats)


def explorer_lanes(repeats: int) -> None:
    """The explorer's six lanes (one per class) x 1000 steps: one stacked step loop against one run per class."""
    from bench.bench_surface_page import LANES
    from optviz.explorer import run_group, run_lanes
    from optviz.lanes import parse_lane
    from optviz.surface_spec import CUSTOM, build_surface, default_start, make_spec

    lanes = [parse_lane(text) for text in LANES]
    custom = make_spec(CUSTOM)
    print(f"6 lanes x 1000 steps ({', '.join(LANES)}); best of {repeats}, interleaved")
    for name, surface, start in (
        ("Rosenbrock", ROSENBROCK, ROSENBROCK.start),
        ("custom f (default formula)", build_surface(custom), default_start(custom)),
    ):
        vg = surface.value_and_grad
        best = best_times(
            {
                "stacked": lambda vg=vg, start=start: run_lanes(lanes, vg, start, 1000),
                "per class": lambda vg=vg, start=start: run_lanes(
                    lanes, vg, start, 1000, group_runner=lambda *a, **k: run_group(*a, **k)
                ),
            },
            repeats,
        )
        print(
            f"  {name:<28}: one step loop {best['stacked'] * 1e3:6.1f} ms | one run per class "
            f"{best['per class'] * 1e3:6.1f} ms ({best['per class'] / best['stacked']:.1f}x)"
        )


if __name__ == "__main__":
    main()
