"""Live loss and accuracy curves as a light SVG picture, redrawn 10+ times a second while training runs.

The browser rebuilds a Plotly chart from scratch on each live update (150-250 ms in a software-rendered
Chromium), which caps a live view at 3-6 updates per second; an SVG picture of the same two panels costs it a
few milliseconds. The training page shows this picture while training runs and the interactive Plotly figure
(``optviz.figures.training.curves_figure``, same panels, colours and line styles) once it stops.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence

import numpy as np

from optviz.figures.thinning import thin
from optviz.figures.training import DIVERGED_COLOUR, score_panel
from optviz.retunes import Retune

LIVE_CURVE_POINTS = 200  # per line: plenty for a 430 px wide panel
FONT = "font-family='Source Sans Pro, Helvetica, Arial, sans-serif' font-size='12' fill='#31333F'"
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM, GAP = 62, 16, 14, 44, 70
LEGEND_ROW = 22


def nice_ticks(low: float, high: float, count: int = 5) -> np.ndarray:
    """About ``count`` round tick values (1, 2 or 5 times a power of ten apart) covering ``[low, high]``."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return np.array([low if math.isfinite(low) else 0.0])
    raw = (high - low) / max(count - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    return np.arange(first, high + step * 1e-6, step)


def _label(value: float) -> str:
    return f"{value:.4g}"


def _panel(
    left: float,
    top: float,
    width: float,
    height: float,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    x_title: str,
    y_title: str,
    lines: list[tuple[np.ndarray, np.ndarray, str, bool]],
    marks: list[tuple[float, float]],
    retunes: Sequence[tuple[float, str, str]] = (),
    write_retunes: bool = True,
) -> list[str]:
    """One panel: grid, tick labels, axis titles, lines ``(x, y, colour, dashed)``, diverged ✕ marks and retune marks
    ``(x, colour, label)`` (a dashed line in the lane's colour with the label as its tooltip, and written at the top
    with ``write_retunes``)."""
    (x0, x1), (y0, y1) = x_range, y_range

    def px(x):
        return left + (np.asarray(x, dtype=np.float64) - x0) / (x1 - x0) * width

    def py(y):
        return top + height - (np.asarray(y, dtype=np.float64) - y0) / (y1 - y0) * height

    parts = [
        f"<rect x='{left:.1f}' y='{top:.1f}' width='{width:.1f}' height='{height:.1f}' fill='#FFFFFF' "
        "stroke='#D5D7DE'/>"
    ]
    for tick in nice_ticks(y0, y1):
        y = float(py(tick))
        parts.append(f"<line x1='{left:.1f}' x2='{left + width:.1f}' y1='{y:.1f}' y2='{y:.1f}' stroke='#ECEDF1'/>")
        parts.append(f"<text x='{left - 6:.1f}' y='{y + 4:.1f}' text-anchor='end' {FONT}>{_label(tick)}</text>")
    for tick in nice_ticks(x0, x1):
        x = float(px(tick))
        parts.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{top:.1f}' y2='{top + height:.1f}' stroke='#ECEDF1'/>")
        parts.append(f"<text x='{x:.1f}' y='{top + height + 16:.1f}' text-anchor='middle' {FONT}>{_label(tick)}</text>")
    parts.append(
        f"<text x='{left + width / 2:.1f}' y='{top + height + 34:.1f}' text-anchor='middle' {FONT}>{x_title}</text>"
    )
    middle = top + height / 2
    parts.append(
        f"<text x='{left - 46:.1f}' y='{middle:.1f}' text-anchor='middle' transform='rotate(-90 {left - 46:.1f} "
        f"{middle:.1f})' {FONT}>{y_title}</text>"
    )
    parts.append(
        f"<clipPath id='clip{int(left)}'><rect x='{left:.1f}' y='{top:.1f}' width='{width:.1f}' "
        f"height='{height:.1f}'/></clipPath><g clip-path='url(#clip{int(left)})'>"
    )
    for x, y, colour, dashed in lines:
        finite = np.isfinite(y)
        if not finite.any():
            continue
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px(x[finite]), py(y[finite]), strict=True))
        style = "stroke-width='1.6' stroke-dasharray='2 3'" if dashed else "stroke-width='2.2'"
        if finite.sum() == 1:  # a lone first point stays visible
            a, b = float(px(x[finite][0])), float(py(y[finite][0]))
            parts.append(f"<circle cx='{a:.1f}' cy='{b:.1f}' r='3' fill='{colour}'/>")
        parts.append(
            f"<polyline data-points='{int(finite.sum())}' points='{points}' fill='none' stroke='{colour}' {style} "
            "stroke-linejoin='round'/>"
        )
    parts.append("</g>")
    for index, (x, colour, label) in enumerate(retunes):
        if not x0 <= x <= x1:
            continue
        a = float(px(x))
        anchor = "end" if a > left + width / 2 else "start"
        shift = -4 if anchor == "end" else 4
        text = html.escape(label)
        written = (
            f"<text x='{a + shift:.1f}' y='{top + 12 + 13 * (index % 3):.1f}' text-anchor='{anchor}' "
            f"font-family='Source Sans Pro, Helvetica, Arial, sans-serif' font-size='11' fill='{colour}'>{text}</text>"
        )
        parts.append(
            f"<g data-retune='{text}'><title>{text}</title><line x1='{a:.1f}' x2='{a:.1f}' y1='{top:.1f}' "
            f"y2='{top + height:.1f}' stroke='{colour}' stroke-width='1.4' stroke-dasharray='5 4'/>"
            + (written if write_retunes else "")
            + "</g>"
        )
    for x, y in marks:
        a, b = float(px(x)), float(py(min(max(y, y0), y1)))
        cross = f"M{a - 6:.1f},{b - 6:.1f}L{a + 6:.1f},{b + 6:.1f}M{a - 6:.1f},{b + 6:.1f}L{a + 6:.1f},{b - 6:.1f}"
        parts.append(f"<path d='{cross}' stroke='{DIVERGED_COLOUR}' stroke-width='2.5'/>")
    return parts


def curves_svg(
    history: dict[str, np.ndarray],
    labels: Sequence[str],
    colours: Sequence[str],
    diverged_steps: Sequence[int | None],
    width: int = 1000,
    height: int = 330,
    retunes: Sequence[Retune] = (),
) -> str:
    """The two panels of ``curves_figure`` (loss left, accuracy or R^2 right; train solid, test dotted; diverged lanes
    end with a red ✕; a retuned lane a dashed line in its colour at that step, labelled with what changed in the
    loss panel) and a legend row, as SVG markup ``width`` x ``height`` pixels."""
    legend_rows = math.ceil((len(labels) + 2) / 3)
    plot_height = height - MARGIN_TOP - MARGIN_BOTTOM - legend_rows * LEGEND_ROW
    panel_width = (width - 2 * MARGIN_LEFT - MARGIN_RIGHT - GAP) / 2
    steps = history["step"]
    x_range = (0.0, float(max(steps.max(initial=0), 1)))
    losses = np.concatenate([history["train_loss"], history["test_loss"]])
    finite_losses = losses[np.isfinite(losses)]
    loss_top = float(finite_losses.max()) * 1.05 if finite_losses.size else 1.0
    score, score_title, loss_title, score_range = score_panel(history)
    panels = (
        ("loss", loss_title, (0.0, max(loss_top, 1e-6)), MARGIN_LEFT),
        (score, score_title, score_range, 2 * MARGIN_LEFT + panel_width + GAP),
    )
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' viewBox='0 0 {width} {height}'>"
    ]
    for metric, title, y_range, left in panels:
        lines, marks = [], []
        for lane, (colour, mark) in enumerate(zip(colours, diverged_steps, strict=True)):
            mine = history["lane"] == lane
            picked = thin(int(mine.sum()), LIVE_CURVE_POINTS)
            x = steps[mine][picked].astype(np.float64)
            for split in ("train", "test"):
                lines.append((x, history[f"{split}_{metric}"][mine][picked], colour, split == "test"))
            if mark is not None:
                values = history[f"train_{metric}"][mine]
                finite = np.flatnonzero(np.isfinite(values))
                if finite.size:
                    marks.append((float(steps[mine][finite[-1]]), float(values[finite[-1]])))
        shown = [(float(r.step), colours[r.lane], f"{r.lane + 1}: {r.change}") for r in retunes]
        box = (left, MARGIN_TOP, panel_width, plot_height)
        written = metric == "loss"  # the change is written once, in the loss panel (a tooltip in both)
        parts += _panel(*box, x_range, y_range, "Step", title, lines, marks, shown, written)
    entries = [
        (f"{n + 1}. {label}" + ("" if mark is None else f" (diverged at step {mark})"), colour, False)
        for n, (label, colour, mark) in enumerate(zip(labels, colours, diverged_steps, strict=True))
    ] + [("train (solid)", "#444444", False), ("test (dotted)", "#444444", True)]
    legend_top = MARGIN_TOP + plot_height + MARGIN_BOTTOM + 4
    column_width = (width - MARGIN_LEFT) / 3
    for index, (text, colour, dashed) in enumerate(entries):
        x = MARGIN_LEFT + (index % 3) * column_width
        y = legend_top + (index // 3) * LEGEND_ROW
        dash = " stroke-dasharray='2 3'" if dashed else ""
        parts.append(
            f"<line x1='{x:.1f}' x2='{x + 26:.1f}' y1='{y:.1f}' y2='{y:.1f}' stroke='{colour}' "
            f"stroke-width='2.2'{dash}/>"
        )
        parts.append(f"<text x='{x + 32:.1f}' y='{y + 4:.1f}' {FONT}>{html.escape(text)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def svg_image(svg: str, alt: str) -> str:
    """An ``<img>`` holding ``svg`` as a data URL: the browser decodes one picture instead of building a DOM."""
    encoded = base64.b64encode(svg.encode()).decode()
    return (
        f"<img src='data:image/svg+xml;base64,{encoded}' alt='{html.escape(alt)}' "
        "style='width:100%;max-width:100%;height:auto'/>"
    )


def inline_svg(svg: str, label: str) -> str:
    """``svg`` to put in the page as markup, scaled to the column and labelled for assistive tech (``role=img``).

    The live view uses this rather than :func:`svg_image`: a new ``data:`` image every update kept the browser's
    renderer growing by ~60 MB a minute (bench/bench_train_memory.py), while ~100 SVG elements are freed with the
    old markup and cost the browser about as little to draw."""
    head = f"<svg role='img' aria-label='{html.escape(label)}' style='width:100%;height:auto;display:block' "
    return head + svg.removeprefix("<svg ")
