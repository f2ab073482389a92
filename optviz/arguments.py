"""How pages offer each Keras 2.2.4 optimizer argument: its widget range (bounds, scale, off allowed)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArgumentRange:
    """How a page offers an argument: bounds, log or linear scale, and whether 0/None means off."""

    low: float
    high: float
    log: bool = False
    optional: bool = False  # clipnorm / clipvalue: None (off) allowed


ARGUMENT_RANGES: dict[str, ArgumentRange] = {
    "lr": ArgumentRange(1e-5, 10.0, log=True),
    "momentum": ArgumentRange(0.0, 0.999),
    "rho": ArgumentRange(0.0, 0.999),
    "epsilon": ArgumentRange(1e-10, 1.0, log=True),
    "decay": ArgumentRange(0.0, 1.0),
    "beta_1": ArgumentRange(0.0, 0.999),
    "beta_2": ArgumentRange(0.0, 0.9999),
    "schedule_decay": ArgumentRange(0.0, 0.1),
    "clipnorm": ArgumentRange(0.0, 100.0, optional=True),
    "clipvalue": ArgumentRange(0.0, 100.0, optional=True),
}

BOOLEAN_ARGUMENTS = ("nesterov", "amsgrad")
CLIP_ARGUMENTS = ("clipnorm", "clipvalue")
