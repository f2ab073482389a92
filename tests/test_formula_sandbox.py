"""The sandbox stops work over its limits, even in C code holding the GIL, and the caller keeps running."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pytest

from optviz import expressions, formula_sandbox
from optviz.formula_sandbox import BudgetExceeded, Limits, Sandbox, SandboxUnavailable

LIMITS = Limits(cpu_seconds=1, wall_seconds=2.0, memory_mb=64)
MARGIN = 4.0  # a fork and a reply on a loaded machine

pytestmark = pytest.mark.skipif(not formula_sandbox.available(), reason="the sandbox needs Linux")


@pytest.fixture(scope="module")
def sandbox():
    sandbox = Sandbox("tests.sandbox_jobs:run", LIMITS)
    assert sandbox.call("echo:ready") == "ready"  # starts the worker
    yield sandbox
    sandbox.close()


def test_a_worker_started_ahead_serves_the_first_call():
    sandbox = Sandbox("tests.sandbox_jobs:run", LIMITS)
    try:
        sandbox.start()
        worker = sandbox._process
        assert worker is not None and worker.poll() is None  # running before any call
        sandbox.start()  # already running: the same worker
        assert sandbox.call("echo:first") == "first" and sandbox._process is worker
    finally:
        sandbox.close()


def test_answers_come_back(sandbox):
    assert sandbox.call("echo:sin(x) ünïcode") == "sin(x) ünïcode"
    assert sandbox.call("allocate:8") == str(8 << 20)


def test_work_in_c_holding_the_gil_is_stopped_while_the_caller_keeps_running(sandbox):
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.01)

    ticker = threading.Thread(target=tick)
    ticker.start()
    began = time.perf_counter()
    try:
        with pytest.raises(
            BudgetExceeded, match=r"stopped at the limit of 2 s \(1 s of CPU, 64 MB of memory\)"
        ) as error:
            sandbox.call("spin")
    finally:
        done.set()
        ticker.join()
    elapsed = time.perf_counter() - began
    assert error.value.limit == "time" and elapsed < LIMITS.wall_seconds + MARGIN
    # this process was never blocked: the ticker ran all along (held, the GIL would silence it for the whole 2 s)
    assert len(ticks) > 10 and max(b - a for a, b in itertools.pairwise(ticks)) < 0.75 * LIMITS.wall_seconds
    assert sandbox.call("echo:still here") == "still here"


def test_memory_over_the_limit_is_refused_naming_it(sandbox):
    with pytest.raises(BudgetExceeded, match="more than 64 MB of memory") as error:
        sandbox.call("allocate:1000")
    assert error.value.limit == "memory"


def test_requests_run_side_by_side(sandbox):
    answers, spin_errors = {}, []

    def spin():
        try:
            sandbox.call("spin")
        except BudgetExceeded as error:
            spin_errors.append(error)

    spinner = threading.Thread(target=spin)
    spinner.start()
    time.sleep(0.2)
    began = time.perf_counter()
    workers = [threading.Thread(target=lambda i=i: answers.update({i: sandbox.call(f"echo:{i}")})) for i in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    echoed = time.perf_counter() - began
    spinner.join()
    assert answers == {i: str(i) for i in range(4)} and len(spin_errors) == 1
    assert echoed < LIMITS.wall_seconds  # they did not queue behind the spinning request


def test_a_dead_worker_is_started_again(sandbox):
    sandbox._process.kill()
    sandbox._process.wait()
    assert sandbox.call("echo:again") == "again"


def test_a_job_error_is_reported_without_its_text(sandbox):
    with pytest.raises(SandboxUnavailable, match="the worker failed: ValueError"):
        sandbox.call("unknown")


def test_formulas_over_the_hard_limit_are_refused_with_the_limit_named(monkeypatch):
    spinner = Sandbox("tests.sandbox_jobs:run", LIMITS)
    monkeypatch.setattr(expressions, "_sandbox", spinner)
    monkeypatch.setattr(spinner, "call", lambda text: Sandbox.call(spinner, "spin"))
    try:
        with pytest.raises(expressions.ExpressionError) as error:
            expressions.custom_surface("x**2 + 0.123456*y")
    finally:
        spinner.close()
    assert str(error.value) == (
        "the formula is too costly to differentiate: it was stopped at the limit of 2 s (1 s of CPU, 64 MB of memory)"
    )


def test_without_a_sandbox_formulas_are_worked_out_in_process(monkeypatch):
    monkeypatch.setattr(formula_sandbox, "available", lambda: False)
    surface = expressions.custom_surface("x**2 + 0.654321*y")
    assert surface.value_and_grad(np.array([[1.0, 2.0]]))[1].tolist() == [[2.0, 0.654321]]
    with pytest.raises(expressions.ExpressionError, match="exponent"):
        expressions.custom_surface("9**(x/x*9**9) + 0.654321*y")
