"""Decision maps as light inline SVG, redrawn twice a second while training runs.

The stopped page shows each lane's map as a PNG (``optviz.figures.training.decision_map_images``). Streamed while
training runs, a new ``data:`` image every update kept the browser's renderer growing by ~140 MB a minute
(bench/bench_train_memory.py); inline SVG markup is freed with the old markup. Same colours, boundary and points:
the grid cells of one colour (quantised to ``COLOUR_STEP``) are one ``<path>`` of row runs, and the data points
are a few paths shared by every lane.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np

from .training import CLASS_COLOURS, DIVERGED_COLOUR, probability_colours, value_colours, value_limit

COLOUR_STEP = 8  # RGB levels merged into one fill: invisible on a pastel map, far fewer paths
FOG, FOG_SHARE = 235.0, 0.6  # a diverged lane's map is greyed out, as on the PNG


def _cells_markup(rgb: np.ndarray, size: int) -> str:
    """One ``<path>`` per colour of the ``(G, G, 3)`` cells (top row first), each a union of horizontal runs."""
    rows, columns = rgb.shape[:2]
    codes = (rgb.astype(np.int64) // COLOUR_STEP * COLOUR_STEP) @ np.array([1 << 16, 1 << 8, 1])
    x_edges = np.round(np.arange(columns + 1) * size / columns).astype(int)  # whole pixels: no seams
    y_edges = np.round(np.arange(rows + 1) * size / rows).astype(int)
    starts = np.ones((rows, columns), dtype=bool)
    starts[:, 1:] = codes[:, 1:] != codes[:, :-1]
    row_index, column_index = np.nonzero(starts)
    ends = np.append(column_index[1:], columns)
    ends[np.append(row_index[1:] != row_index[:-1], True)] = columns  # a run stops at the end of its row
    colours = codes[row_index, column_index]
    left, right = x_edges[column_index], x_edges[ends]
    top, height = y_edges[row_index], y_edges[row_index + 1] - y_edges[row_index]
    paths = []
    for colour in np.unique(colours):
        chosen = colours == colour
        d = "".join(
            f"M{x} {y}h{w}v{h}h-{w}z"
            for x, y, w, h in zip(
                left[chosen].tolist(),
                top[chosen].tolist(),
                (right - left)[chosen].tolist(),
                height[chosen].tolist(),
                strict=True,
            )
        )
        paths.append(f"<path fill='#{int(colour):06X}' d='{d}'/>")
    return "".join(paths)


def points_markup(
    xs: np.ndarray, ys: np.ndarray, points: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], size: int
) -> str:
    """The data on a map ``size`` pixels wide over ``xs, ys``: training points dots with a white rim, test points
    black-edged diamonds, one path per class and split."""
    x_train, y_train, x_test, y_test = points
    regression = np.issubdtype(y_train.dtype, np.floating)
    limit = value_limit(y_train, y_test)
    parts = []
    for x, y, test in ((x_train, y_train, False), (x_test, y_test, True)):
        px = (x[:, 0] - xs[0]) / (xs[-1] - xs[0]) * (size - 1)
        py = (1.0 - (x[:, 1] - ys[0]) / (ys[-1] - ys[0])) * (size - 1)
        if regression:  # a point's colour is its target on the map's scale, quantised: one path per colour
            codes = (value_colours(y, limit).astype(np.int64) // COLOUR_STEP * COLOUR_STEP) @ [1 << 16, 1 << 8, 1]
            groups = [(f"#{int(code):06X}", codes == code) for code in np.unique(codes)]
        else:
            groups = [(CLASS_COLOURS[label], y == label) for label in np.unique(y).tolist()]
        for colour, chosen in groups:
            pairs = zip(px[chosen].tolist(), py[chosen].tolist(), strict=True)
            if test:
                d = "".join(f"M{a:.1f} {b - 4:.1f}l4 4l-4 4l-4-4z" for a, b in pairs)
                parts.append(f"<path d='{d}' fill='{colour}' stroke='black' stroke-width='1'/>")
            else:
                d = "".join(f"M{a:.1f} {b:.1f}h0" for a, b in pairs)
                parts.append(f"<path d='{d}' stroke='white' stroke-width='5.6' stroke-linecap='round'/>")
                parts.append(f"<path d='{d}' stroke='{colour}' stroke-width='3.8' stroke-linecap='round'/>")
    return "".join(parts)


def decision_maps_svg_html(
    probabilities: np.ndarray,
    data_points: str,
    captions: Sequence[str],
    colours: Sequence[str],
    diverged: Sequence[bool],
    size: int,
    limit: float = 1.0,
) -> str:
    """Small multiples like ``images_html`` (caption under each map, lane colour as a top rule, a diverged lane's
    caption bold red and its map greyed), each map an inline SVG. ``probabilities (K, G, G, C)``;
    ``data_points`` from :func:`points_markup`. A regression session's outputs ``(K, G, G, 1)`` are drawn as values
    (``value_colours`` up to ``limit``, as the PNG maps)."""
    cells = []
    for lane, (caption, colour, alert) in enumerate(zip(captions, colours, diverged, strict=True)):
        if probabilities.shape[-1] == 1:
            rgb = np.clip(value_colours(probabilities[lane, ..., 0], limit), 0, 255)[::-1]
        else:
            rgb = probability_colours(probabilities[lane]).astype(float)
        if alert:
            rgb = (1 - FOG_SHARE) * rgb + FOG_SHARE * FOG
        style = f"color:{DIVERGED_COLOUR};font-weight:700;" if alert else ""
        label = html.escape(caption)
        cells.append(
            f"<figure style='margin:0;width:{size}px'>"
            f"<svg role='img' aria-label='{label}' width='{size}' height='{size}' viewBox='0 0 {size} {size}' "
            f"shape-rendering='crispEdges' style='border-top:4px solid {colour};display:block'>"
            f"{_cells_markup(rgb, size)}<g shape-rendering='auto'>{data_points}</g></svg>"
            f"<figcaption style='{style}font-size:0.85em;text-align:center'>{label}</figcaption></figure>"
        )
    return "<div style='display:flex;flex-wrap:wrap;gap:14px'>" + "".join(cells) + "</div>"
