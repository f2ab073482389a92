"""Sweep speed: a 100 x 100 grid of 300 steps on Rosenbrock, from settings to data ready.

For each grid (SGD lr x momentum, Adam lr x beta_1) prints the time of ``optviz.sweep.run_sweep``
(settings in, one metric value per cell out; every cell is one run of the batch) against, in the same
run, a Python loop over cells that runs the optviz runner once per cell (R = 1) and scores it the same
way. The loop times a few hundred cells and is scaled linearly to the grid.

Usage: python bench/bench_sweep.py [--repeats 3] [--loop-cells 300] [--size 100] [--steps 300]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optviz.lanes import parse_lane
from optviz.runner import run
from optviz.surfaces import ROSENBROCK
from optviz.sweep import Axis, RunSummary, Task, run_sweep, score

GRIDS = {
    "SGD lr x momentum": ("sgd", Axis("lr", 1e-4, 1.0, "log", 100), Axis("momentum", 0.0, 0.99, "lin", 100)),
    "Adam lr x beta_1": ("adam", Axis("lr", 1e-4, 1.0, "log", 100), Axis("beta_1", 0.0, 0.99, "lin", 100)),
}


def batched(lane_text: str, x: Axis, y: Axis, task: Task) -> np.ndarray:
    """optviz: the whole grid as one batch on the runs axis."""
    return run_sweep(parse_lane(lane_text), x, y, task, "final_loss").values


def loop_over_cells(lane_text: str, x: Axis, y: Axis, task: Task, cells: int) -> np.ndarray:
    """Baseline: one runner call per cell, the first ``cells`` cells of the grid in row-major order."""
    lane = parse_lane(lane_text)
    values = np.empty(cells)
    for index in range(cells):
        row, column = divmod(index, x.count)
        config = {**dict(lane.config), x.argument: x.values()[column], y.argument: y.values()[row]}
        optimizer = type(lane.build())(**config)
        trajectory = run(optimizer, task.surface.value_and_grad, [task.start], task.steps)
        values[index] = score(RunSummary.of(trajectory), task, "final_loss")[0]
    return values


def best_of(repeats: int, function, *args):
    best, output = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        output = function(*args)
        best = min(best, time.perf_counter() - start)
    return best, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--loop-cells", type=int, default=300)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--steps", type=int, default=300)
    options = parser.parse_args()
    task = Task(ROSENBROCK, (-1.2, 1.0), options.steps)
    print(
        f"Rosenbrock from (-1.2, 1), {options.steps} steps, {options.size} x {options.size} grid, "
        f"final loss per cell; best of {options.repeats}"
    )
    print(f"{'grid':<20} {'optviz batch':>13} {'loop over cells':>22} {'ratio':>8}  check")
    for name, (lane_text, x, y) in GRIDS.items():
        x = Axis(x.argument, x.low, x.high, x.scale, options.size)
        y = Axis(y.argument, y.low, y.high, y.scale, options.size)
        cells = x.count * y.count
        loop_cells = min(options.loop_cells, cells)
        batch_time, values = best_of(options.repeats, batched, lane_text, x, y, task)
        loop_time, looped = best_of(1, loop_over_cells, lane_text, x, y, task, loop_cells)
        scaled = loop_time * cells / loop_cells
        same = np.allclose(values.ravel()[:loop_cells], looped, rtol=1e-12, equal_nan=True)
        print(
            f"{name:<20} {batch_time:>11.3f} s {scaled:>11.1f} s (scaled) {scaled / batch_time:>7.0f}x  "
            f"{'cells equal' if same else 'MISMATCH'}; {loop_cells} cells took {loop_time:.2f} s"
        )
        print(f"{'':<20} {cells / batch_time:>11,.0f} cells/s; {int(np.isnan(values).sum())} of {cells} diverged")


if __name__ == "__main__":
    main()
