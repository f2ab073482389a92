"""Custom surfaces from typed text, safely: ``custom_surface("sin(x)*y**2 + 0.1*(x**2+y**2)", ...)``.

The text is parsed with Python's ``ast`` and the tree is checked against a whitelist (numbers, x, y,
+ - * / **, unary minus, a few functions, pi and e) before anything is built. The sympy expression is
then constructed node by node from the checked tree (the text never reaches ``eval``, ``sympify`` or
``parse_expr``); sympy differentiates it and ``lambdify`` compiles value and gradient to NumPy.
Constant sub-expressions are folded in floats first, so ``9**9**9`` is refused instead of computed.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable

import numpy as np
import sympy

from .surfaces import Surface

MAX_LENGTH = 300
MAX_NODES = 200
MAX_EXPONENT = 64.0
MAX_CONSTANT = 1e15

X, Y = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)
NAMES = {"x": X, "y": Y, "pi": sympy.pi, "e": sympy.E}
FUNCTIONS: dict[str, Callable] = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "asin": sympy.asin,
    "acos": sympy.acos,
    "atan": sympy.atan,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "tanh": sympy.tanh,
    "exp": sympy.exp,
    "log": sympy.log,
    "sqrt": sympy.sqrt,
    "abs": sympy.Abs,
}
_CONSTANTS = {"pi": math.pi, "e": math.e}
_FLOAT_FUNCTIONS = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "tanh": math.tanh,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "abs": abs,
}
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
ALLOWED_TEXT = "numbers, x, y, + - * / ** and parentheses, pi, e and " + ", ".join(f"{f}()" for f in FUNCTIONS)


class ExpressionError(ValueError):
    """The text is not an allowed f(x, y); the message says why, for the person who typed it."""


def _check(node: ast.AST) -> float | None:
    """Check ``node`` against the whitelist; return its value if it is a constant (folded in floats)."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError(f"{node.value!r} is not a number; use {ALLOWED_TEXT}")
        if abs(node.value) > MAX_CONSTANT:
            raise ExpressionError(f"the number {node.value:g} is too large (at most {MAX_CONSTANT:g})")
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id in ("x", "y"):
            return None
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        raise ExpressionError(f"unknown name {node.id!r}: only x, y, pi and e may be used (functions need brackets)")
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise ExpressionError("only unary minus and plus are allowed")
        value = _check(node.operand)
        return None if value is None else (-value if isinstance(node.op, ast.USub) else value)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.BitXor):
            raise ExpressionError("use ** for powers (in Python ^ is not a power)")
        if type(node.op) not in _OPERATORS:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed; use + - * / **")
        left, right = _check(node.left), _check(node.right)
        if isinstance(node.op, ast.Pow) and right is not None and abs(right) > MAX_EXPONENT:
            raise ExpressionError(f"the exponent {right:g} is too large (powers are limited to ±{MAX_EXPONENT:g})")
        if left is None or right is None:
            return None
        return _fold(node.op, left, right)
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            shown = name or ast.unparse(node.func)
            raise ExpressionError(f"unknown function {shown!r}; allowed: {', '.join(FUNCTIONS)}")
        if node.keywords or len(node.args) != 1:
            raise ExpressionError(f"{name}() takes exactly one argument")
        value = _check(node.args[0])
        if value is None:
            return None
        try:
            return _finite(_FLOAT_FUNCTIONS[name](value))
        except (ValueError, OverflowError):
            raise ExpressionError(f"{name}({value:g}) is not a finite real number") from None
    if isinstance(node, ast.Compare):
        raise ExpressionError("comparisons are not allowed; type a formula such as x**2 + y**2")
    raise ExpressionError(f"{type(node).__name__} is not allowed; use {ALLOWED_TEXT}")


def _fold(op: ast.operator, left: float, right: float) -> float:
    try:
        if isinstance(op, ast.Add):
            return _finite(left + right)
        if isinstance(op, ast.Sub):
            return _finite(left - right)
        if isinstance(op, ast.Mult):
            return _finite(left * right)
        if isinstance(op, ast.Div):
            return _finite(left / right)
        return _finite(math.pow(left, right))
    except ZeroDivisionError:
        raise ExpressionError("division by zero") from None
    except (OverflowError, ValueError):
        raise ExpressionError(f"{left:g} {_OPERATORS[type(op)]} {right:g} is too large or not a real number") from None


def _finite(value: float) -> float:
    if not math.isfinite(value) or abs(value) > 1e300:
        raise OverflowError
    return float(value)


def _build(node: ast.AST) -> sympy.Expr:
    """The sympy expression of an already checked node."""
    if isinstance(node, ast.Constant):
        return sympy.Integer(node.value) if isinstance(node.value, int) else sympy.Float(node.value)
    if isinstance(node, ast.Name):
        return NAMES[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _build(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _build(node.left), _build(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return left / right
        return left**right
    assert isinstance(node, ast.Call)  # _check allowed nothing else
    return FUNCTIONS[node.func.id](_build(node.args[0]))


def parse_expression(text: str) -> sympy.Expr:
    """The sympy expression of ``text`` in x and y; ``ExpressionError`` saying why it is refused."""
    text = str(text).strip()
    if not text:
        raise ExpressionError("type a formula in x and y, e.g. sin(x)*y**2 + 0.1*(x**2 + y**2)")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the formula is {len(text)} characters long; at most {MAX_LENGTH} are allowed")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"not a formula: {error.msg} (at character {error.offset or '?'})") from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("not a formula Python can read (too deeply nested or invalid characters)") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError(f"the formula is too complex (more than {MAX_NODES} parts)")
    _check(tree.body)
    expression = _build(tree.body)
    if expression.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ExpressionError("the formula contains a division by zero or an infinity")
    return expression


def _numpy_function(expression: sympy.Expr) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    compiled = sympy.lambdify((X, Y), expression, modules="numpy")

    def evaluate(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            values = np.asarray(compiled(x, y))
        if np.iscomplexobj(values):
            values = np.where(np.imag(values) == 0, np.real(values), np.nan)
        return np.broadcast_to(values.astype(np.float64, copy=False), x.shape)

    return evaluate


def compile_expression(expression: sympy.Expr) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Batched ``value_and_grad(points (R, 2))`` of ``expression`` with its sympy gradient."""
    value = _numpy_function(expression)
    grad_x = _numpy_function(sympy.diff(expression, X))
    grad_y = _numpy_function(sympy.diff(expression, Y))

    def value_and_grad(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = points[:, 0], points[:, 1]
        grads = np.empty(points.shape, dtype=np.float64)
        grads[:, 0] = grad_x(x, y)
        grads[:, 1] = grad_y(x, y)
        return np.array(value(x, y), dtype=np.float64), grads

    return value_and_grad


def check_window(x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
    """``ExpressionError`` unless both view ranges are finite, increasing and not absurdly large."""
    for name, (low, high) in (("x range", x_range), ("y range", y_range)):
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

    Raises ``ExpressionError`` saying why when the text is refused or f is nowhere finite in the window.
    Points where f is not finite are fine: a run that reaches one is marked diverged.
    """
    expression = parse_expression(text)
    check_window(x_range, y_range)
    value_and_grad = compile_expression(expression)
    surface = Surface(
        "custom",
        "Custom f(x, y)",
        "f(x, y) = " + sympy.latex(expression),
        value_and_grad,
        (float(x_range[0]), float(x_range[1])),
        (float(y_range[0]), float(y_range[1])),
        start or _default_start(x_range, y_range),
        (),
        f"Your formula: {text.strip()}",
    )
    if not np.isfinite(surface.grid(24)[2]).any():
        raise ExpressionError("f is not a finite real number anywhere in the view window")
    return surface


def _default_start(x_range: tuple[float, float], y_range: tuple[float, float]) -> tuple[float, float]:
    """A start point in the upper-left part of the window (a path then crosses most of the view)."""
    return (
        float(f"{x_range[0] + 0.2 * (x_range[1] - x_range[0]):.4g}"),
        float(f"{y_range[0] + 0.8 * (y_range[1] - y_range[0]):.4g}"),
    )
