"""A job for the sandbox tests (the worker imports it by name): ``"echo:text"``, ``"spin"`` or ``"allocate:MB"``."""

from __future__ import annotations


def run(command: str) -> str:
    """Do what ``command`` says and answer."""
    name, _, argument = command.partition(":")
    if name == "echo":
        return argument
    if name == "spin":  # minutes inside one C call holding the GIL, like sympy's exact 9**387420489
        return str(sum(range(10**13)))
    if name == "allocate":
        return str(len(bytearray(int(argument) << 20)))
    raise ValueError(f"unknown command {name!r}")
