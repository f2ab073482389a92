"""Custom surfaces from typed text, safely: ``custom_surface("sin(x)*y**2 + 0.1*(x**2+y**2)", ...)``.

The text is parsed with Python's ``ast`` and the tree is checked against a whitelist (numbers, x, y,
+ - * / **, unary minus, a few functions, pi and e) while the sympy expression is built node by node (the
text never reaches ``eval``, ``sympify`` or ``parse_expr``). Every part that is constant, visibly (``9**9``)
or only once sympy simplifies it (``x/x*9**9``, ``0*x+10**15``), is folded in floats or checked against
``MAX_MAGNITUDE``, and powers are limited to ±``MAX_EXPONENT``, so no exact huge number is ever computed.
``optviz.formula_code`` then differentiates within a size budget and prints NumPy code.

Untrusted text goes through all of that in a sandboxed child process (``optviz.formula_sandbox``: CPU,
memory and wall-clock limits) and the server only compiles the checked NumPy code it gets back. Every
refusal is an ``ExpressionError`` whose message says why, for the person who typed the formula.
"""

from __future__ import annotations

import ast
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import sympy
from sympy.printing.latex import LatexPrinter

from . import formula_code
from .formula_sandbox import BudgetExceeded, Limits, Sandbox, SandboxUnavailable
from .surfaces import Surface

MAX_LENGTH = 300
MAX_NODES = 200
MAX_EXPONENT = 64.0
MAX_CONSTANT = 1e15
MAX_MAGNITUDE = 1e300  # any constant the formula computes, visibly or hidden
MAX_TERMS = 2_000  # nodes of the sympy expression (a 300-character formula has at most 200 before sympy)
COMPILE_LIMITS = Limits(cpu_seconds=4, wall_seconds=6.0, memory_mb=512)
CACHE_ENTRIES = 128


class RealAbs(sympy.Function):
    """``abs`` of a real argument: derivative ``sign(u) u'``.

    sympy's own ``Abs`` differentiates an argument it cannot prove real through its real and imaginary parts,
    which doubles the derivative at every nesting (``log(abs(log(abs(...))))`` 29 deep never finished).
    """

    @classmethod
    def eval(cls, argument):
        if argument.is_number:
            return sympy.Abs(argument)
        if argument.is_extended_nonnegative:
            return argument
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return RealSign(self.args[0])

    def _numpycode(self, printer) -> str:
        return f"numpy.abs({printer._print(self.args[0])})"

    def _latex(self, printer) -> str:
        return rf"\left|{{{printer._print(self.args[0])}}}\right|"


class RealSign(sympy.Function):
    """``sign`` of a real argument, without sympy's assumption queries (slow on nested arguments)."""

    @classmethod
    def eval(cls, argument):
        return sympy.sign(argument) if argument.is_number else None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.S.Zero  # almost everywhere

    def _numpycode(self, printer) -> str:
        return f"numpy.sign({printer._print(self.args[0])})"

    def _latex(self, printer) -> str:
        return rf"\operatorname{{sign}}{{\left({printer._print(self.args[0])}\right)}}"


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
    "abs": RealAbs,
}
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
_EXACT = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
ALLOWED_TEXT = "numbers, x, y, + - * / ** and parentheses, pi, e and " + ", ".join(f"{f}()" for f in FUNCTIONS)


class ExpressionError(ValueError):
    """The text is not an allowed f(x, y); the message says why, for the person who typed it."""


# -- text -> sympy ------------------------------------------------------------------------------------------
def _convert(node: ast.AST) -> sympy.Expr:
    """Check ``node`` against the whitelist and build its sympy expression, folding constant parts."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ExpressionError(f"{value!r} is not a number; use {ALLOWED_TEXT}")
        if abs(value) > MAX_CONSTANT:
            raise ExpressionError(f"the number {value:g} is too large (at most {MAX_CONSTANT:g})")
        return sympy.Integer(value) if isinstance(value, int) else sympy.Float(value)
    if isinstance(node, ast.Name):
        if node.id in NAMES:
            return NAMES[node.id]
        raise ExpressionError(f"unknown name {node.id!r}: only x, y, pi and e may be used (functions need brackets)")
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise ExpressionError("only unary minus and plus are allowed")
        operand = _convert(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.BitXor):
            raise ExpressionError("use ** for powers (in Python ^ is not a power)")
        if type(node.op) not in _OPERATORS:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed; use + - * / **")
        left, right = _convert(node.left), _convert(node.right)
        if isinstance(node.op, ast.Pow):
            return _power(left, right)
        if isinstance(node.op, ast.Div) and right.is_number and right.is_zero:
            raise ExpressionError("division by zero")
        result = _EXACT[type(node.op)](left, right)
        if left.is_number and right.is_number:  # exact, and small: every operand is within MAX_MAGNITUDE
            _value(result, f"{_shown(left)} {_OPERATORS[type(node.op)]} {_shown(right)}")
        return result
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            shown = name or ast.unparse(node.func)
            raise ExpressionError(f"unknown function {shown!r}; allowed: {', '.join(FUNCTIONS)}")
        if node.keywords or len(node.args) != 1:
            raise ExpressionError(f"{name}() takes exactly one argument")
        argument = _convert(node.args[0])
        if not argument.is_number:
            return FUNCTIONS[name](argument)
        value = _value(argument, _shown(argument))
        try:
            return _folded(_FLOAT_FUNCTIONS[name](value))
        except (ValueError, OverflowError):
            raise ExpressionError(f"{name}({value:g}) is not a finite real number") from None
    if isinstance(node, ast.Compare):
        raise ExpressionError("comparisons are not allowed; type a formula such as x**2 + y**2")
    raise ExpressionError(f"{type(node).__name__} is not allowed; use {ALLOWED_TEXT}")


def _power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    """``base ** exponent`` with a constant exponent within ±MAX_EXPONENT; a constant power folded in floats."""
    if not exponent.is_number:
        return base**exponent
    power = _value(exponent, _shown(exponent))
    if abs(power) > MAX_EXPONENT:
        raise ExpressionError(f"the exponent {power:g} is too large (powers are limited to ±{MAX_EXPONENT:g})")
    if base.is_number:
        value = _value(base, _shown(base))
        try:
            return _folded(math.pow(value, power))
        except ZeroDivisionError:
            raise ExpressionError("division by zero") from None
        except (OverflowError, ValueError):
            raise ExpressionError(f"{value:g} ** {power:g} is too large or not a real number") from None
    if power.is_integer():
        exponent = sympy.Integer(int(power))
    elif not (exponent.is_Rational and exponent.q <= 1000):
        exponent = sympy.Float(power)
    coefficient = base.as_coeff_Mul()[0]  # sympy raises it exactly: (c*x)**n = c**n * x**n
    if coefficient.is_Rational and _digits(coefficient) * abs(power) > math.log10(MAX_MAGNITUDE):
        raise ExpressionError(
            f"the power {_shown(coefficient)} ** {power:g} in the formula is too large (beyond {MAX_MAGNITUDE:g})"
        )
    return base**exponent


def _value(number: sympy.Expr, shown: str) -> float:
    """The float value of a constant, refused unless real, finite and within MAX_MAGNITUDE."""
    try:
        value = float(number)
    except (TypeError, ValueError, OverflowError):
        value = math.inf
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise ExpressionError(f"{shown} is too large or not a finite real number (at most {MAX_MAGNITUDE:g})")
    return value


def _folded(value: float) -> sympy.Float:
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise OverflowError
    return sympy.Float(value)


def _digits(number: sympy.Rational) -> float:
    """Decimal digits of the larger of numerator and denominator (from their bit length, without printing)."""
    return max(abs(int(number.p)).bit_length(), int(number.q).bit_length()) * math.log10(2)


def _shown(number: sympy.Expr) -> str:
    """A constant as the person would read it, short (never a thousand digits)."""
    try:
        return f"{float(number):g}"
    except (TypeError, ValueError, OverflowError):
        return "a constant"


def _stripped(text: str) -> str:
    """``text`` without surrounding blanks; ``ExpressionError`` if empty or longer than MAX_LENGTH."""
    text = str(text).strip()
    if not text:
        raise ExpressionError("type a formula in x and y, e.g. sin(x)*y**2 + 0.1*(x**2 + y**2)")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the formula is {len(text)} characters long; at most {MAX_LENGTH} are allowed")
    return text


def parse_expression(text: str) -> sympy.Expr:
    """The sympy expression of ``text`` in x and y; ``ExpressionError`` saying why it is refused."""
    text = _stripped(text)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"not a formula: {error.msg} (at character {error.offset or '?'})") from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("not a formula Python can read (too deeply nested or invalid characters)") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError(f"the formula is too complex (more than {MAX_NODES} parts)")
    expression = _convert(tree.body)
    # sympy's own simplifications can copy parts: tan(asin(u)) = u/sqrt(1 - u**2) doubles u at every nesting
    if formula_code.more_terms_than([expression], MAX_TERMS):
        raise ExpressionError(f"the formula is too complex once sympy simplifies it (more than {MAX_TERMS:,} terms)")
    if expression.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ExpressionError("the formula contains a division by zero or an infinity")
    return expression


class _Latex(LatexPrinter):
    """sympy's LaTeX, with whole-number floats (folded constants) shown without ``.0``."""

    def _print_Float(self, expr) -> str:
        value = float(expr)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else super()._print_Float(expr)


def latex(expression: sympy.Expr) -> str:
    """LaTeX of a parsed formula."""
    return _Latex().doprint(expression)


# -- sympy -> NumPy, sandboxed ----------------------------------------------------------------------------
def compile_expression(expression: sympy.Expr) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Batched ``value_and_grad(points (R, 2))`` of ``expression`` with its sympy gradient (in this process)."""
    try:
        return formula_code.value_and_grad(formula_code.program(expression, X, Y))
    except formula_code.ProgramError as error:
        raise ExpressionError(f"the formula is too costly: {error}") from None


def formula_job(text: str) -> str:
    """Parse, differentiate and print ``text`` (the sandboxed worker's job): JSON, a program or a refusal."""
    try:
        expression = parse_expression(text)
        answer = {"latex": latex(expression), "program": formula_code.program(expression, X, Y)}
    except ExpressionError as error:
        answer = {"refused": str(error)}
    except formula_code.ProgramError as error:
        answer = {"refused": f"the formula is too costly: {error}"}
    except RecursionError:
        answer = {"refused": "the formula is nested too deeply to differentiate"}
    except MemoryError:
        raise  # the sandbox reports its memory limit
    except Exception:  # a sympy limitation or bug: the person gets a refusal, never its traceback
        answer = {"refused": "sympy could not differentiate this formula; try writing it another way"}
    return json.dumps(answer)


# Formulas the worker compiles once before it forks: every function and operator, sympy's caches warm.
_WARM_UP = (
    "sin(x)*y**2 + 0.1*(x**2 + y**2)",
    "(x**2 + y - 11)**2 + (x + y**2 - 7)**2 - x/y",
    "exp(-x**2)*cos(y) + abs(x) + sqrt(x**2 + y**2 + 1) - pi*e + tan(x) + log(2 + y**2)",
    "tanh(x) + sinh(y)/cosh(y) + asin(x/3) + acos(y/3) + atan(x*y) + (1 - x)**0.5",
)
_sandbox = Sandbox(f"{__name__}:formula_job", COMPILE_LIMITS, warm_up=_WARM_UP)
_cache: OrderedDict[str, tuple[str, Callable] | str] = OrderedDict()
_cache_lock = threading.Lock()


def compile_formula(text: str) -> tuple[str, Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]]:
    """LaTeX and batched ``value_and_grad`` of the formula ``text``, worked out in the sandbox.

    ``ExpressionError`` saying why when the text is refused or over a limit. Answers, refusals included, are
    kept for the last ``CACHE_ENTRIES`` texts, so a refused link costs its budget once.
    """
    text = _stripped(text)  # long texts are refused here, without the sandbox and not cached
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
        try:
            reply = json.loads(formula_job(text))  # no worker here: the guards above still apply
        except MemoryError:
            reply = {"refused": "the formula needs too much memory to differentiate"}
    if "refused" in reply:
        answer: tuple[str, Callable] | str = reply["refused"]
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
        start or _default_start(x_range, y_range),
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


def _default_start(x_range: tuple[float, float], y_range: tuple[float, float]) -> tuple[float, float]:
    """A start point in the upper-left part of the window (a path then crosses most of the view)."""
    return (
        float(f"{x_range[0] + 0.2 * (x_range[1] - x_range[0]):.4g}"),
        float(f"{y_range[0] + 0.8 * (y_range[1] - y_range[0]):.4g}"),
    )
