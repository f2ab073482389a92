"""Typed, validated reads of the page's query string (with a note per rejected value) and write-back.

``reader = UrlReader()`` wraps ``st.query_params`` (or any mapping, for tests); ``reader.number("steps",
300, 1, 2000, integer=True)`` returns the value or the default, appending a human note to
``reader.notes`` when the URL held something unusable. ``write_query(...)`` puts the page state back.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import streamlit as st

from optviz.lanes import Lane, parse_lanes

Pair = tuple[float, float]


class UrlReader:
    """Reads query parameters with validation and fallback; ``notes`` lists what was ignored and why."""

    def __init__(self, params: Mapping | None = None) -> None:
        self.params = st.query_params if params is None else params
        self.notes: list[str] = []

    def has(self, name: str) -> bool:
        return name in self.params

    def _all(self, name: str) -> list[str]:
        if hasattr(self.params, "get_all"):
            return [str(v) for v in self.params.get_all(name)]
        value = self.params.get(name)
        if value is None:
            return []
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]

    def _one(self, name: str) -> str | None:
        values = self._all(name)
        return values[-1] if values else None

    def _reject(self, name: str, raw: str, why: str, default) -> None:
        self.notes.append(f"URL parameter `{name}={_short(raw)}` ignored: {why}. Using {_show(default)}.")

    def text(self, name: str, default: str, choices: Iterable[str] | None = None) -> str:
        """A string, optionally one of ``choices`` (case-insensitive)."""
        raw = self._one(name)
        if raw is None:
            return default
        if choices is None:
            return raw
        options = {c.lower(): c for c in choices}
        if raw.strip().lower() in options:
            return options[raw.strip().lower()]
        self._reject(name, raw, f"must be one of {', '.join(options.values())}", default)
        return default

    def number(self, name: str, default: float, low: float, high: float, integer: bool = False) -> float:
        """A finite number in ``[low, high]`` (a whole number with ``integer``)."""
        raw = self._one(name)
        if raw is None:
            return default
        try:
            value = parse_number(raw, low, high, integer)
        except ValueError as error:
            self._reject(name, raw, str(error), default)
            return default
        return int(value) if integer else value

    def flag(self, name: str, default: bool) -> bool:
        """A boolean written as 1/0 (also true/false, yes/no, on/off)."""
        raw = self._one(name)
        if raw is None:
            return default
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        self._reject(name, raw, "must be 1 or 0", default)
        return default

    def pair(self, name: str, default: Pair, low: float, high: float, increasing: bool = False) -> Pair:
        """Two comma-separated numbers in ``[low, high]``, e.g. ``start=-1.2,1``; ``increasing`` wants a < b."""
        raw = self._one(name)
        if raw is None:
            return default
        try:
            value = parse_pair(raw, low, high, increasing)
        except ValueError as error:
            self._reject(name, raw, str(error), default)
            return default
        return value

    def lanes(self, name: str, default: Sequence[Lane], limit: int = 6, allow_native: bool = False) -> list[Lane]:
        """The lanes of repeated ``o=`` params (bad ones noted and skipped); ``default`` when none is usable."""
        texts = self._all(name)
        if not texts:
            return list(default)
        lanes, problems = parse_lanes(texts, limit=limit, allow_native=allow_native)
        self.notes += [f"URL parameter `{name}`: {problem}." for problem in problems]
        if not lanes:
            self.notes.append(f"No usable `{name}=` lane in the URL. Using the default lanes.")
            return list(default)
        return lanes


def parse_number(raw: str, low: float, high: float, integer: bool = False) -> float:
    """``raw`` as a finite number in ``[low, high]``; ``ValueError`` saying why not."""
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    if integer and value != int(value):
        raise ValueError("must be a whole number")
    if not low <= value <= high:
        raise ValueError(f"must be between {low:g} and {high:g}")
    return value


def parse_pair(raw: str, low: float, high: float, increasing: bool = False) -> Pair:
    """``"a,b"`` as two finite numbers in ``[low, high]``; ``ValueError`` saying why not."""
    parts = str(raw).split(",")
    if len(parts) != 2:
        raise ValueError("must be two numbers separated by a comma, e.g. -1.2,1")
    a, b = (parse_number(part, low, high) for part in parts)
    if increasing and not a < b:
        raise ValueError("the first number must be smaller than the second")
    return a, b


def format_number(value: float) -> str:
    """Short exact-enough text for a URL (``0.01``, ``-1.2``, ``300``)."""
    return f"{value:.10g}"


def format_pair(pair: Sequence[float]) -> str:
    """``(-1.2, 1.0)`` -> ``"-1.2,1"``."""
    return ",".join(format_number(float(v)) for v in pair)


def write_query(values: Mapping[str, str | Sequence[str] | None]) -> None:
    """Replace the page's query string by ``values`` (lists give repeated keys; None drops a key), only
    when it changed, so the browser URL always reproduces the page."""
    wanted = {
        k: ([str(x) for x in v] if isinstance(v, (list, tuple)) else str(v)) for k, v in values.items() if v is not None
    }
    current = {
        k: (st.query_params.get_all(k) if isinstance(wanted.get(k), list) else st.query_params.get(k))
        for k in st.query_params
    }
    if current != wanted:
        st.query_params.from_dict(wanted)


def _short(raw: str, limit: int = 40) -> str:
    return raw if len(raw) <= limit else raw[: limit - 1] + "…"


def _show(value) -> str:
    if isinstance(value, tuple):
        return format_pair(value)
    if isinstance(value, (list,)):
        return ", ".join(getattr(v, "to_text", lambda v=v: str(v))() for v in value) or "nothing"
    return format_number(value) if isinstance(value, float) else str(value)
