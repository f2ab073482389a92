"""Small still pictures of a run (the surface with every lane's path), for overviews such as Home's scenarios."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

from ..runner import Trajectory
from ..surfaces import Surface
from .surfaces import default_window, surface_png


def paths_thumbnail(
    surface: Surface, trajectories: Sequence[Trajectory], colours: Sequence[str], size: int = 240
) -> bytes:
    """A ``size`` x ``size`` PNG: the banded surface and each trajectory's main run as a line (diverged runs stop
    where they left the view), the start as a dot."""
    window = default_window(surface)
    encoded = surface_png(surface, window).split(",", 1)[1]
    picture = Image.open(io.BytesIO(base64.b64decode(encoded))).convert("RGB").resize((size, size))
    draw = ImageDraw.Draw(picture)
    (x_low, x_high), (y_low, y_high) = window

    def pixels(points: np.ndarray) -> list[tuple[float, float]]:
        finite = points[np.isfinite(points).all(axis=1)]
        inside = finite[
            (finite[:, 0] >= x_low) & (finite[:, 0] <= x_high) & (finite[:, 1] >= y_low) & (finite[:, 1] <= y_high)
        ]
        u = (inside[:, 0] - x_low) / (x_high - x_low) * (size - 1)
        v = (y_high - inside[:, 1]) / (y_high - y_low) * (size - 1)
        return list(zip(u.tolist(), v.tolist(), strict=True))

    for trajectory, colour in zip(trajectories, colours, strict=True):
        points = pixels(trajectory.positions[:, 0])
        if len(points) > 1:
            draw.line(points, fill=colour, width=3, joint="curve")
    first = pixels(trajectories[0].positions[:1, 0]) if trajectories else []
    for u, v in first:
        draw.ellipse((u - 4, v - 4, u + 4, v + 4), fill="white", outline="black")
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
