"""Why and where a typed formula is not readable, in words: ``x**`` -> "the formula ends with '**' (character 2):
something must follow it", instead of Python's "invalid syntax" at no position.

Reads the text token by token (numbers, names, operators; nothing is evaluated) and names the first problem with
its 1-based character position; Python's own message is the fallback.
"""

from __future__ import annotations

import re

#: A number, a name, a two-character operator or any other single character, each after optional blanks.
_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_]\w*)|(?P<other>\*\*|//|\S))"
)
_OPERATORS = ("+", "-", "*", "/", "**", "//", "^", "%")
_ALLOWED = set("+-*/^%(),.")  # characters a formula may hold besides numbers, names and blanks
_PREFIX = "not a formula: "


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """``(kind, token, character)`` for every token (kind: number, name or other; character: 1-based)."""
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind is None:  # trailing blanks
            break
        found.append((kind, match.group(kind), match.start(kind) + 1))
    return found


def _operand_end(kind: str, token: str) -> bool:
    return kind in ("number", "name") or token == ")"


def _operand_start(kind: str, token: str) -> bool:
    return kind in ("number", "name") or token == "("


def _side_by_side(before: str, after: str, where: int) -> str:
    return (
        f"{_PREFIX}'{before}' and '{after}' stand side by side at character {where}: put an operator between, "
        f"e.g. {before}*{after}"
    )


def syntax_message(text: str, error: SyntaxError | None = None) -> str:
    """What is wrong with ``text`` that Python cannot read it, and at which character (1-based)."""
    tokens = _tokens(text)
    depth_stack: list[int] = []
    previous: tuple[str, str, int] | None = None
    for kind, token, where in tokens:
        if kind == "other" and token not in _ALLOWED and token not in _OPERATORS:
            return f"{_PREFIX}'{token}' (character {where}) is not allowed in a formula"
        if token == ")":
            if not depth_stack:
                return f"{_PREFIX}the ')' at character {where} has no '(' before it"
            if previous is not None and previous[1] == "(":
                return f"{_PREFIX}the brackets at character {previous[2]} are empty: put something between them"
            depth_stack.pop()
        if previous is not None:
            before_kind, before, _ = previous
            if before_kind == "number" and kind == "name":
                return _side_by_side(before, token, where)
            if _operand_end(before_kind, before) and _operand_start(kind, token):
                calls = before_kind == "name" and token == "("  # sin(x): a function call
                if not calls:
                    return _side_by_side(before, token, where)
            if (before in _OPERATORS or before in "(,") and token in ("*", "/", "**", "//", "^", "%", ")", ","):
                return f"{_PREFIX}'{token}' at character {where} cannot follow '{before}': something is missing between"
        if token == "(":
            depth_stack.append(where)
        previous = (kind, token, where)
    if previous is not None and previous[1] == "(":
        function = tokens[-2][1] if len(tokens) > 1 and tokens[-2][0] == "name" else ""
        return (
            f"{_PREFIX}the '(' at character {previous[2]} ends the formula: put what it encloses and a ')' after it, "
            f"e.g. {function}(x)"
        )
    if previous is not None and (previous[1] in _OPERATORS or previous[1] == ","):
        ending = f"{_PREFIX}the formula ends with '{previous[1]}' (character {previous[2]}): something must follow it"
        if previous[1] == "**":
            ending += ", e.g. x**2"
        if depth_stack:
            ending += f"; and the '(' at character {depth_stack[0]} is never closed"
        return ending
    if depth_stack:
        return f"{_PREFIX}the '(' at character {depth_stack[-1]} is never closed: add a ')'"
    if error is None:
        return f"{_PREFIX}Python cannot read it"
    offset = error.offset if error.offset and 0 < error.offset <= len(text) else None
    where = f"at character {offset}" if offset is not None else "at its end"
    return f"{_PREFIX}{error.msg} ({where})"
