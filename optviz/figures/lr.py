"""The learning rate over steps, one line per lane: what the lanes' lr plans (schedules, plateau rules) did."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .surfaces import MAX_CURVE_POINTS, PathSet
from .thinning import thin

#: a log axis once the lr spans more than this factor
LOG_SPAN = 30.0


def lr_figure(paths: Sequence[PathSet], height: int = 260) -> go.Figure:
    """The lr variable of update k (``trajectory.lrs``, before the optimizer's own ``decay``) per lane: run 0
    bold, the other ensemble runs faint (a plateau rule cuts each noisy run's lr on its own). Lanes whose lr
    optviz does not track (native torch.optim / tf.keras lanes) are left out. The axis turns logarithmic when
    the rates span more than :data:`LOG_SPAN`."""
    figure = go.Figure()
    drawn: list[np.ndarray] = []
    for path in paths:
        lrs = path.trajectory.lrs
        if lrs is None or lrs.shape[0] == 0 or not np.isfinite(lrs[:, 0]).any():
            continue
        keep = thin(lrs.shape[0], MAX_CURVE_POINTS)
        for member in range(1, lrs.shape[1]):
            if np.array_equal(lrs[:, member], lrs[:, 0]):
                continue  # a schedule gives every run the same rates: draw them once
            figure.add_scatter(
                x=keep,
                y=lrs[keep, member],
                mode="lines",
                line=dict(color=path.colour, width=1, shape="hv"),
                opacity=0.3,
                hoverinfo="skip",
                showlegend=False,
                legendgroup=path.label,
            )
        figure.add_scatter(
            x=keep,
            y=lrs[keep, 0],
            mode="lines",
            line=dict(color=path.colour, width=2.5, shape="hv"),
            name=path.label,
            legendgroup=path.label,
        )
        drawn.append(lrs)
    values = np.concatenate([lrs.ravel() for lrs in drawn]) if drawn else np.array([])
    positive = values[np.isfinite(values) & (values > 0)]
    log_axis = positive.size > 0 and positive.max() / positive.min() > LOG_SPAN
    figure.update_layout(
        height=height,
        margin=dict(l=60, r=10, t=30, b=40),
        xaxis_title="step (one step = one epoch for the callbacks)",
        yaxis=dict(
            title="lr" + (" (log scale)" if log_axis else ""),
            type="log" if log_axis else "linear",
            exponentformat="power",
        ),
        legend=dict(orientation="h", y=1.02, yanchor="bottom"),
        hovermode="x unified",
    )
    return figure


def lr_history_figure(
    history: dict[str, np.ndarray], labels: Sequence[str], colours: Sequence[str], height: int = 220
) -> go.Figure:
    """/train's lr variable per lane at each evaluation (``TrainingSession.lr_history()``: ``step``, ``lane``,
    ``lr``), a step line per lane; lanes whose lr optviz does not track (native lanes: NaN) are left out. The
    axis turns logarithmic when the rates span more than :data:`LOG_SPAN`."""
    figure = go.Figure()
    for lane, (label, colour) in enumerate(zip(labels, colours, strict=True)):
        mine = history["lane"] == lane
        if not np.isfinite(history["lr"][mine]).any():
            continue
        figure.add_scatter(
            x=history["step"][mine],
            y=history["lr"][mine],
            mode="lines",
            line=dict(color=colour, width=2, shape="hv"),
            name=label,
        )
    positive = history["lr"][np.isfinite(history["lr"]) & (history["lr"] > 0)]
    log_axis = positive.size > 0 and positive.max() / positive.min() > LOG_SPAN
    figure.update_layout(
        height=height,
        margin=dict(l=60, r=10, t=30, b=40),
        xaxis_title="step (the lr plans act once per epoch)",
        yaxis=dict(title="lr" + (" (log scale)" if log_axis else ""), type="log" if log_axis else "linear"),
        legend=dict(orientation="h", y=1.02, yanchor="bottom"),
        hovermode="x unified",
    )
    return figure
