"""Live-training speed: K optimizer lanes on two moons, a 2-16-16-2 tanh network, batch 32.

Prints training steps per second (one step = one mini-batch for every lane) of a batched
``TrainingSession`` holding all K lanes, against a Python loop over K separate one-lane sessions
(the per-lane baseline), measured interleaved in the same run, best of N. Two lane mixes: the same
optimizer class in every lane (one optimizer object) and mixed classes (one object per class).

Usage: python bench/bench_training.py [--steps 400] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optviz.datasets import DatasetSpec, make_dataset
from optviz.lanes import parse_lane
from optviz.mlp import Network
from optviz.training import TrainingSession

SAME_CLASS = ["adam", "adam:lr=0.01", "adam:lr=0.003", "adam:amsgrad=0,beta_1=0.8", "adam:lr=0.02", "adam:lr=0.0005"]
MIXED = ["adam", "sgd:lr=0.1,momentum=0.9", "rmsprop", "adam:lr=0.01", "nadam", "adagrad:lr=0.05"]


def steps_per_second(sessions: list[TrainingSession], steps: int) -> float:
    """Train every session ``steps`` steps (one evaluation at the end, as the page's chunks do)."""
    start = time.perf_counter()
    for training in sessions:
        training.advance(steps)
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    data = make_dataset(DatasetSpec("moons", samples=400, noise=0.2))
    network = Network(2, (16, 16), 2, "tanh")
    print(
        f"two moons ({len(data.y_train)} train), {network.describe()}, batch 32, "
        f"{args.steps} steps, best of {args.repeats}"
    )
    print(f"{'lanes':>5} {'mix':<10} {'groups':>6} {'batched steps/s':>16} {'per-lane loop':>14} {'ratio':>6}")
    for mix_name, mix in (("same", SAME_CLASS), ("mixed", MIXED)):
        for lanes_count in (1, 4, 6):
            lanes = [parse_lane(text) for text in mix[:lanes_count]]
            batched_best = loop_best = 0.0
            for _ in range(args.repeats):
                batched = TrainingSession(data, network, lanes, batch_size=32)
                batched_best = max(batched_best, steps_per_second([batched], args.steps))
                alone = [TrainingSession(data, network, [lane], batch_size=32) for lane in lanes]
                loop_best = max(loop_best, steps_per_second(alone, args.steps))
            ratio = batched_best / loop_best
            print(
                f"{lanes_count:>5} {mix_name:<10} {batched.group_count():>6} {batched_best:>16.0f} "
                f"{loop_best:>14.0f} {ratio:>5.2f}x"
            )


if __name__ == "__main__":
    main()
