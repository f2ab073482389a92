"""Loss-landscape speed: a 41 x 41 slice of the default 2-16-16-2 tanh network on two moons (300 training points).

Prints grid points per second of ``optviz.landscape.loss_grid`` (all grid points as one batch on the runs axis of
the MLP, in memory-bounded chunks) against a Python loop over the grid points (the same ``mlp.loss`` with one run
at a time), measured interleaved in the same run, best of N; then the whole ``session_landscape`` call (directions,
projection of three lanes' paths, grid) for random and PCA directions after 300 training steps.

Usage: python bench/bench_landscape.py [--resolution 41] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optviz import mlp
from optviz.datasets import DatasetSpec, make_dataset
from optviz.landscape import loss_grid, make_plane, session_landscape
from optviz.lanes import parse_lane
from optviz.training import TrainingSession

LANES = ("adam", "sgd:lr=0.1,momentum=0.9", "rmsprop")


def loop_grid(network, plane, alphas, betas, x, y) -> np.ndarray:
    """The baseline: one network (K = 1) per grid point."""
    losses = np.empty((len(betas), len(alphas)))
    for row, beta in enumerate(betas):
        for column, alpha in enumerate(alphas):
            point = plane.centre + alpha * plane.directions[0] + beta * plane.directions[1]
            weights = mlp.unflatten_weights(point[None], network)
            losses[row, column] = mlp.loss(weights, x, y, network.activation)[0]
    return losses


def timed(function) -> tuple[float, float, object]:
    """Wall-clock and CPU seconds of ``function()`` and its result (CPU time is steadier on a shared machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=int, default=41)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    data = make_dataset(DatasetSpec())
    network = mlp.Network(2, (16, 16), 2, "tanh")
    centre = mlp.flatten_weights(mlp.init_weights(network, 0))[0]
    plane = make_plane(network, centre, "random", seed=0)
    axis = np.linspace(-1.0, 1.0, args.resolution)
    points = args.resolution**2
    print(
        f"two moons ({len(data.y_train)} train points), {network.describe()} ({network.parameter_count} weights), "
        f"{args.resolution} x {args.resolution} = {points} grid points, best of {args.repeats}, interleaved"
    )
    batched_best, loop_best = np.full(2, np.inf), np.full(2, np.inf)  # (wall, CPU)
    for _ in range(args.repeats):
        *seconds, batched = timed(lambda: loss_grid(network, plane, axis, axis, data.x_train, data.y_train))
        batched_best = np.minimum(batched_best, seconds)
        *seconds, looped = timed(lambda: loop_grid(network, plane, axis, axis, data.x_train, data.y_train))
        loop_best = np.minimum(loop_best, seconds)
    assert np.allclose(batched, looped, rtol=1e-12)  # the same losses by both routes
    print(f"{'':<32}{'wall s':>8}{'points/s':>10}{'CPU s':>8}{'points/CPU s':>14}")
    for name, (wall, cpu) in (("batched grid (loss_grid)", batched_best), ("Python loop over grid points", loop_best)):
        print(f"{name:<32}{wall:>8.3f}{points / wall:>10,.0f}{cpu:>8.3f}{points / cpu:>14,.0f}")
    ratio = loop_best / batched_best
    print(f"ratio batched / loop: {ratio[0]:.2f}x wall, {ratio[1]:.2f}x CPU")
    session = TrainingSession(data, network, [parse_lane(text) for text in LANES])
    for _ in range(30):
        session.advance(10)
    for method in ("random", "pca"):
        build = lambda method=method: session_landscape(session, "initial", method, args.resolution)
        wall, cpu = np.min([timed(build)[:2] for _ in range(2)], axis=0)
        label = f"session_landscape, {method:<6} directions, {len(LANES)} lanes x 31 snapshots"
        print(f"{label}: {wall:.3f} s ({cpu:.3f} s CPU)")


if __name__ == "__main__":
    main()
