"""Surface explorer speed: 6 lanes x 1000 steps on Rosenbrock, from a settings change to the figure sent.

Times, best of N, in the same run:

- **compute**: ``optviz.explorer.run_lanes`` (lanes of one optimizer class batched into one runner call)
  against a baseline that calls the runner once per lane (and once per ensemble member).
- **figure**: ``optviz.figures.surfaces.explorer_figure`` plus the serialisation Streamlit does for
  ``st.plotly_chart`` (``to_dict`` + ``plotly.io.to_json``), with the page's frame cap against a baseline
  that animates every step; prints the JSON size of both (target: < 1 MB).
- **total** = compute + figure + loss chart, the server work after a widget change (target: < 300 ms).
- **page rerun** (``--apptest``): an AppTest of pages/surfaces.py, time of the rerun after changing the
  steps widget (includes Streamlit's own overhead and every figure of the page).

Usage: python bench/bench_surface_page.py [--repeats 5] [--steps 1000] [--ensemble 8] [--apptest]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import plotly.io

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optviz.explorer import run_lanes
from optviz.figures.surfaces import PathSet, explorer_figure, loss_figure
from optviz.lanes import PALETTE, parse_lane
from optviz.runner import run
from optviz.surfaces import get_surface

LANES = (
    "adam:lr=0.01",
    "adam:lr=0.05",
    "adam:lr=0.002",
    "sgd:lr=0.001,momentum=0.9",
    "sgd:lr=0.0005,momentum=0.95",
    "rmsprop:lr=0.005",
)
START = (-1.2, 1.0)


def per_lane_runs(lanes, surface, steps: int, sigma: float, ensemble: int):
    """Baseline: one runner call per lane and ensemble member (R = 1)."""
    members = ensemble if sigma > 0 else 1
    return [
        [
            run(lane.build(), surface.value_and_grad, [START], steps, noise_sigma=sigma, noise_seed=m)
            for m in range(members)
        ]
        for lane in lanes
    ]


def batched_runs(lanes, surface, steps: int, sigma: float, ensemble: int):
    return run_lanes(lanes, surface.value_and_grad, START, steps, noise_sigma=sigma, noise_seed=0, ensemble=ensemble)


def sent_json(figure) -> str:
    """What st.plotly_chart puts in its message for a go.Figure."""
    return plotly.io.to_json(figure.to_dict(), validate=False)


def figure_json(surface, paths, max_frames: int | None) -> str:
    kwargs = {} if max_frames is None else {"max_frames": max_frames}
    return sent_json(explorer_figure(surface, paths, START, **kwargs))


def loss_json(paths) -> str:
    return sent_json(loss_figure(paths, 0.0, log_scale=True)[0])


def best_of(repeats: int, function, *args):
    best, output = np.inf, None
    for _ in range(repeats):
        began = time.perf_counter()
        output = function(*args)
        best = min(best, time.perf_counter() - began)
    return best, output


def apptest_rerun(repeats: int, steps: int) -> float:
    """Best time of an AppTest rerun of the surface page after a steps change (6 lanes from the URL)."""
    from streamlit.testing.v1 import AppTest

    page = Path(__file__).resolve().parents[1] / "pages" / "surfaces.py"
    at = AppTest.from_file(str(page), default_timeout=120)
    at.query_params["surface"] = "rosenbrock"
    at.query_params["start"] = "-1.2,1"
    at.query_params["steps"] = str(steps)
    at.query_params["o"] = list(LANES)
    at.run()
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception[0].message}")
    widget = next(n for n in at.number_input if "step" in n.label.lower())
    best = np.inf
    for index in range(repeats):
        widget.set_value(steps - 1 - index)  # a new setting each time: no cache hit
        began = time.perf_counter()
        at.run()
        best = min(best, time.perf_counter() - began)
        widget = next(n for n in at.number_input if "step" in n.label.lower())
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--ensemble", type=int, default=8)
    parser.add_argument("--apptest", action="store_true", help="also time a rerun of the real page in AppTest")
    args = parser.parse_args()
    surface = get_surface("rosenbrock")
    lanes = [parse_lane(text) for text in LANES]
    print(f"Surface explorer, Rosenbrock, {len(lanes)} lanes x {args.steps} steps, best of {args.repeats}")
    for sigma, ensemble in ((0.0, 1), (0.5, args.ensemble)):
        title = "no noise" if sigma == 0 else f"noise 0.5, ensemble of {ensemble} per lane"
        print(f"\n== {title} ==")
        batched_time, trajectories = best_of(args.repeats, batched_runs, lanes, surface, args.steps, sigma, ensemble)
        loop_time, looped = best_of(
            max(1, args.repeats // 2), per_lane_runs, lanes, surface, args.steps, sigma, ensemble
        )
        for trajectory, members in zip(trajectories, looped, strict=True):  # same numbers, or the bench is wrong
            for m, single in enumerate(members):
                np.testing.assert_allclose(trajectory.positions[:, m], single.positions[:, 0], rtol=1e-12, atol=1e-12)
        print(f"compute  batched by class : {1e3 * batched_time:7.1f} ms")
        print(
            f"compute  one run per lane/member (baseline): {1e3 * loop_time:7.1f} ms "
            f"(batched is {loop_time / batched_time:.1f}x faster)"
        )
        paths = [
            PathSet(lane.label(), PALETTE[i], t) for i, (lane, t) in enumerate(zip(lanes, trajectories, strict=True))
        ]
        figure_time, capped = best_of(args.repeats, figure_json, surface, paths, None)
        every_time, every = best_of(max(1, args.repeats // 2), figure_json, surface, paths, args.steps + 1)
        loss_time, _ = best_of(args.repeats, loss_json, paths)
        print(
            f"2-D figure, capped frames : {1e3 * figure_time:7.1f} ms, JSON {len(capped) / 1e6:5.2f} MB"
            f"  (target < 1 MB: {'ok' if len(capped) < 1e6 else 'OVER'})"
        )
        print(
            f"2-D figure, every step a frame (baseline): {1e3 * every_time:7.1f} ms, JSON {len(every) / 1e6:5.2f} MB "
            f"(capped is {every_time / figure_time:.1f}x faster, {len(every) / len(capped):.1f}x smaller)"
        )
        print(f"loss chart                : {1e3 * loss_time:7.1f} ms")
        total = batched_time + figure_time + loss_time
        baseline = loop_time + every_time + loss_time
        print(
            f"TOTAL settings change -> figures sent: {1e3 * total:7.1f} ms (target < 300 ms: "
            f"{'ok' if total < 0.3 else 'OVER'}); baseline {1e3 * baseline:7.1f} ms ({baseline / total:.1f}x)"
        )
    if args.apptest:
        rerun = apptest_rerun(max(2, args.repeats // 2), args.steps)
        print(f"\nAppTest rerun of pages/surfaces.py after a steps change, {len(lanes)} lanes: {1e3 * rerun:7.1f} ms")


if __name__ == "__main__":
    main()
