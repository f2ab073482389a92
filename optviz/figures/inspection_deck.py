"""Every recorded step of the step inspector as data, for a browser view that steps without asking the server.

:func:`step_deck` lays out what :func:`optviz.figures.inspection.step_figure` draws for each step k (the path to
``θ_{k-1}``, the arrows of step k with their true lengths, ``θ_{k-1}`` and ``θ_k``) plus the headline numbers
of the step (:func:`summary_rows`), once for all steps; the surface is a PNG image (its contour would be
recomputed by plotly at every step). The browser swaps them as the person steps.
"""

from __future__ import annotations

import numpy as np

from ..inspection import Inspection
from ..inspection_formulas import theta
from ..surfaces import Surface
from .inspection import ARROW_COLORS, FORK_COLOR, ORIGINAL_COLOR, path_trace, step_arrows, step_title, view_window
from .legends import legend_below
from .surface_layers import minima_trace
from .surfaces import plotly_json, surface_image


def summary_rows(inspection: Inspection, step: int) -> list[tuple[str, str]]:
    """The headline numbers of step ``step``: loss before and after, gradient norm, clip factor, the lr plan's lr
    variable (a lane with a plan), rate, step length."""
    values = inspection.values(step)
    if "lr_t" in values:
        rate = ("η_t (bias-corrected lr)", f"{values['lr_t']:.5g}")
    else:
        rate = ("η (lr after decay)", f"{values['lr_eff']:.5g}")
    return [
        (f"loss f({theta('k-1')}) → f({theta('k')})", f"{values['loss_prev']:.5g} → {values['loss']:.5g}"),
        ("raw gradient norm ‖g‖", f"{values['grad_norm']:.5g}"),
        ("clip factor (1 = no clipping)", f"{values['clip_factor']:.4g}"),
        *_lr_plan_rows(values),
        rate,
        ("step length ‖Δθ‖", f"{values['step_length']:.5g}"),
    ]


def _lr_plan_rows(values: dict[str, float]) -> list[tuple[str, str]]:
    """The lr variable the lane's lr plan set for the step (and η when the rate row shows η_t); none without."""
    if "epoch" not in values:  # recorded only for a lane with an lr plan
        return []
    rows = [(f"lr variable (the lr plan at epoch {values['epoch']:.0f})", f"{values['lr']:.5g}")]
    if "lr_t" in values:
        rows.append(("η (lr after decay)", f"{values['lr_eff']:.5g}"))
    return rows


def _arrows(inspection: Inspection, step: int, window) -> list[dict]:
    arrows = []
    for arrow in step_arrows(inspection, step, window):
        drawn = "" if arrow.scale == 1 else f", drawn ×{arrow.scale:.3g}"
        arrows.append(
            dict(
                kind=arrow.kind,
                name=f"{arrow.label}: |·| = {arrow.length:.3g}{drawn}",
                x=[float(arrow.start[0]), float(arrow.end[0])],
                y=[float(arrow.start[1]), float(arrow.end[1])],
                hover=f"{arrow.label}<br>vector ({arrow.vector[0]:.4g}, {arrow.vector[1]:.4g})",
            )
        )
    return arrows


def step_deck(
    surface: Surface,
    inspection: Inspection,
    *,
    forked: Inspection | None = None,
    before: np.ndarray | None = None,
    height: int | None = None,
) -> dict:
    """Steps ``first..last`` of ``inspection`` as data: ``image`` (the surface over the view), ``static`` (plotly
    JSON: a fork's or the original run's path, the minima, the layout), ``path`` (the run's positions),
    ``path_color``, ``colors`` (per arrow kind) and ``steps`` (per step: ``title``, ``arrows``, ``here``,
    ``there``, ``rows``). ``before``: the path that led to a fork's first position. ``height``: the map's height in
    pixels, None to fill its box (which the page's stylesheet fits to the window)."""
    window = view_window(surface, inspection)
    static = []
    if before is not None and len(before):
        static.append(path_trace(np.asarray(before), "original run before the fork", "#999999").to_plotly_json())
    if forked is not None and forked.steps:
        static.append(
            path_trace(
                forked.positions, f"fork from step {forked.first_step}", FORK_COLOR, dash="dash"
            ).to_plotly_json()
        )
    minima = minima_trace(surface)
    if minima is not None:
        static.append(minima.to_plotly_json())
    layout = dict(
        **({"height": height} if height is not None else {"autosize": True}),
        margin=dict(l=50, r=10, t=30, b=40),
        # automargin: the browser draws this layout without plotly.py's template, which would set it
        xaxis=dict(range=list(window[0]), autorange=False, title=dict(text="x"), constrain="domain", automargin=True),
        yaxis=dict(range=list(window[1]), autorange=False, title=dict(text="y"), automargin=True),
        legend=legend_below(font=dict(size=12)),
        plot_bgcolor="white",
        hovermode="closest",
        clickmode="none",
        dragmode=False,
    )
    steps = {}
    for step in range(inspection.first_step + 1, inspection.last_step + 1):
        i = inspection.index(step)
        there = inspection.positions[i + 1]
        steps[str(step)] = dict(
            title=step_title(step),
            arrows=_arrows(inspection, step, window),
            here=[float(v) for v in inspection.positions[i]],
            there=[float(v) for v in there] if np.all(np.isfinite(there)) else None,
            rows=summary_rows(inspection, step),
        )
    return {
        "image": surface_image(surface, window),
        "static": plotly_json({"data": static, "layout": layout}),
        "path": plotly_json({"x": inspection.positions[:, 0], "y": inspection.positions[:, 1]}),
        "path_color": ORIGINAL_COLOR if before is None else FORK_COLOR,
        "colors": ARROW_COLORS,
        "first": inspection.first_step + 1,
        "last": inspection.last_step,
        "steps": steps,
    }
