"""Network-sweep work rate: how many units of cells x steps x batch x parameters the machine trains per second,
and how long the largest sweep the budget allows (``optviz.sweep_budget.NETWORK_WORK_BUDGET``) takes.

Each configuration is a 12 x 12 grid (SGD lr x momentum) of ``optviz.sweep.run_sweep`` on the network task.
The batch counted is the effective one (at most the training set). The rate is per second of CPU time, which
other load on the machine barely changes (the wall time is printed too).

Usage: python bench/bench_sweep_budget.py [--scale 1]  (multiplies the steps timed)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optviz.lanes import parse_lane
from optviz.sweep import Axis, NetworkTask, run_sweep
from optviz.sweep_budget import NETWORK_WORK_BUDGET, bounded_network_task, network_work

#: (hidden layers, batch size, steps timed): small networks run more steps so that the set-up does not dominate.
CONFIGS = [((64, 64, 64), 1024, 3), ((32, 32), 256, 20), ((16, 16), 32, 100)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    x, y = Axis("lr", 1e-4, 1.0, "log", 12), Axis("momentum", 0.0, 0.99, "lin", 12)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for hidden, batch, timed in CONFIGS:
        steps = max(1, round(timed * args.scale))
        task = NetworkTask("moons", steps, hidden, "tanh", batch)
        began, cpu = time.perf_counter(), time.process_time()
        run_sweep(parse_lane("sgd"), x, y, task, "train_loss")
        wall, seconds = time.perf_counter() - began, time.process_time() - cpu
        rate = network_work(task, 144) / seconds
        largest, _ = bounded_network_task(NetworkTask("moons", 2000, hidden, "tanh", batch), 144)
        print(
            f"hidden {hidden} batch {batch}: {seconds:.2f} s CPU ({wall:.2f} s wall) for {steps} steps, "
            f"{1e9 / rate:.2f} ns per unit; "
            f"the budget {NETWORK_WORK_BUDGET:.3g} allows {largest.steps} steps (about "
            f"{network_work(largest, 144) / rate:.0f} s of CPU)"
        )


if __name__ == "__main__":
    main()
