"""The loss-landscape view: filled contours of the training loss on the slice, every lane's projected path on top,
and a caption saying what the projection hides."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ..landscape import Landscape
from .legends import legend_below

DIVERGED_COLOUR = "#D62728"
LANDSCAPE_COLOURS = "Viridis"
MAX_PATH_POINTS = 400


def axis_titles(landscape: Landscape) -> tuple[str, str]:
    """Names of the two directions: filter-normalised random ones, or the PCs with their share of the paths."""
    plane = landscape.plane
    if plane.method == "pca":
        return tuple(f"PC{i + 1} ({share:.0%} of the paths' spread)" for i, share in enumerate(plane.explained))
    return "random direction 1 (filter-normalised)", "random direction 2 (filter-normalised)"


def landscape_figure(
    landscape: Landscape, labels: Sequence[str], colours: Sequence[str], diverged_steps: Sequence[int | None]
) -> go.Figure:
    """Contours of log10 of the loss over the slice, the centre as a white star (under the paths), and each lane's
    projected path (hover: step, coordinates, distance off the plane); a diverged lane ends with a red x."""
    losses = landscape.losses
    with np.errstate(divide="ignore", invalid="ignore"):
        shown = np.log10(np.where(losses > 0, losses, np.nan))
    traces: list[dict] = [
        dict(
            type="contour",
            x=landscape.alphas,
            y=landscape.betas,
            z=shown,
            customdata=losses,
            colorscale=LANDSCAPE_COLOURS,
            ncontours=24,
            contours=dict(coloring="heatmap", showlines=True),
            line=dict(width=0.5, color="rgba(255,255,255,0.35)"),
            colorbar=dict(title=dict(text="log10 loss"), len=0.8),
            hovertemplate="a %{x:.3g}, b %{y:.3g}<br>loss %{customdata:.4g}<extra></extra>",
            name="loss",
        )
    ]
    # the centre under the paths: paths on a random slice often stay close to it
    traces.append(
        dict(
            type="scatter",
            x=[0.0],
            y=[0.0],
            mode="markers",
            marker=dict(symbol="star", size=14, color="#FFFFFF", line=dict(color="#222222", width=1)),
            name=f"centre: {landscape.centre_label}",
            hovertemplate=f"centre: {landscape.centre_label}<extra></extra>",
        )
    )
    projection = landscape.projection
    for lane, (label, colour) in enumerate(zip(labels, colours, strict=True)):
        coordinates = projection.coordinates[lane]
        keep = np.unique(np.linspace(0, len(coordinates) - 1, MAX_PATH_POINTS).round().astype(np.int64))
        keep = keep if len(coordinates) > MAX_PATH_POINTS else np.arange(len(coordinates))
        share = projection.explained[lane]
        name = f"{lane + 1}. {label}" + ("" if np.isnan(share) else f" ({share:.0%} of its path in the plane)")
        traces.append(
            dict(
                type="scatter",
                x=coordinates[keep, 0],
                y=coordinates[keep, 1],
                customdata=np.column_stack([landscape.steps[lane][keep], projection.off_plane[lane][keep]]),
                mode="lines+markers",
                marker=dict(size=4, color=colour),
                line=dict(color=colour, width=2.4),
                name=name,
                hovertemplate=f"{label}<br>step %{{customdata[0]:d}}<br>a %{{x:.3g}}, b %{{y:.3g}}"
                "<br>off the plane %{customdata[1]:.3g}<extra></extra>",
            )
        )
        if diverged_steps[lane] is not None and len(coordinates):
            traces.append(
                dict(
                    type="scatter",
                    x=[coordinates[-1, 0]],
                    y=[coordinates[-1, 1]],
                    mode="markers",
                    marker=dict(symbol="x", size=12, color=DIVERGED_COLOUR),
                    showlegend=False,
                    hovertemplate=f"{label} diverged at step {diverged_steps[lane]}<extra></extra>",
                )
            )
    x_title, y_title = axis_titles(landscape)
    layout = dict(
        xaxis=dict(title=dict(text=x_title), range=[landscape.alphas[0], landscape.alphas[-1]], constrain="domain"),
        yaxis=dict(title=dict(text=y_title), range=[landscape.betas[0], landscape.betas[-1]]),
        height=520,
        margin=dict(l=60, r=20, t=30, b=40),
        legend=legend_below(),
        uirevision="landscape",
    )
    return go.Figure(data=traces, layout=layout, _validate=False)


def projection_caption(landscape: Landscape, labels: Sequence[str]) -> str:
    """What the projection hides, in words: per lane, the share of its path's variance the plane keeps and how far
    its points lie off the plane, against how far they reach from the centre (distances in weight space)."""
    projection = landscape.projection
    parts = []
    for lane, label in enumerate(labels):
        off = projection.off_plane[lane]
        reach = np.nanmax(projection.distance[lane], initial=0)
        share = projection.explained[lane]
        if np.isnan(share):
            parts.append(f"{lane + 1}. {label} has not moved yet")
            continue
        parts.append(
            f"{lane + 1}. {label}: the slice keeps {share:.0%} of its path's variance; its points lie up to "
            f"{np.nanmax(off, initial=0):.3g} off the slice, {reach:.3g} at most from the centre"
        )
    method = (
        "the top two principal directions of all lanes' paths"
        if landscape.plane.method == "pca"
        else "two filter-normalised random directions (Li et al. 2018; bias directions zero)"
    )
    return (
        f"The loss on a 2-D slice through {landscape.centre_label} along {method}. A path is drawn where its "
        "weights project on the slice; the loss under a point is the loss on the slice, not the lane's own loss, "
        "unless the lane lies on the slice. " + "; ".join(parts) + "."
    )
