"""Figures for live training: loss and accuracy curves, decision-boundary maps, confusion matrices.

Decision maps are small PNG images (class colours mixed by probability, the boundary in dark grey, the data
points on top): one per lane, all on the same colour scale, about 30 KB each, so they can be re-sent ten
times a second while training runs and the browser only swaps pictures.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw

from ..retunes import Retune
from .legends import legend_below
from .thinning import thin

#: Class colours of data points and maps (distinct from the lane palette).
CLASS_COLOURS = (
    "#3B75AF",
    "#EF8636",
    "#519E3E",
    "#C53A32",
    "#8D69B8",
    "#84584E",
    "#D57DBF",
    "#7F7F7F",
    "#BCBD22",
    "#17BECF",
)
DIVERGED_COLOUR = "#D62728"
MAX_CURVE_POINTS = 400
MAP_COLUMNS = 3


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)


def score_panel(history: dict[str, np.ndarray]) -> tuple[str, str, str, tuple[float, float]]:
    """What the right-hand panel shows for this history: (metric, its title, the loss title, its y range).

    Accuracy in [0, 1] for classification; for a regression history (``train_r2`` columns) R^2, from its lowest
    value (but not below -1: a lane far worse than predicting the mean is off the chart) to 1.
    """
    if "train_r2" not in history:
        return "accuracy", "Accuracy", "Cross-entropy loss", (0.0, 1.02)
    values = np.concatenate([history["train_r2"], history["test_r2"]])
    values = values[np.isfinite(values)]
    low = max(float(values.min()), -1.0) if values.size else 0.0
    return "r2", "R²", "Mean squared error", (min(low, 0.0) - 0.02, 1.02)


def curves_figure(
    history: dict[str, np.ndarray],
    labels: Sequence[str],
    colours: Sequence[str],
    diverged_steps: Sequence[int | None],
    x_axis: str = "step",
    retunes: Sequence[Retune] = (),
) -> go.Figure:
    """Loss (left) and accuracy (right; R^2 for regression) per lane: train solid, test dotted; diverged lanes end
    with a red x; a lane retuned mid-run gets a dashed line in its colour at that step and a diamond on its curves
    whose hover says what changed (:func:`retune_marks`).

    ``history`` holds ``HISTORY_COLUMNS`` (``lane`` = lane position); ``x_axis`` is ``step`` or ``epoch``.
    """
    score, score_title, loss_title, score_range = score_panel(history)
    traces = []
    for lane, (label, colour) in enumerate(zip(labels, colours, strict=True)):
        mine = history["lane"] == lane
        picked = thin(int(mine.sum()), MAX_CURVE_POINTS)
        x = history[x_axis][mine][picked]
        mark = diverged_steps[lane]
        name = f"{lane + 1}. {label}" + ("" if mark is None else f" (diverged at step {mark})")
        for column, metric in ((1, "loss"), (2, score)):
            for split, dash in (("train", "solid"), ("test", "dot")):
                y = history[f"{split}_{metric}"][mine][picked]
                traces.append(
                    dict(
                        type="scatter",
                        x=x,
                        y=y,
                        mode="lines" if len(x) > 2 else "lines+markers",  # a lone first point stays visible
                        line=dict(color=colour, dash=dash, width=2.2 if split == "train" else 1.6),
                        name=name,
                        legendgroup=str(lane),
                        showlegend=column == 1 and split == "train",
                        xaxis="x" if column == 1 else "x2",
                        yaxis="y" if column == 1 else "y2",
                        hovertemplate=f"{label}<br>{split} {metric} %{{y:.4g}}<br>{x_axis} %{{x:.4g}}<extra></extra>",
                    )
                )
            if mark is not None:
                finite = np.isfinite(history[f"train_{metric}"][mine])
                if finite.any():
                    last = np.flatnonzero(finite)[-1]
                    traces.append(
                        dict(
                            type="scatter",
                            x=[history[x_axis][mine][last]],
                            y=[history[f"train_{metric}"][mine][last]],
                            mode="markers",
                            marker=dict(symbol="x", size=12, color=DIVERGED_COLOUR, line=dict(width=1)),
                            showlegend=False,
                            xaxis="x" if column == 1 else "x2",
                            yaxis="y" if column == 1 else "y2",
                            hovertemplate=f"{label} diverged at step {mark}<extra></extra>",
                        )
                    )
    traces += retune_marks(history, retunes, labels, colours, score, x_axis)
    for dash, name in (("solid", "train (solid)"), ("dot", "test (dotted)")):  # legend keys for the line styles
        traces.append(
            dict(type="scatter", x=[None], y=[None], mode="lines", line=dict(color="#444", dash=dash), name=name)
        )
    title = "Step" if x_axis == "step" else "Epoch"
    layout = dict(
        xaxis=dict(domain=[0.0, 0.46], title=dict(text=title)),
        xaxis2=dict(domain=[0.54, 1.0], title=dict(text=title), anchor="y2"),
        yaxis=dict(title=dict(text=loss_title), rangemode="tozero"),
        yaxis2=dict(title=dict(text=score_title), range=list(score_range), anchor="x2"),
        height=380,
        margin=dict(l=60, r=20, t=30, b=40),
        legend=legend_below(),
        uirevision="curves",
        shapes=[
            dict(
                type="line",
                xref=axis,
                yref="paper",
                x0=mark.step if x_axis == "step" else mark.epoch,
                x1=mark.step if x_axis == "step" else mark.epoch,
                y0=0,
                y1=1,
                line=dict(color=colours[mark.lane], dash="dash", width=1.2),
                opacity=0.8,
            )
            for mark in retunes
            for axis in ("x", "x2")
        ],
        annotations=[  # what changed, written once at the top of the loss panel (as the live picture does)
            dict(
                text=f"{mark.lane + 1}: {mark.change}",
                x=mark.step if x_axis == "step" else mark.epoch,
                xref="x",
                y=1.0,
                yref="paper",
                yanchor="top",
                yshift=-13 * (index % 3),
                xanchor="right" if 2 * mark.step > history["step"].max(initial=0) else "left",  # inside the panel
                xshift=-4 if 2 * mark.step > history["step"].max(initial=0) else 4,
                showarrow=False,
                font=dict(size=11, color=colours[mark.lane]),
                bgcolor="rgba(255,255,255,0.7)",
            )
            for index, mark in enumerate(retunes)
        ],
    )
    return go.Figure(data=traces, layout=layout, _validate=False)  # redrawn ~10x/s: tests validate it instead


def retune_value(history: dict[str, np.ndarray], lane: int, step: int, column: str) -> float:
    """Lane ``lane``'s ``column`` at the last evaluation at or before ``step`` (NaN when there is none)."""
    mine = (history["lane"] == lane) & (history["step"] <= step)
    if not mine.any():
        return float("nan")
    return float(history[column][np.flatnonzero(mine)[-1]])


def retune_marks(
    history: dict[str, np.ndarray],
    retunes: Sequence[Retune],
    labels: Sequence[str],
    colours: Sequence[str],
    score: str,
    x_axis: str = "step",
) -> list[dict]:
    """Per retune, a diamond on the lane's train curves (loss and ``score`` panels) at that step, in the lane's
    colour, whose hover says what changed (``2. Adam lr=0.003 retuned at step 150: lr 0.01 → 0.003``)."""
    traces = []
    for mark in retunes:
        x = mark.step if x_axis == "step" else mark.epoch
        hover = f"{mark.lane + 1}. {labels[mark.lane]}<br>retuned at step {mark.step}: {mark.change}<extra></extra>"
        for column, metric in ((1, "loss"), (2, score)):
            traces.append(
                dict(
                    type="scatter",
                    x=[x],
                    y=[retune_value(history, mark.lane, mark.step, f"train_{metric}")],
                    mode="markers",
                    marker=dict(
                        symbol="diamond", size=11, color=colours[mark.lane], line=dict(color="#FFFFFF", width=1.5)
                    ),
                    name=f"retuned: {mark.change}",
                    legendgroup=str(mark.lane),
                    showlegend=False,
                    meta="retune",
                    xaxis="x" if column == 1 else "x2",
                    yaxis="y" if column == 1 else "y2",
                    hovertemplate=hover,
                )
            )
    return traces


def probability_colours(probabilities: np.ndarray) -> np.ndarray:
    """RGB ``(G, G, 3)`` uint8 of one lane's map, top row first: class colours mixed by probability (pastel, so
    the points on top stay readable), decision-boundary pixels dark grey, NaN (a diverged lane) light grey.

    ``probabilities (G, G, C)`` with row 0 at the bottom (the first y value).
    """
    classes = probabilities.shape[-1]
    palette = np.stack([_rgb(c) for c in CLASS_COLOURS[:classes]])
    rgb = 0.45 * 255.0 + 0.55 * (probabilities @ palette)
    winner = probabilities.argmax(axis=-1)
    edge = np.zeros(winner.shape, dtype=bool)
    edge[:-1] |= winner[:-1] != winner[1:]
    edge[:, :-1] |= winner[:, :-1] != winner[:, 1:]
    rgb[edge] = (70.0, 70.0, 70.0)
    rgb[~np.isfinite(rgb).all(axis=-1)] = (200.0, 200.0, 200.0)
    return np.clip(rgb, 0, 255).astype(np.uint8)[::-1]


#: Regression maps: low values blue, high values orange (the first two class colours), through white.
LOW_COLOUR, HIGH_COLOUR = CLASS_COLOURS[0], CLASS_COLOURS[1]


def value_colours(values: np.ndarray, limit: float) -> np.ndarray:
    """RGB ``(..., 3)`` floats of regression values on a diverging scale: ``-limit`` blue, 0 white, ``+limit``
    orange (clipped beyond), NaN light grey."""
    share = np.clip(np.asarray(values, dtype=np.float64) / limit, -1.0, 1.0)[..., None]
    white = np.full(3, 255.0)
    rgb = np.where(share < 0, white + (white - _rgb(LOW_COLOUR)) * share, white + (_rgb(HIGH_COLOUR) - white) * share)
    rgb[~np.isfinite(rgb).all(axis=-1)] = (200.0, 200.0, 200.0)
    return rgb


def _grid_layout(
    count: int, columns: int = MAP_COLUMNS, gap_x: float = 0.09, gap_y: float = 0.16
) -> tuple[int, int, list[tuple[list[float], list[float]]]]:
    """Rows, columns and the (x domain, y domain) of each of ``count`` small multiples."""
    columns = min(columns, count)
    rows = math.ceil(count / columns)
    gap_y = gap_y if rows > 1 else 0.0
    width = (1.0 - gap_x * (columns - 1)) / columns
    height = (1.0 - gap_y * (rows - 1)) / rows
    domains = []
    for index in range(count):
        row, column = divmod(index, columns)
        left = column * (width + gap_x)
        top = 1.0 - row * (height + gap_y)
        domains.append(([max(left, 0.0), min(left + width, 1.0)], [max(top - height, 0.0), min(top, 1.0)]))
    return rows, columns, domains


def _axis_names(index: int) -> tuple[str, str, str, str]:
    suffix = "" if index == 0 else str(index + 1)
    return f"x{suffix}", f"y{suffix}", f"xaxis{suffix}", f"yaxis{suffix}"


def confusion_figure(
    counts: np.ndarray,
    titles: Sequence[str],
    diverged_steps: Sequence[int | None],
    class_names: Sequence[str] | None = None,
) -> go.Figure:
    """One confusion matrix per lane (true class down, predicted across), coloured by the share of each true class;
    the classes are named ``class_names`` (a table's label values) or numbered."""
    lanes, classes = counts.shape[0], counts.shape[1]
    rows, _, domains = _grid_layout(lanes)
    totals = counts.sum(axis=2, keepdims=True)
    shares = counts / np.where(totals > 0, totals, 1)
    traces = []
    layout: dict = {}
    annotations = []
    labels = [str(name) for name in class_names] if class_names else [str(c) for c in range(classes)]
    for index in range(lanes):
        x_ref, y_ref, x_key, y_key = _axis_names(index)
        x_domain, y_domain = domains[index]
        traces.append(
            go.Heatmap(
                z=shares[index],
                x=labels,
                y=labels,
                text=counts[index],
                texttemplate="%{text}",
                textfont=dict(size=9),
                colorscale="Blues",
                zmin=0,
                zmax=1,
                showscale=index == 0,
                colorbar=dict(title="share of<br>true class", len=0.6),
                xaxis=x_ref,
                yaxis=y_ref,
                hovertemplate="true %{y}, predicted %{x}: %{text}<extra></extra>",
            )
        )
        ticks = dict(type="category", tickmode="array", tickvals=labels, tickfont=dict(size=9))
        layout[x_key] = dict(domain=x_domain, title=dict(text="predicted", standoff=2), anchor=y_ref, **ticks)
        layout[y_key] = dict(
            domain=y_domain, title=dict(text="true", standoff=2), autorange="reversed", anchor=x_ref, **ticks
        )
        mark = diverged_steps[index]
        title = titles[index] if mark is None else f"<b>{titles[index]}: DIVERGED at step {mark}</b>"
        annotations.append(
            dict(
                text=title,
                x=sum(x_domain) / 2,
                y=y_domain[1],
                xref="paper",
                yref="paper",
                xanchor="center",
                yanchor="bottom",
                showarrow=False,
                font=dict(size=12, color=DIVERGED_COLOUR if mark is not None else "#222"),
            )
        )
    layout.update(annotations=annotations, height=340 * rows + 40, margin=dict(l=50, r=10, t=30, b=40))
    return go.Figure(data=traces, layout=layout)


_LAYERS: dict[tuple, Image.Image] = {}


def _points_layer(
    xs: np.ndarray, ys: np.ndarray, points: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], size: int
) -> Image.Image:
    """The data points as a transparent RGBA layer: training points dots with a white rim, test points diamonds.

    Cached (a handful of entries): the same data are drawn on every update while training runs.
    """
    key = (xs[0], xs[-1], ys[0], ys[-1], size, *(hash(a.tobytes()) for a in points))
    layer = _LAYERS.get(key)
    if layer is None:
        if len(_LAYERS) > 8:
            _LAYERS.clear()
        layer = _LAYERS[key] = _draw_points(xs, ys, points, size)
    return layer


def _draw_points(
    xs: np.ndarray, ys: np.ndarray, points: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], size: int
) -> Image.Image:
    x_train, y_train, x_test, y_test = points
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    regression = np.issubdtype(y_train.dtype, np.floating)
    limit = value_limit(y_train, y_test)
    for x, y, test in ((x_train, y_train, False), (x_test, y_test, True)):
        px = (x[:, 0] - xs[0]) / (xs[-1] - xs[0]) * (size - 1)
        py = (1.0 - (x[:, 1] - ys[0]) / (ys[-1] - ys[0])) * (size - 1)
        if regression:  # a point's colour is its target on the map's scale
            colours = [tuple(int(c) for c in rgb) for rgb in value_colours(y, limit).round()]
        else:
            colours = [CLASS_COLOURS[label] for label in y.tolist()]
        for cx, cy, colour in zip(px.tolist(), py.tolist(), colours, strict=True):
            if test:
                draw.polygon([(cx, cy - 4), (cx + 4, cy), (cx, cy + 4), (cx - 4, cy)], fill=colour, outline="black")
            else:
                draw.ellipse([cx - 2.6, cy - 2.6, cx + 2.6, cy + 2.6], fill=colour, outline="white")
    return layer


def decision_map_images(
    xs: np.ndarray,
    ys: np.ndarray,
    probabilities: np.ndarray,
    points: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    diverged_steps: Sequence[int | None],
    size: int = 260,
) -> list[bytes]:
    """One PNG per lane on the same colour scale: ``probability_colours`` scaled to ``size`` pixels with the data
    drawn on top; a diverged lane's map is greyed out. ``probabilities (K, G, G, C)`` over ``xs, ys (G,)``.

    A regression session's outputs ``(K, G, G, 1)`` are drawn as values instead (``value_colours``, symmetric
    about 0 up to the largest target magnitude), the points coloured by their targets on the same scale.
    """
    layer = _points_layer(xs, ys, points, size)
    fog = Image.new("RGBA", (size, size), (235, 235, 235, 255))
    limit = value_limit(points[1], points[3])
    images = []
    for lane in range(probabilities.shape[0]):
        if probabilities.shape[-1] == 1:
            pixels = np.clip(value_colours(probabilities[lane, ..., 0], limit), 0, 255).astype(np.uint8)[::-1]
        else:
            pixels = probability_colours(probabilities[lane])
        image = Image.fromarray(pixels, "RGB").convert("RGBA")
        image = image.resize((size, size), Image.BILINEAR)
        if diverged_steps[lane] is not None:
            image = Image.blend(image, fog, 0.6)
        buffer = io.BytesIO()
        Image.alpha_composite(image, layer).convert("RGB").save(buffer, format="PNG", compress_level=1)
        images.append(buffer.getvalue())
    return images


def value_limit(*targets: np.ndarray) -> float:
    """The colour scale's half-range for regression targets: their largest magnitude (1 if there is none)."""
    values = np.abs(np.concatenate([np.asarray(t, dtype=np.float64) for t in targets]))
    values = values[np.isfinite(values)]
    return float(values.max()) if values.size and values.max() > 0 else 1.0


def images_html(
    images: Sequence[bytes], captions: Sequence[str], colours: Sequence[str], alerts: Sequence[bool], width: int
) -> str:
    """Small multiples as inline HTML (PNG data URLs, caption under each, lane colour as a top rule, alert
    captions in bold red): no media files for the browser to fetch on every update."""
    cells = []
    for image, caption, colour, alert in zip(images, captions, colours, alerts, strict=True):
        style = f"color:{DIVERGED_COLOUR};font-weight:700;" if alert else ""
        source = "data:image/png;base64," + base64.b64encode(image).decode()
        cells.append(
            f"<figure style='margin:0;width:{width}px'>"
            f"<img src='{source}' width='{width}' height='{width}' alt='{html.escape(caption)}' "
            f"style='border-top:4px solid {colour};display:block'/>"
            f"<figcaption style='{style}font-size:0.85em;text-align:center'>{html.escape(caption)}</figcaption>"
            "</figure>"
        )
    return "<div style='display:flex;flex-wrap:wrap;gap:14px'>" + "".join(cells) + "</div>"
