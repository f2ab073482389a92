"""What the sweep page's browser views draw: the heat map, sent once per grid, and the replay of one cell.

The heat map travels without the click layer of :func:`.sweep.sweep_heatmap` (a marker, a hover label and
a click target per cell: 2.2 MB and 40,000 SVG nodes at 200 x 200). The view snaps the pointer to the
nearest cell centre itself and reads what it shows on hover from ``cells``, numbers Python computed. The
replayed cell's outline and the replay figure are small and change with each click; the replay's surface is
a PNG layout image (the explorer's), the same for a surface, so it is sent once too. Nothing here is
computed in the browser. UI-free.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

import numpy as np

from ..runner import Trajectory
from ..surfaces import Surface
from ..sweep import METRICS, SweepResult
from .surfaces import default_window, pack_f4, plotly_json, surface_image
from .sweep import cell_coordinates, paths_layers, selected_trace, sweep_heatmap, unstable_with_value

#: ``cells.status`` codes: a metric value, diverged, never reached the tolerance.
HAS_VALUE, DIVERGED, NOT_REACHED, UNSTABLE = 0, 1, 2, 3


def pack_u1(values: np.ndarray) -> dict:
    """``values`` as unsigned bytes in base64 with their shape (what the browser view decodes)."""
    array = np.ascontiguousarray(values, dtype=np.uint8)
    return {"dtype": "u1", "bdata": base64.b64encode(array.tobytes()).decode(), "shape": list(array.shape)}


def heatmap_view(result: SweepResult) -> dict:
    """The heat map for the browser view, whatever cell is replayed: ``figure`` (plotly JSON: metric and status
    layers, legend, best cell; no click layer, no outline) and ``cells``: the centres ``x`` (nx,) and
    ``y`` (ny,) in plot coordinates, the argument values and names, the metric's label, ``values`` (ny, nx)
    float32 (NaN without a value) and ``status`` (ny, nx) bytes (:data:`HAS_VALUE`, :data:`DIVERGED`,
    :data:`NOT_REACHED`, :data:`UNSTABLE`) for the line under the map."""
    figure = sweep_heatmap(result, None, click_layer=False)
    cx, cy = cell_coordinates(result)
    status = np.where(unstable_with_value(result), UNSTABLE, HAS_VALUE)
    status = np.where(result.diverged, DIVERGED, np.where(result.not_reached, NOT_REACHED, status))
    cells = {
        "x": cx.tolist(),
        "y": cy.tolist(),
        "xValues": result.x_values.tolist(),
        "yValues": result.y_values.tolist(),
        "xName": result.x.argument,
        "yName": result.y.argument,
        "metric": METRICS[result.metric].label,
        "values": pack_f4(result.values),
        "status": pack_u1(status),
    }
    return {"figure": plotly_json(figure), "cells": cells}


def selected_view(result: SweepResult, cell: tuple[int, int] | None) -> dict:
    """The replayed cell's outline as a plotly trace (JSON), with the cell as ``[row, column]`` under ``cell``; with no
    cell (every cell diverged) an empty outline and ``cell`` None."""
    trace = plotly_json({"data": [selected_trace(result, cell or (0, 0))]})["data"][0]
    if cell is None:
        return {"trace": {**trace, "x": [], "y": []}, "cell": None}
    return {"trace": trace, "cell": [int(c) for c in cell]}


def replay_view(
    surface: Surface, paths: Sequence[tuple[str, str, Trajectory]], start: tuple[float, float] | None = None
) -> dict:
    """The replayed paths as plotly JSON, without a contour: the view draws :func:`replay_background` under them."""
    data, layout = paths_layers(surface, paths, start)
    return plotly_json({"data": data, "layout": layout})


def replay_background(surface: Surface) -> dict:
    """The surface under a replay: its PNG layout image over the replay's window, the same for a surface."""
    return surface_image(surface, default_window(surface))
