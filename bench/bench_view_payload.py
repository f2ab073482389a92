"""What one /surfaces rerun spends on its browser view's data, server side: the loss chart, the view's data and the
JSON Streamlit makes of it (twice: once for the element's identity, once for the message).

Now: the loss chart as plain dicts (``loss_chart``) and the paths and loss curves as packed float64
(``pack_array``). Baseline, same run, same trajectories: the loss chart as a checked ``go.Figure`` and the map's
paths as JSON lists of floats (what the page sent before). Also printed: a new surface's map image (PNG) with and
without ``optimize=True``. Best of ``--repeats``.

Usage: python bench/bench_view_payload.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_surface_page import LANES  # noqa: E402

from optviz.explorer import run_lanes  # noqa: E402
from optviz.figures import surfaces as figures  # noqa: E402
from optviz.lanes import parse_lane  # noqa: E402
from optviz.metrics import optimum_value  # noqa: E402
from optviz.surfaces import get_surface  # noqa: E402

COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00")


def best_ms(work: Callable[[], object], repeats: int) -> float:
    """The fastest of ``repeats`` calls, in ms."""
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return min(times) * 1000


def view_now(surface, paths, start) -> str:
    """The page's path: plain-dict loss chart, packed arrays; the JSON made twice, as Streamlit does."""
    chart, _ = figures.loss_chart(paths, optimum_value(surface))
    data = figures.explorer_view_data(surface, paths, start, chart)
    json.dumps(data)
    return json.dumps(data)


def view_before(surface, paths, start) -> str:
    """The baseline: a checked go.Figure loss chart and the map's traces as JSON lists of floats."""
    figure, _ = figures.loss_figure(paths, optimum_value(surface))
    data = figures.explorer_view_data(surface, paths, start, figure.to_plotly_json())  # the checked figure's dict
    listed = [{k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in trace.items()}
              for trace in figures.explorer_map(surface, paths, start).data[1:]]  # fmt: skip
    data["map"] = figures.plotly_json({"data": listed, "layout": data["map"]["layout"]})
    json.dumps(data)
    return json.dumps(data)


def png_ms(surface, repeats: int) -> tuple[float, float, int, int]:
    """A new surface's map image encoded with the default and with ``optimize=True``: ms each, and bytes."""
    source = figures.surface_png(surface, figures.default_window(surface))
    image = Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))).convert("RGB")
    sizes = []

    def encode(**options) -> None:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", **options)
        sizes.append(len(buffer.getvalue()))

    plain = best_ms(encode, repeats)
    optimized = best_ms(lambda: encode(optimize=True), repeats)
    return plain, optimized, sizes[0], sizes[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    surface = get_surface("rosenbrock")
    lanes = [parse_lane(text) for text in LANES]
    trajectories = run_lanes(lanes, surface.value_and_grad, surface.start, 1000)
    paths = [figures.PathSet(f"{n}. {lane.label()}", c, t) for n, (lane, c, t) in
             enumerate(zip(lanes, COLOURS, trajectories, strict=True), 1)]  # fmt: skip
    now = best_ms(lambda: view_now(surface, paths, surface.start), args.repeats)
    before = best_ms(lambda: view_before(surface, paths, surface.start), args.repeats)
    size_now = len(view_now(surface, paths, surface.start)) / 1000
    size_before = len(view_before(surface, paths, surface.start)) / 1000
    print(f"/surfaces view data, {len(LANES)} lanes x 1000 steps on Rosenbrock, best of {args.repeats}")
    print(f"  loss chart + view data + JSON x2, now    : {now:7.1f} ms   {size_now:6.0f} KB")
    print(f"  the same, before (go.Figure, JSON lists) : {before:7.1f} ms   {size_before:6.0f} KB"
          f"   ({before / now:.1f}x the time, {size_before / size_now:.2f}x the bytes)")
    for name in ("beale", "rastrigin", "ackley"):
        plain, optimized, plain_bytes, optimized_bytes = png_ms(get_surface(name), args.repeats)
        print(f"  {name:10} map PNG: {plain:5.1f} ms ({plain_bytes / 1000:.1f} KB); with optimize=True "
              f"{optimized:5.1f} ms ({optimized_bytes / 1000:.1f} KB), {optimized / plain:.1f}x the time")


if __name__ == "__main__":
    main()
