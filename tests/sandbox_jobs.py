"""Jobs for the sandbox tests (the worker imports them by name): each is a ``str -> str`` function."""

from __future__ import annotations


def echo(text: str) -> str:
    """The text itself."""
    return text


def spin_in_c(text: str) -> str:
    """Minutes of work inside one C call that holds the GIL (like sympy's exact ``9**387420489``)."""
    return str(sum(range(10**13)))


def allocate(text: str) -> str:
    """Ask for ``text`` megabytes at once."""
    return str(len(bytearray(int(text) << 20)))
