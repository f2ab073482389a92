"""A lane retuned during training, as data: at which step and what changed (``lr 0.01 → 0.003``), for the marks the
training curves and their CSV carry (:meth:`optviz.training.TrainingSession.retunes`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .lanes import Lane


@dataclass(frozen=True)
class Retune:
    """Lane ``lane`` (its position) was retuned before step ``step + 1``, at epoch ``epoch``: ``change`` says how."""

    step: int
    epoch: float
    lane: int
    change: str

    def label(self) -> str:
        """``lane 2 retuned at step 150: lr 0.01 → 0.003``."""
        return f"lane {self.lane + 1} retuned at step {self.step}: {self.change}"


def _shown(value: Any, digits: int = 4) -> str:
    """A value as a change reads it: ``digits`` significant digits, on / off, none."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return "none"
    if isinstance(value, int | float):
        return f"{float(value):.{digits}g}"
    return str(value)


def retune_text(old: Lane, new: Lane) -> str:
    """What changed from ``old`` to ``new``: ``lr 0.01 → 0.003, momentum 0 → 0.9``; another optimizer or framework
    reads ``SGD lr=0.01 → Adam lr=0.001``; an lr plan change names both plans ('' when nothing changed)."""
    if (old.optimizer, old.framework) != (new.optimizer, new.framework):
        return f"{old.label()} → {new.label()}"
    before, after = old.arguments, new.arguments
    parts = []
    for name in dict.fromkeys([*before, *after]):
        was, now = before.get(name), after.get(name)
        if was != now:
            digits = 4 if _shown(was) != _shown(now) else 10  # close values keep the digits that tell them apart
            parts.append(f"{name} {_shown(was, digits)} → {_shown(now, digits)}")
    if old.plan != new.plan:
        parts.append(f"lr plan {_plan(old)} → {_plan(new)}")
    return ", ".join(parts)


def _plan(lane: Lane) -> str:
    return lane.plan.label() if lane.plan is not None else "none"
