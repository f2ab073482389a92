"""A formula's value and gradient from printed NumPy code, checked before it runs (no sympy needed here).

``value_and_grad(program)`` parses the code that ``optviz.formula_sympy.program`` printed in the sandboxed
worker, checks every node against a whitelist (numbers, x, y, the temporaries, a fixed set of numpy
functions; every number becomes a NumPy float, so no exact big number can be computed and no constant
arithmetic can raise) and compiles it: nothing else can run, whoever produced the text.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

import numpy as np

MAX_CODE = 200_000  # characters of one printed line

NUMPY_NAMES = frozenset(
    {
        "sin",
        "cos",
        "tan",
        "arcsin",
        "arccos",
        "arctan",
        "arctan2",
        "sinh",
        "cosh",
        "tanh",
        "arcsinh",
        "arccosh",
        "arctanh",
        "exp",
        "expm1",
        "log",
        "log1p",
        "log2",
        "log10",
        "sqrt",
        "cbrt",
        "abs",
        "sign",
        "power",
        "hypot",
        "heaviside",
        "select",
        "where",
        "greater",
        "greater_equal",
        "less",
        "less_equal",
        "equal",
        "not_equal",
        "logical_and",
        "logical_or",
        "logical_not",
        "isnan",
        "maximum",
        "minimum",
        "amax",
        "amin",
        "real",
        "imag",
        "conjugate",
        "pi",
        "e",
        "nan",
        "inf",
    }
)
_KEYWORDS = frozenset({"default", "axis"})
_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Attribute, ast.Name, ast.Constant, ast.List, ast.Tuple,
    ast.keyword, ast.Compare, ast.Load, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd,
    ast.Lt, ast.Gt, ast.LtE, ast.GtE, ast.Eq, ast.NotEq,
)  # fmt: skip
_TEMPORARY = re.compile(r"_t\d{1,6}")


class ProgramError(ValueError):
    """f or its gradient is over the budget, or printed code failed the whitelist; the message says which."""


def value_and_grad(code: dict) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Batched ``value_and_grad(points (R, 2)) -> (values (R,), grads (R, 2))`` of a checked :func:`program`.

    Its attribute ``value_only(points) -> values`` computes f alone (only the temporaries f needs, the same
    operations, so the same numbers): a map or a path's segments need no gradient."""
    formula, value_formula = _compiled(code)

    def value_only(points: np.ndarray) -> np.ndarray:
        x, y = points[:, 0], points[:, 1]
        with np.errstate(all="ignore"):
            value = value_formula(x, y)
        return value.copy() if _plain(value, x.shape) else np.array(_real(value, x.shape))

    def evaluate(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = points[:, 0], points[:, 1]
        with np.errstate(all="ignore"):
            value, grad_x, grad_y = formula(x, y)
        grads = np.empty(points.shape, dtype=np.float64)
        shape = x.shape
        grads[:, 0] = grad_x if _plain(grad_x, shape) else _real(grad_x, shape)
        grads[:, 1] = grad_y if _plain(grad_y, shape) else _real(grad_y, shape)
        return (value.copy() if _plain(value, shape) else np.array(_real(value, shape))), grads

    evaluate.value_only = value_only  # type: ignore[attr-defined]
    return evaluate


def _plain(values, shape: tuple[int, ...]) -> bool:
    """Already what :func:`_real` returns (a float64 array of ``shape``): the common case, checked cheaply."""
    return type(values) is np.ndarray and values.dtype == np.float64 and values.shape == shape


def _real(values, shape: tuple[int, ...]) -> np.ndarray:
    """Float values of the given shape; a complex value counts as not a real number (NaN)."""
    values = np.asarray(values)
    if np.iscomplexobj(values):
        values = np.where(np.imag(values) == 0, np.real(values), np.nan)
    return np.broadcast_to(values.astype(np.float64, copy=False), shape)


def _compiled(code: dict) -> tuple[Callable, Callable]:
    """``formula(x, y) -> (f, fx, fy)`` and ``value(x, y) -> f`` (the temporaries f needs, no more) from the checked
    lines of ``code``; ``ProgramError`` if any line fails."""
    try:
        temporaries, outputs = code["temporaries"], code["outputs"]
        known, constants = {"x", "y"}, {}
        body: list[ast.stmt] = []
        for name, line in temporaries:
            if not (isinstance(name, str) and _TEMPORARY.fullmatch(name)) or name in known:
                raise ProgramError(f"bad temporary name {name!r}")
            body.append(ast.Assign(targets=[ast.Name(name, ast.Store())], value=_checked(line, known, constants)))
            known.add(name)
        if len(outputs) != 3:
            raise ProgramError("a program has three outputs: f, df/dx, df/dy")
        results = [_checked(line, known, constants) for line in outputs]
    except (KeyError, TypeError, ValueError, SyntaxError, RecursionError) as error:
        if isinstance(error, ProgramError):
            raise
        raise ProgramError("the compiled formula is malformed") from None
    needed = _names(results[0])
    value_body: list[ast.stmt] = []
    for assign in reversed(body):  # a temporary f needs, and the ones that one needs
        if assign.targets[0].id in needed:  # type: ignore[attr-defined]
            value_body.insert(0, assign)
            needed |= _names(assign.value)  # type: ignore[attr-defined]
    source = "def formula(x, y):\n    pass\ndef value(x, y):\n    pass"
    module = ast.parse(source)
    module.body[0].body = [*body, ast.Return(ast.Tuple(results, ast.Load()))]
    module.body[1].body = [*value_body, ast.Return(results[0])]
    namespace = {"__builtins__": {}, "numpy": np, **constants}
    exec(compile(ast.fix_missing_locations(module), "<formula>", "exec"), namespace)  # only checked nodes
    return namespace["formula"], namespace["value"]


def _names(node: ast.AST) -> set[str]:
    return {child.id for child in ast.walk(node) if isinstance(child, ast.Name)}


def _checked(line: str, known: set[str], constants: dict[str, object]) -> ast.expr:
    """The parsed ``line`` if it only uses allowed nodes, names and numpy functions.

    Its numbers are replaced by names of NumPy scalars added to ``constants``: Python's exact integers could
    run for hours (``2**10**9``) and its float arithmetic raises (``2.0**5000``), NumPy gives inf or nan.
    """
    if not isinstance(line, str) or len(line) > MAX_CODE:
        raise ProgramError("a line of the compiled formula is too long")
    tree = ast.parse(line, mode="eval")
    modules = set()
    for node in ast.walk(tree):
        if not isinstance(node, _NODES):
            raise ProgramError(f"{type(node).__name__} is not allowed in a compiled formula")
        if isinstance(node, ast.Attribute):
            if not (isinstance(node.value, ast.Name) and node.value.id == "numpy" and node.attr in NUMPY_NAMES):
                raise ProgramError(f"numpy.{node.attr} is not allowed in a compiled formula")
            modules.add(id(node.value))
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Attribute) or any(k.arg not in _KEYWORDS for k in node.keywords):
                raise ProgramError("only numpy functions may be called in a compiled formula")
        elif isinstance(node, ast.Name) and node.id not in known and id(node) not in modules:
            raise ProgramError(f"unknown name {node.id!r} in a compiled formula")
        elif isinstance(node, ast.Constant) and type(node.value) not in (bool, int, float, complex):
            raise ProgramError("only numbers may be constants in a compiled formula")
    return _NumPyNumbers(constants).visit(tree).body


class _NumPyNumbers(ast.NodeTransformer):
    """Replace number constants (not booleans) by names of NumPy scalars collected in ``constants``."""

    def __init__(self, constants: dict[str, object]):
        self.constants = constants

    def visit_Constant(self, node: ast.Constant) -> ast.expr:
        if type(node.value) is bool:
            return node
        try:
            number = np.complex128(node.value) if type(node.value) is complex else np.float64(node.value)
        except OverflowError:
            number = np.float64(np.inf if node.value > 0 else -np.inf)
        name = f"_c{len(self.constants)}"
        self.constants[name] = number
        return ast.Name(name, ast.Load())
