"""Surface explorer speed and payload: a slider change with 6 lanes x 1000 steps on Rosenbrock.

Prints, best of N (interleaved with the baselines, same run):
- "slider change (compute + view + JSON)": one lane's lr changes, so its optimizer class is re-run
  (the other classes come from the page's per-class cache), then the data of the browser view (map, loss
  chart, every lane's positions) is built and serialised. Baseline: recomputing every lane with a Python loop
  over lanes and ensemble members.
- the HTML export's animated figure (built on download), raw frames against frames through plotly's
  validation (``go.Frame``), and its JSON size against an un-subsampled figure (one frame per step, each
  frame carrying the path so far).
- "AppTest rerun": the whole page script after the slider change (every widget, the view, the metrics
  table), the server-side time of a real rerun.
- the first switch to a surface: every lane runs afresh (one step loop for all classes against one run per
  class), then the view's data; and the whole page's first switch to "Custom f(x, y)" and to a built-in surface
  not seen before (AppTest, after the page's background warm-up of the custom surface).

Usage: python bench/bench_surface_page.py [--repeats 5] [--steps 1000] [--ensemble 8]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import plotly.tools

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optviz.explorer import RunCache, run_group, run_lanes  # noqa: E402
from optviz.figures.surfaces import PathSet, explorer_figure, explorer_view_data, loss_chart  # noqa: E402
from optviz.lanes import PALETTE, parse_lane  # noqa: E402
from optviz.page_states.explorer import ExplorerState  # noqa: E402
from optviz.runner import run  # noqa: E402
from optviz.surface_spec import CUSTOM, build_surface, default_start, make_spec  # noqa: E402
from optviz.surfaces import ROSENBROCK  # noqa: E402

LANES = (
    "adam:lr=0.01",
    "sgd:lr=0.001,momentum=0.9",
    "rmsprop:lr=0.01",
    "adagrad:lr=0.1",
    "nadam:lr=0.01",
    "adamax:lr=0.05,clipnorm=1",
)


def best(function, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - began)
    return min(times), result


def send(figure) -> str:
    """What st.plotly_chart does with a figure: to a dict, then to JSON."""
    return pio.to_json(plotly.tools.return_figure_from_figure_or_data(figure, validate_figure=True), validate=False)


def paths_for(lanes, trajectories) -> list[PathSet]:
    return [PathSet(lane.label(), PALETTE[i], t) for i, (lane, t) in enumerate(zip(lanes, trajectories, strict=True))]


def slider_change(lanes, cached, steps, noise, ensemble) -> int:
    """optviz page path: re-run the changed lane's class only, build and serialise the browser view's data (the map
    without image, the loss chart, every lane's positions; what pages/components/path_view.py sends per rerun)."""
    changed = run_group(
        [lanes[0]], ROSENBROCK.value_and_grad, ROSENBROCK.start, steps, noise_sigma=noise, ensemble=ensemble
    )
    paths = paths_for(lanes, [changed[0], *cached[1:]])
    loss = loss_chart(paths, 0.0)[0]
    return len(json.dumps(explorer_view_data(ROSENBROCK, paths, ROSENBROCK.start, loss)))


def one_group(*args, **kwargs) -> list:
    """Each optimizer class in its own run (what the explorer did before one step loop ran them all)."""
    return run_group(*args, **kwargs)


def first_switch(lanes, steps: int, repeats: int) -> None:
    """A surface not seen before: every lane runs afresh, then the view's data (map without image, loss chart,
    positions); the image is made once per surface (for the default custom surface, during the warm-up)."""
    custom = make_spec(CUSTOM)
    surface, start = build_surface(custom), default_start(custom)
    state = ExplorerState(surface=custom, start=start, steps=steps, lanes=tuple(lanes))

    def switch(runner) -> int:
        trajectories = runner()
        paths = paths_for(lanes, trajectories)
        loss = loss_chart(paths, None)[0]
        return len(json.dumps(explorer_view_data(surface, paths, start, loss)))

    stacked, _ = best(lambda: switch(lambda: RunCache().runs(state)), repeats)
    per_class, _ = best(
        lambda: switch(lambda: run_lanes(lanes, surface.value_and_grad, start, steps, group_runner=one_group)), repeats
    )
    print("[first switch to the custom surface: every lane afresh + view data, no Streamlit]")
    print(f"  one step loop (RunCache.runs)          : {stacked * 1e3:8.1f} ms")
    print(f"  one run per optimizer class            : {per_class * 1e3:8.1f} ms")
    print()


def naive_loop(lanes, steps, noise, ensemble) -> list:
    """Baseline compute: one runner call per lane and per ensemble member."""
    members = ensemble if noise > 0 else 1
    return [
        [
            run(lane.build(), ROSENBROCK.value_and_grad, [ROSENBROCK.start], steps, noise_sigma=noise, noise_seed=m)
            for m in range(members)
        ]
        for lane in lanes
    ]


def validated_figure(figure) -> int:
    """Baseline figure: the same frames pushed through plotly's validation (go.Frame objects)."""
    slow = go.Figure(data=figure.data, layout=figure.layout, frames=[go.Frame(**frame) for frame in figure.raw_frames])
    return len(send(slow))


def unsubsampled_json(lanes, trajectories) -> int:
    """Baseline payload: one frame per step, each carrying every lane's path so far (rounded lists)."""
    steps = trajectories[0].steps
    data = [go.Scatter(x=[None], y=[None])] + [go.Scatter(x=[], y=[], mode="lines") for _ in lanes]
    frames = []
    for k in range(steps + 1):
        frames.append(
            dict(
                name=str(k),
                traces=list(range(1, len(lanes) + 1)),
                data=[
                    dict(
                        type="scatter",
                        x=np.round(t.positions[: k + 1, 0, 0], 4).tolist(),
                        y=np.round(t.positions[: k + 1, 0, 1], 4).tolist(),
                    )
                    for t in trajectories
                ],
            )
        )
    return len(pio.to_json(dict(data=[d.to_plotly_json() for d in data], layout={}, frames=frames), validate=False))


def apptest_first_switches(steps: int) -> tuple[float, float]:
    """The whole page's first switch to "Custom f(x, y)", then to a built-in surface not seen before (Himmelblau),
    in this process's first AppTest of the page (run this before anything else builds the custom surface)."""
    from streamlit.testing.v1 import AppTest

    custom = make_spec(CUSTOM)
    at = AppTest.from_file(str(ROOT / "pages" / "surfaces.py"), default_timeout=120)
    at.query_params.update(surface="rosenbrock", start="-1.2,1", steps=str(steps))
    at.query_params["o"] = list(LANES)
    at.run()
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline and build_surface.cache_info().currsize < 2:  # the warm-up: 2 s, then
        time.sleep(0.2)  # the formula worker compiles the default formula
    time.sleep(1.0)  # and the map image is made
    assert build_surface(custom) is not None
    times = []
    for key in ("custom", "himmelblau"):
        at.selectbox(key="surfaces.surface").set_value(key)
        began = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - began)
        assert not at.exception, at.exception
    return times[0], times[1]


def apptest_rerun(steps: int, repeats: int) -> float:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "surfaces.py"), default_timeout=120)
    at.query_params["steps"] = str(steps)
    at.query_params["o"] = list(LANES)
    at.run()
    options = [0.01, 0.0121, 0.0147, 0.0178, 0.0215]
    times = []
    for i in range(repeats):
        slider = at.select_slider(key="surfaces.lanes.0.adam.lr")
        slider.set_value(options[(i + 1) % len(options)])
        began = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - began)
        assert not at.exception, at.exception
    return min(times)


def report(lanes, steps: int, noise: float, ensemble: int, repeats: int) -> None:
    """Print the figures for one setting (no noise, or a noisy ensemble)."""
    title = "no noise" if noise == 0 else f"noise {noise}, ensemble {ensemble} per lane"
    vg, start = ROSENBROCK.value_and_grad, ROSENBROCK.start
    cached = run_lanes(lanes, vg, start, steps, noise_sigma=noise, ensemble=ensemble)
    ours, size = best(lambda: slider_change(lanes, cached, steps, noise, ensemble), repeats)
    batched, _ = best(
        lambda: run_lanes(lanes, vg, start, steps, noise_sigma=noise, ensemble=ensemble), max(1, repeats // 2)
    )
    per_class, _ = best(
        lambda: run_lanes(lanes, vg, start, steps, noise_sigma=noise, ensemble=ensemble, group_runner=one_group),
        max(1, repeats // 2),
    )
    loop, _ = best(lambda: naive_loop(lanes, steps, noise, ensemble), max(1, repeats // 2))
    figure = explorer_figure(ROSENBROCK, paths_for(lanes, cached), start)
    fast, _ = best(lambda: len(send(explorer_figure(ROSENBROCK, paths_for(lanes, cached), start))), repeats)
    slow, _ = best(lambda: validated_figure(figure), 1)
    print(f"[{title}]")
    print(f"  slider change, compute + view + JSON   : {ours * 1e3:8.1f} ms   (target < 300 ms)")
    print(f"  all lanes, one step loop (stacked)     : {batched * 1e3:8.1f} ms")
    print(f"  all lanes, one run per optimizer class : {per_class * 1e3:8.1f} ms")
    print(f"  all lanes, loop over lanes x members   : {loop * 1e3:8.1f} ms   ({loop / batched:.1f}x slower)")
    print(f"  HTML export figure + JSON (raw frames) : {fast * 1e3:8.1f} ms")
    print(f"  the same, validated frames             : {slow * 1e3:8.1f} ms   ({slow / fast:.1f}x slower)")
    print(f"  browser view data JSON per rerun       : {size / 1e6:8.3f} MB   (target < 1 MB)")
    if noise == 0:
        full = unsubsampled_json(lanes, cached)
        print(f"  un-subsampled cumulative frames JSON   : {full / 1e6:8.3f} MB   ({full / size:.0f}x larger)")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--ensemble", type=int, default=8)
    args = parser.parse_args()
    lanes = [parse_lane(text) for text in LANES]
    to_custom, to_builtin = apptest_first_switches(args.steps)  # first: a fresh process, nothing cached yet
    print(f"6 lanes x {args.steps} steps on Rosenbrock, best of {args.repeats}\n")
    for noise, ensemble in ((0.0, 1), (0.5, args.ensemble)):
        report(lanes, args.steps, noise, ensemble, args.repeats)
    first_switch(lanes, args.steps, args.repeats)
    print(f"AppTest first switch to the custom surface (whole page, warmed up): {to_custom * 1e3:.0f} ms")
    print(f"AppTest first switch to Himmelblau (whole page, never seen)       : {to_builtin * 1e3:.0f} ms")
    rerun = apptest_rerun(args.steps, max(2, args.repeats // 2))
    print(f"AppTest rerun after a lane slider change (whole page, no noise): {rerun * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
