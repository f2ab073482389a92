"""Custom surfaces from typed text, safely: ``custom_surface("sin(x)*y**2 + 0.1*(x**2+y**2)", ...)``.

The text is worked out in a sandboxed child process (``optviz.formula_sandbox``: CPU, memory and
wall-clock limits; a warm worker forks one child per formula): ``optviz.formula_sympy`` checks it against a
whitelist, builds the sympy expression without ever computing an exact huge number, differentiates it
within a size budget and prints NumPy code. The server only compiles that code after ``optviz.formula_code``
has checked it node by node, so it never runs sympy itself (nor imports it, unless ``parse_expression`` or
``compile_expression`` is called). Every refusal is an ``ExpressionError`` whose message says why, for the
person who typed the formula; answers are cached per text.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from . import formula_code
from .formula_rules import (
    ALLOWED_TEXT,
    FUNCTION_NAMES,
    MAX_CONSTANT,
    MAX_EXPONENT,
    MAX_LENGTH,
    MAX_MAGNITUDE,
    MAX_NODES,
    MAX_TERMS,
    ExpressionError,
    stripped,
)
from .formula_sandbox import BudgetExceeded, Limits, Sandbox, SandboxUnavailable
from .surfaces import Surface, window_start

COMPILE_LIMITS = Limits(cpu_seconds=4, wall_seconds=6.0, memory_mb=512)
CACHE_ENTRIES = 128

Gradient = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
__all__ = [
    "ALLOWED_TEXT",
    "FUNCTION_NAMES",
    "MAX_CONSTANT",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_MAGNITUDE",
    "MAX_NODES",
    "MAX_TERMS",
    "ExpressionError",
    "check_window",
    "compile_expression",
    "compile_formula",
    "custom_surface",
    "parse_expression",
    "start_worker",
    "stripped",
]


def parse_expression(text: str):
    """The sympy expression of ``text`` in x and y, in this process (imports sympy); ``ExpressionError`` why not."""
    from .formula_sympy import parse_expression as parse

    return parse(text)


def compile_expression(expression) -> Gradient:
    """Batched ``value_and_grad(points (R, 2))`` of a sympy ``expression`` and its gradient, in this process."""
    from .formula_sympy import compile_expression as compile_in_process

    return compile_in_process(expression)


_WARM_UP = (
    "sin(x)*y**2 + 0.1*(x**2 + y**2)",
    "(x**2 + y - 11)**2 + (x + y**2 - 7)**2 - x/y",
    "exp(-x**2)*cos(y) + abs(x) + sqrt(x**2 + y**2 + 1) - pi*e + tan(x) + log(2 + y**2)",
    "tanh(x) + sinh(y)/cosh(y) + asin(x/3) + acos(y/3) + atan(x*y) + (1 - x)**0.5",
)
_sandbox = Sandbox("optviz.formula_sympy:formula_job", COMPILE_LIMITS, warm_up=_WARM_UP)
_cache: OrderedDict[str, tuple[str, Gradient] | str] = OrderedDict()
_cache_lock = threading.Lock()


def start_worker() -> None:
    """Start the formula worker now if it is not running (it imports sympy: about a second, in its own process);
    ``SandboxUnavailable`` where there is none. The first formula then costs only its own work."""
    _sandbox.start()


def compile_formula(text: str) -> tuple[str, Gradient]:
    """LaTeX and batched ``value_and_grad`` of the formula ``text``, worked out in the sandbox.

    ``ExpressionError`` saying why when the text is refused or over a limit. Answers, refusals included, are
    kept for the last ``CACHE_ENTRIES`` texts, so a refused link costs its budget once.
    """
    text = stripped(text)  # long texts are refused here, without the sandbox and not cached
    with _cache_lock:
        if text in _cache:
            _cache.move_to_end(text)
            answer = _cache[text]
            if isinstance(answer, str):
                raise ExpressionError(answer)
            return answer
    try:
        reply = json.loads(_sandbox.call(text))
    except BudgetExceeded as error:
        reply = {"refused": f"the formula is too costly to differentiate: {error}"}
    except SandboxUnavailable:
        from .formula_sympy import formula_job

        try:
            reply = json.loads(formula_job(text))  # no worker here: in this process, on the guards alone
        except MemoryError:
            reply = {"refused": "the formula needs too much memory to differentiate"}
    if "refused" in reply:
        answer: tuple[str, Gradient] | str = reply["refused"]
    else:
        try:
            answer = str(reply["latex"]), formula_code.value_and_grad(reply["program"])
        except formula_code.ProgramError as error:
            answer = f"the formula could not be compiled: {error}"
        except (KeyError, TypeError):
            answer = "the formula could not be compiled: the worker's answer is malformed"
    with _cache_lock:
        _cache[text] = answer
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    if isinstance(answer, str):
        raise ExpressionError(answer)
    return answer


def check_window(x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
    """``ExpressionError`` unless both view ranges are finite, increasing and not absurdly large."""
    for name, pair in (("x range", x_range), ("y range", y_range)):
        try:
            low, high = (float(value) for value in pair)
        except (TypeError, ValueError):
            raise ExpressionError(f"the {name} must be two numbers") from None
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ExpressionError(f"the {name} must be two finite numbers, the first smaller")
        if max(abs(low), abs(high)) > 1e4:
            raise ExpressionError(f"the {name} must stay within ±10000")


def custom_surface(
    text: str,
    x_range: tuple[float, float] = (-2.0, 2.0),
    y_range: tuple[float, float] = (-2.0, 2.0),
    start: tuple[float, float] | None = None,
) -> Surface:
    """A :class:`Surface` (key ``"custom"``) from the formula ``text`` over the given view window.

    Raises ``ExpressionError`` saying why when the text is refused, over the compile budget
    (``COMPILE_LIMITS``, ``formula_code.MAX_OPERATIONS``) or f is nowhere finite in the window.
    Points where f is not finite are fine: a run that reaches one is marked diverged.
    """
    latex_text, value_and_grad = compile_formula(text)
    check_window(x_range, y_range)
    surface = Surface(
        "custom",
        "Custom f(x, y)",
        "f(x, y) = " + latex_text,
        value_and_grad,
        (float(x_range[0]), float(x_range[1])),
        (float(y_range[0]), float(y_range[1])),
        start or window_start(x_range, y_range),
        (),
        f"Your formula: {str(text).strip()}",
    )
    try:
        finite = np.isfinite(surface.grid(24)[2]).any()
    except (ArithmeticError, TypeError, ValueError):  # checked NumPy code should not raise; never a traceback
        raise ExpressionError("f could not be evaluated on the view window") from None
    if not finite:
        raise ExpressionError("f is not a finite real number anywhere in the view window")
    return surface
