"""A bound on the work of one network sweep: cells x steps x batch x parameters, so no link can keep a server
busy for minutes. Over the budget, the steps are reduced first (down to :data:`MIN_STEPS`), then the batch size,
and the page says what was capped. UI-free.

The budget was measured (``bench/bench_sweep_budget.py``): see :data:`NETWORK_WORK_BUDGET`.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

from .sweep import NetworkTask

#: Work allowed per request, in cells x steps x batch x parameters. Measured with ``bench/bench_sweep_budget.py``
#: (CPU time, so the figure does not depend on other load): 5.1 ns per unit for a 2-64-64-64-2 network at batch
#: 1024 (the slowest per unit), 0.9-3 ns for smaller ones; so the largest allowed sweep takes at most ~25 s of CPU.
NETWORK_WORK_BUDGET = 5.0e9
#: Fewest steps a capped sweep keeps before the batch size is reduced instead.
MIN_STEPS = 50
#: Share of a network task's samples used for training (``optviz.datasets``' default test fraction is 0.2).
TRAIN_SHARE = 0.8


def parameter_count(hidden: tuple[int, ...], inputs: int = 2, classes: int = 2) -> int:
    """Weights and biases of the ``inputs``-``hidden``-``classes`` network."""
    widths = (inputs, *hidden, classes)
    return sum((a + 1) * b for a, b in pairwise(widths))


def effective_batch(task: NetworkTask) -> int:
    """Samples per step: the batch size, or the whole training set when that is smaller."""
    return max(1, min(task.batch_size, int(task.samples * TRAIN_SHARE)))


def network_work(task: NetworkTask, cells: int) -> float:
    """The work of training ``cells`` networks on ``task``: cells x steps x batch x parameters."""
    return float(cells) * task.steps * effective_batch(task) * parameter_count(task.hidden)


def bounded_network_task(task: NetworkTask, cells: int, budget: float | None = None) -> tuple[NetworkTask, list[str]]:
    """``task`` within ``budget`` (default :data:`NETWORK_WORK_BUDGET`) for ``cells`` networks, and a sentence per
    reduction (none when it fits)."""
    budget = NETWORK_WORK_BUDGET if budget is None else budget
    if network_work(task, cells) <= budget:
        return task, []
    per_step = network_work(replace(task, steps=1), cells)
    steps = max(min(MIN_STEPS, task.steps), int(budget // per_step))
    notes = [f"steps reduced from {task.steps:,} to {steps:,}"] if steps < task.steps else []
    capped = replace(task, steps=steps)
    if network_work(capped, cells) > budget:
        per_sample = network_work(replace(capped, batch_size=1), cells)
        batch = max(1, int(budget // per_sample))
        notes.append(f"batch size reduced from {task.batch_size:,} to {batch:,}")
        capped = replace(capped, batch_size=batch)
    if network_work(capped, cells) > budget:  # one sample per step is still too much: fewer steps after all
        steps = max(1, int(budget // network_work(replace(capped, steps=1), cells)))
        notes = [f"steps reduced from {task.steps:,} to {steps:,}", *notes[-1:]]
        capped = replace(capped, steps=steps)
    return capped, notes


def cap_message(notes: list[str], cells: int) -> str:
    """The sentence the page shows about a capped sweep."""
    return (
        f"This sweep trains {cells:,} networks; to keep one request within the server's work budget, "
        + "; ".join(notes)
        + ". Use fewer cells, smaller layers or a smaller batch for longer training."
    )
