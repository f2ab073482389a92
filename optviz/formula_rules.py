"""What a typed f(x, y) may contain and how big it may grow: the limits and the refusal type shared by the server
side (:mod:`optviz.expressions`) and the sandboxed sympy side (:mod:`optviz.formula_sympy`)."""

from __future__ import annotations

MAX_LENGTH = 300  # characters
MAX_NODES = 200  # parts of the parsed text
MAX_EXPONENT = 64.0
MAX_CONSTANT = 1e15  # a number as typed
MAX_MAGNITUDE = 1e300  # any constant the formula computes, visibly or hidden
MAX_TERMS = 2_000  # nodes of the sympy expression (a 300-character formula has at most 200 before sympy)
FUNCTION_NAMES = ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "sqrt", "abs")
ALLOWED_TEXT = "numbers, x, y, + - * / ** and parentheses, pi, e and " + ", ".join(f"{f}()" for f in FUNCTION_NAMES)


class ExpressionError(ValueError):
    """The text is not an allowed f(x, y); the message says why, for the person who typed it."""


def stripped(text: str) -> str:
    """``text`` without surrounding blanks; ``ExpressionError`` if empty or longer than MAX_LENGTH."""
    text = str(text).strip()
    if not text:
        raise ExpressionError("type a formula in x and y, e.g. sin(x)*y**2 + 0.1*(x**2 + y**2)")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the formula is {len(text)} characters long; at most {MAX_LENGTH} are allowed")
    return text
