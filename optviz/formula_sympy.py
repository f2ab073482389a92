"""Typed f(x, y) -> sympy -> NumPy code, the work done inside the sandboxed worker (``formula_job``).

The text is parsed with Python's ``ast`` and checked against a whitelist (numbers, x, y, + - * / **, unary
minus, a few functions, pi and e) while the sympy expression is built node by node (the text never reaches
``eval``, ``sympify`` or ``parse_expr``). Every part that is constant, visibly (``9**9``) or only once sympy
simplifies it (``x/x*9**9``, ``0*x+10**15``), is folded in floats or checked against ``MAX_MAGNITUDE``, and
powers are limited to ±``MAX_EXPONENT``, so no exact huge number is ever computed. ``program`` then
differentiates within a size budget, shares common parts and prints NumPy code that
``optviz.formula_code`` checks again before the server runs it. Only the worker (and the in-process fallback)
imports this module, so the server itself never runs sympy.
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Callable

import numpy as np
import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.numpy import NumPyPrinter

from . import formula_code
from .formula_rules import (
    ALLOWED_TEXT,
    FUNCTION_NAMES,
    MAX_CONSTANT,
    MAX_EXPONENT,
    MAX_MAGNITUDE,
    MAX_NODES,
    MAX_TERMS,
    ExpressionError,
    stripped,
)
from .formula_syntax import syntax_message

MAX_GRADIENT_TERMS = 20_000  # tree size of f and its gradient before sharing common parts
MAX_OPERATIONS = 1_500  # arithmetic operations and function calls per point after sharing


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
assert tuple(FUNCTIONS) == FUNCTION_NAMES == tuple(_FLOAT_FUNCTIONS)  # one list, three views


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


def parse_expression(text: str) -> sympy.Expr:
    """The sympy expression of ``text`` in x and y; ``ExpressionError`` saying why it is refused."""
    text = stripped(text)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(syntax_message(text, error)) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("not a formula Python can read (too deeply nested or invalid characters)") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError(f"the formula is too complex (more than {MAX_NODES} parts)")
    expression = _convert(tree.body)
    # sympy's own simplifications can copy parts: tan(asin(u)) = u/sqrt(1 - u**2) doubles u at every nesting
    if more_terms_than([expression], MAX_TERMS):
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


# -- sympy -> NumPy code ------------------------------------------------------------------------------------
def program(expression: sympy.Expr, x: sympy.Symbol, y: sympy.Symbol) -> dict:
    """NumPy code of ``expression`` and its gradient: ``{"temporaries": [[name, code]...], "outputs": [f, fx, fy]}``."""
    parts = [expression, sympy.diff(expression, x), sympy.diff(expression, y)]
    if more_terms_than(parts, MAX_GRADIENT_TERMS):
        raise formula_code.ProgramError(f"its gradient is too large (more than {MAX_GRADIENT_TERMS:,} terms)")
    temporaries, outputs = sympy.cse(parts, symbols=sympy.numbered_symbols("_t"), order="none")
    operations = sum(sympy.count_ops(part) for part in [*(value for _, value in temporaries), *outputs])
    if operations > MAX_OPERATIONS:
        raise formula_code.ProgramError(
            f"its value and gradient need {operations:,} operations per point (at most {MAX_OPERATIONS:,})"
        )
    printer = _NumPyCode()
    return {
        "temporaries": [[str(name), printer.doprint(value)] for name, value in temporaries],
        "outputs": [printer.doprint(part) for part in outputs],
    }


def more_terms_than(expressions: list[sympy.Expr], limit: int) -> bool:
    """Whether the expression trees have more than ``limit`` nodes (stops counting there)."""
    count = 0
    for expression in expressions:
        for _ in sympy.preorder_traversal(expression):
            count += 1
            if count > limit:
                return True
    return False


def compile_expression(expression: sympy.Expr) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Batched ``value_and_grad(points (R, 2))`` of ``expression`` with its sympy gradient (in this process)."""
    try:
        return formula_code.value_and_grad(program(expression, X, Y))
    except formula_code.ProgramError as error:
        raise ExpressionError(f"the formula is too costly: {error}") from None


def formula_job(text: str) -> str:
    """Parse, differentiate and print ``text`` (the sandboxed worker's job): JSON, a program or a refusal."""
    try:
        expression = parse_expression(text)
        answer = {"latex": latex(expression), "program": program(expression, X, Y)}
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


class _NumPyCode(NumPyPrinter):
    """NumPy code with every number printed as a float (exactly, as ``repr`` does) and ``numpy.`` names."""

    def __init__(self):
        super().__init__({"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False})

    def _print_Float(self, expr) -> str:
        return _float_code(expr)

    def _print_Rational(self, expr) -> str:
        return _float_code(expr)

    def _print_Integer(self, expr) -> str:
        return str(int(expr)) if abs(expr) <= 2**53 else _float_code(expr)

    _print_Half = _print_Rational
    _print_Zero = _print_Integer


def _float_code(number: sympy.Number) -> str:
    try:
        value = float(number)
    except OverflowError:
        value = math.inf if number > 0 else -math.inf
    if math.isnan(value):
        return "numpy.nan"
    if math.isinf(value):
        return "numpy.inf" if value > 0 else "(-numpy.inf)"
    return repr(value) if value >= 0 else f"({value!r})"
