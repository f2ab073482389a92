"""What the live-training page shows about a :class:`~optviz.training.TrainingSession`, as plain data: the status
line, the lanes table, divergence messages, the history as CSV, the decision maps' markup, and a :class:`Throttle`
that says when a costly view is due again while training runs. UI-free."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .figures.live_maps import decision_maps_svg_html, points_markup
from .figures.training import decision_map_images, images_html, value_limit
from .training import TrainingSession

METRIC_COLUMNS = ("train loss", "test loss", "train accuracy", "test accuracy")
#: The lanes table's metric columns for a regression session (the loss is the mean squared error).
REGRESSION_METRIC_COLUMNS = ("train MSE", "test MSE", "train R²", "test R²")


def metric_columns(session: TrainingSession) -> dict[str, str]:
    """The lanes table's metric columns of ``session``: shown name -> history column."""
    if session.network.is_regression:
        return dict(zip(REGRESSION_METRIC_COLUMNS, ("train_loss", "test_loss", "train_r2", "test_r2"), strict=True))
    return {name: name.replace(" ", "_") for name in METRIC_COLUMNS}


def status_line(session: TrainingSession, running: bool) -> str:
    """``**Step 120** · epoch 1.60 · 75 steps per epoch (300 training, 100 test samples) · training…``."""
    data = session.dataset
    return (
        f"**Step {session.step}** · epoch {session.epoch:.2f} · {session.steps_per_epoch} steps per epoch "
        f"({len(data.y_train)} training, {len(data.y_test)} test samples) · " + ("training…" if running else "stopped")
    )


def lane_labels(session: TrainingSession) -> list[str]:
    """``1. Adam lr=0.01``, ``2. SGD ...``: each lane numbered as the page shows it."""
    return [f"{number + 1}. {lane.label()}" for number, lane in enumerate(session.lanes)]


def lane_table(session: TrainingSession) -> pd.DataFrame:
    """One row per lane: status and the latest metrics (a diverged lane's at the moment it blew up)."""
    latest = session.latest(finite=True)
    rows = []
    for number, (label, status) in enumerate(zip(lane_labels(session), session.statuses(), strict=True)):
        if status.diverged_step is not None:
            state = f"DIVERGED at step {status.diverged_step} (frozen)"
        elif status.joined_step:
            state = f"ok (joined at step {status.joined_step})"
        else:
            state = "ok"
        metrics = {shown: latest[column][number] for shown, column in metric_columns(session).items()}
        rows.append({"lane": label, "status": state, **metrics})
    return pd.DataFrame(rows)


def divergence_messages(session: TrainingSession) -> list[str]:
    """One message per diverged lane, in lane order."""
    return [
        f"Lane {number + 1} ({status.lane.label()}) diverged at step {status.diverged_step}: its loss blew up, so "
        "its weights are frozen. The other lanes keep training."
        for number, status in enumerate(session.statuses())
        if status.diverged_step is not None
    ]


def history_csv(session: TrainingSession) -> bytes:
    """The whole history, one row per lane per evaluation: step, epoch, lane (from 1), optimizer, the metrics; after a
    retune during training also ``retuned``: what changed (``lr 0.01 → 0.003``) on the lane's last row before it."""
    history = session.history()
    labels = [lane.label() for lane in session.lanes]
    frame = pd.DataFrame({name: history[name] for name in session.columns})
    frame["lane"] = frame["lane"] + 1
    frame.insert(3, "optimizer", [labels[i] for i in history["lane"]])
    retunes = session.retunes()
    if retunes:
        frame["retuned"] = ""
    for retune in retunes:
        rows = np.flatnonzero((history["lane"] == retune.lane) & (history["step"] <= retune.step))
        if rows.size:
            row = rows[-1]
            joined = "; ".join(filter(None, [frame.at[row, "retuned"], retune.change]))
            frame.at[row, "retuned"] = joined
    return frame.to_csv(index=False).encode()


def decision_maps_html(
    session: TrainingSession, labels: Sequence[str], colours: Sequence[str], resolution: int, pixels: int
) -> str:
    """Every lane's decision map (one batched forward pass over a ``resolution`` grid) as one HTML row of images
    ``pixels`` wide, captioned with the lane and, for a diverged lane, the step it blew up at."""
    data = session.dataset
    marks = session.diverged_steps()
    xs, ys, probabilities = session.probability_grid(resolution)
    points = (data.x_train, data.y_train, data.x_test, data.y_test)
    images = decision_map_images(xs, ys, probabilities, points, marks, pixels)
    captions = _map_captions(labels, marks)
    return images_html(images, captions, list(colours), [mark is not None for mark in marks], pixels)


def live_decision_maps_html(
    session: TrainingSession, labels: Sequence[str], colours: Sequence[str], resolution: int, pixels: int
) -> str:
    """The same maps as :func:`decision_maps_html` as inline SVG (no new image for the browser to keep on every
    update while training runs)."""
    data = session.dataset
    marks = session.diverged_steps()
    xs, ys, probabilities = session.probability_grid(resolution)
    points = points_markup(xs, ys, (data.x_train, data.y_train, data.x_test, data.y_test), pixels)
    captions = _map_captions(labels, marks)
    alerts, limit = [m is not None for m in marks], value_limit(data.y_train, data.y_test)
    return decision_maps_svg_html(probabilities, points, captions, colours, alerts, pixels, limit)


def _map_captions(labels: Sequence[str], marks: Sequence[int | None]) -> list[str]:
    return [
        label if mark is None else f"{label}: DIVERGED at step {mark}"
        for label, mark in zip(labels, marks, strict=True)
    ]


def maps_signature(
    session: TrainingSession, labels: Sequence[str], colours: Sequence[str], live: bool = False
) -> Hashable:
    """What the decision maps depend on (``live``: the SVG maps shown while training runs): equal signatures,
    equal pictures."""
    return (id(session), session.step, tuple(labels), tuple(colours), tuple(session.diverged_steps()), live)


@dataclass
class Throttle:
    """Keeps the last value built for a view and says when it must be built again: when its signature changed and,
    while training runs, no sooner than ``seconds`` after the last build (the value stays until then)."""

    seconds: float
    signature: Hashable = None
    built_at: float = float("-inf")
    value: Any = field(default=None, repr=False)

    def due(self, signature: Hashable, now: float, running: bool) -> bool:
        """Whether the view must be rebuilt for ``signature`` at time ``now``."""
        if self.value is None:
            return True
        if signature == self.signature:
            return False
        return not running or now - self.built_at >= self.seconds

    def keep(self, signature: Hashable, now: float, value: Any) -> Any:
        """Remember ``value`` built for ``signature`` at ``now``; returns it."""
        self.signature, self.built_at, self.value = signature, now, value
        return value
