"""Page state as data, TensorFlow-Playground style: one table of fields per page drives reading the URL (a note
per unusable value, never an exception), writing it back, and the values of the page's widgets.

A page declares a frozen dataclass that subclasses :class:`PageState` and lists its ``FIELDS``::

    @dataclass(frozen=True)
    class ExplorerState(PageState):
        steps: int = 300
        FIELDS = (Field("steps", "steps", Number(1, 2000, integer=True)),)

    state, notes = ExplorerState.from_query({"steps": ["abc"]})  # default steps, one note
    state.to_query()                                              # {"steps": ["300"]}

Query parameters are a mapping from key to *all* its values (repeated keys carry lanes: ``o=adam&o=sgd``);
:func:`query_lists` turns ``st.query_params`` or a plain dict into that form. UI-free: no streamlit import.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import MISSING, dataclass, fields, replace
from typing import Any, ClassVar, TypeVar

from .lanes import Lane, parse_lane, parse_lanes
from .surface_spec import (
    CONDITIONS,
    CUSTOM,
    DEFAULT_CONDITION,
    DEFAULT_EXPRESSION,
    DEFAULT_WINDOW,
    QUADRATIC,
    SURFACE_NAMES,
    WINDOW_LIMIT,
    SurfaceSpec,
    default_start,
    make_spec,
    nearest_condition,
    surface_problem,
)

Params = Mapping[str, list[str]]
S = TypeVar("S", bound="PageState")
START_LIMIT = 1e4  # start points and windows stay within ±10000


def lanes_of(*texts: str) -> tuple[Lane, ...]:
    """Lanes from their URL texts (for defaults: ``lanes_of("adam:lr=0.05", "sgd:momentum=0.9")``)."""
    return tuple(parse_lane(text, allow_native=True, allow_plan=True) for text in texts)


def surface_start(values: Mapping[str, Any]) -> tuple[float, float]:
    """A derived default: the start point of the surface read so far (``values["surface"]``)."""
    return default_start(values.get("surface", SurfaceSpec()))


def clicked_start(point: tuple[float, float], limit: float) -> tuple[float, float]:
    """A point clicked on a map, as a start: each coordinate within ±``limit`` and to 4 significant digits (what the
    start widgets show)."""
    x, y = (float(f"{min(max(value, -limit), limit):.4g}") for value in point)
    return x, y


def query_lists(params: Any) -> dict[str, list[str]]:
    """Every key of ``params`` (``st.query_params``, a dict of strings or of lists) with all its values."""
    if hasattr(params, "get_all"):
        return {str(k): [str(v) for v in params.get_all(k)] for k in params}
    out: dict[str, list[str]] = {}
    for key, value in dict(params).items():
        out[str(key)] = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    return out


def format_number(value: float) -> str:
    """Short exact-enough text for a URL (``0.01``, ``-1.2``, ``300``)."""
    return f"{float(value):.10g}"


def short(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (for notes quoting a URL value)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- codecs: one URL value <-> one state value ---------------------------------------------------------------
class Codec:
    """Turns the raw values of one URL key into a state value (``ValueError`` saying why not) and back."""

    def decode(self, raw: list[str]) -> Any:
        raise NotImplementedError

    def encode(self, value: Any) -> list[str]:
        return [str(value)]


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


@dataclass(frozen=True)
class Number(Codec):
    """A finite number in ``[low, high]``; ``integer`` wants a whole number; ``choices`` snaps to the nearest."""

    low: float
    high: float
    integer: bool = False
    choices: tuple[float, ...] = ()

    def decode(self, raw: list[str]) -> float | int:
        value = parse_number(raw[-1], self.low, self.high, self.integer)
        if self.choices:
            value = min(self.choices, key=lambda c: abs(c - value))
        return int(value) if self.integer else float(value)

    def encode(self, value: Any) -> list[str]:
        return [str(int(value))] if self.integer else [format_number(value)]


@dataclass(frozen=True)
class Choice(Codec):
    """One of ``options`` (case-insensitive)."""

    options: tuple[str, ...]

    def decode(self, raw: list[str]) -> str:
        wanted = raw[-1].strip().lower()
        for option in self.options:
            if option.lower() == wanted:
                return option
        raise ValueError(f"must be one of {', '.join(self.options)}")


@dataclass(frozen=True)
class Flag(Codec):
    """A boolean written as 1/0 (also read: true/false, yes/no, on/off)."""

    def decode(self, raw: list[str]) -> bool:
        lowered = raw[-1].strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError("must be 1 or 0")

    def encode(self, value: Any) -> list[str]:
        return ["1" if value else "0"]


@dataclass(frozen=True)
class Text(Codec):
    """Free text of at most ``max_length`` characters (shown to people as data, never run)."""

    max_length: int = 300

    def decode(self, raw: list[str]) -> str:
        if len(raw[-1]) > self.max_length:
            raise ValueError(f"longer than {self.max_length} characters")
        return raw[-1]


@dataclass(frozen=True)
class Pair(Codec):
    """Two comma-separated numbers in ``[low, high]`` (``start=-1.2,1``); ``increasing`` wants a < b."""

    low: float
    high: float
    increasing: bool = False

    def decode(self, raw: list[str]) -> tuple[float, float]:
        parts = raw[-1].split(",")
        if len(parts) != 2:
            raise ValueError("must be two numbers separated by a comma, e.g. -1.2,1")
        a, b = (parse_number(part, self.low, self.high) for part in parts)
        if self.increasing and not a < b:
            raise ValueError("the first number must be smaller than the second")
        return a, b

    def encode(self, value: Any) -> list[str]:
        return [",".join(format_number(v) for v in value)]


class LanesRefused(ValueError):
    """No usable lane in the URL; ``args[0]`` holds the notes saying why, one per lane."""


@dataclass(frozen=True)
class Lanes(Codec):
    """Repeated ``o=adam:lr=0.01,amsgrad=1`` lanes (at most ``limit``); bad lanes are skipped with a note.

    ``allow_plan``: a lane may carry an lr plan (``o=sgd:lr=0.5,schedule=step,every=100,drop=0.5``), for pages
    that run the lanes' callbacks; elsewhere such a lane is skipped with a note saying the page has no schedules.
    """

    limit: int = 6
    allow_native: bool = False
    minimum: int = 1
    allow_plan: bool = False

    def decode_with_notes(self, raw: list[str], key: str) -> tuple[tuple[Lane, ...], list[str]]:
        """The usable lanes and a note per skipped one; ``ValueError`` when fewer than ``minimum`` are usable."""
        lanes, problems = parse_lanes(raw, self.limit, self.allow_native, self.allow_plan)
        notes = [f"URL parameter `{key}`: {problem}." for problem in problems]
        if len(lanes) < self.minimum:
            raise LanesRefused([*notes, f"No usable `{key}=` lane in the URL. Using the default lanes."])
        return tuple(lanes), notes

    def decode(self, raw: list[str]) -> tuple[Lane, ...]:
        return self.decode_with_notes(raw, "o")[0]

    def encode(self, value: Any) -> list[str]:
        return [lane.to_text() for lane in value]


@dataclass(frozen=True)
class Surface(Codec):
    """A :class:`~optviz.surface_spec.SurfaceSpec` from ``surface`` plus ``condition`` / ``f``, ``xr``, ``yr``.

    ``check_formula(spec)`` returns why a custom formula or window is refused (it is then replaced by the default
    formula with a note), so that a refused link never reaches the runs; by default it builds the surface
    (:func:`optviz.surface_spec.surface_problem`, cached)."""

    check_formula: Callable[[SurfaceSpec], str | None] | None = surface_problem

    def decode_surface(self, params: Params, key: str) -> tuple[SurfaceSpec, list[str]]:
        notes: list[str] = []
        name = Choice(tuple(SURFACE_NAMES)).decode(params[key])
        if name == QUADRATIC:
            condition = _read(params, "condition", Number(1.0, 1e4), DEFAULT_CONDITION, notes)
            if nearest_condition(condition) != condition:
                notes.append(f"Condition number {condition:g} is not offered; using {nearest_condition(condition):g}.")
            return make_spec(QUADRATIC, condition=condition), notes
        if name != CUSTOM:
            return make_spec(name), notes
        window = Pair(-WINDOW_LIMIT, WINDOW_LIMIT, increasing=True)
        x_range = _read(params, "xr", window, DEFAULT_WINDOW, notes)
        y_range = _read(params, "yr", window, DEFAULT_WINDOW, notes)
        expression = _read(params, "f", Text(), DEFAULT_EXPRESSION, notes)
        spec = make_spec(CUSTOM, expression=expression, x_range=x_range, y_range=y_range)
        problem = self.check_formula(spec) if self.check_formula else None
        if problem is not None:
            notes.append(
                f"URL parameter `f` ignored (`{short(expression, 60)}`): {problem}. Using `{DEFAULT_EXPRESSION}`."
            )
            spec = make_spec(CUSTOM, expression=DEFAULT_EXPRESSION, x_range=x_range, y_range=y_range)
        return spec, notes

    def decode(self, raw: list[str]) -> SurfaceSpec:
        return self.decode_surface({"surface": raw}, "surface")[0]

    def encode(self, value: Any) -> list[str]:
        return [value.key]


def _read(params: Params, key: str, codec: Codec, default: Any, notes: list[str]) -> Any:
    if key not in params or not params[key]:
        return default
    try:
        return codec.decode(params[key])
    except ValueError as error:
        notes.append(_rejected(key, params[key], str(error), codec, default))
        return default


def _rejected(key: str, raw: list[str], why: str, codec: Codec, default: Any) -> str:
    shown = ", ".join(short(v) for v in raw[-3:])
    if isinstance(default, tuple) and default and isinstance(default[0], Lane):
        using = "the default lanes"
    elif isinstance(default, SurfaceSpec):
        using = f"the default surface ({default.key})"
    else:
        using = ", ".join(codec.encode(default)) or "nothing"
    return f"URL parameter `{key}={shown}` ignored: {why}. Using {using}."


# -- fields and page state -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """One setting of a page: the state attribute ``name``, its URL ``key`` and ``codec``.

    ``written`` (state -> bool) says whether the URL carries it (e.g. ``seed`` only with noise); a field equal to
    its default is left out when ``omit_default``. ``aliases`` are older URL keys still read (``opt`` for ``o``).
    """

    name: str
    key: str
    codec: Codec
    written: Callable[[Any], bool] | None = None
    omit_default: bool = False
    aliases: tuple[str, ...] = ()


class PageState:
    """Base of a page's frozen state dataclass: ``FIELDS`` drives :meth:`from_query` and :meth:`to_query`.

    Defaults come from the dataclass; :meth:`default` may compute one from the fields read before it (e.g. the
    start point from the surface), and :meth:`checked` fixes values that depend on each other, with a note."""

    FIELDS: ClassVar[tuple[Field, ...]] = ()
    #: Defaults computed from the fields read before (e.g. ``{"start": lambda v: default_start(v["surface"])}``).
    DERIVED_DEFAULTS: ClassVar[Mapping[str, Callable[[Mapping[str, Any]], Any]]] = {}

    @classmethod
    def default(cls, name: str, values: Mapping[str, Any]) -> Any:
        """The default of field ``name`` given the values already read (derived, else the dataclass default)."""
        if name in cls.DERIVED_DEFAULTS:
            return cls.DERIVED_DEFAULTS[name](values)
        for item in fields(cls):  # type: ignore[arg-type]
            if item.name == name:
                return item.default if item.default_factory is MISSING else item.default_factory()  # type: ignore[misc]
        raise KeyError(name)

    def checked(self: S, notes: list[str]) -> S:
        """This state with cross-field constraints enforced (a note per change); the identity here."""
        return self

    @classmethod
    def from_query(cls: type[S], params: Any) -> tuple[S, list[str]]:
        """The state a URL describes and the notes on every value that was not usable (its default is used)."""
        params = query_lists(params)
        values: dict[str, Any] = {}
        notes: list[str] = []
        for item in cls.FIELDS:
            default = cls.default(item.name, values)
            key = next((k for k in (item.key, *item.aliases) if params.get(k)), None)
            if key is None:
                values[item.name] = default
                continue
            try:
                if isinstance(item.codec, Surface):
                    values[item.name], more = item.codec.decode_surface(params, key)
                elif isinstance(item.codec, Lanes):
                    values[item.name], more = item.codec.decode_with_notes(params[key], key)
                else:
                    values[item.name], more = item.codec.decode(params[key]), []
                notes += more
            except LanesRefused as refused:
                notes += refused.args[0]
                values[item.name] = default
            except ValueError as error:
                notes.append(_rejected(key, params[key], str(error), item.codec, default))
                values[item.name] = default
        state = cls(**values)
        return state.checked(notes), notes

    def to_query(self) -> dict[str, list[str]]:
        """The URL parameters of this state, in field order (repeated keys as lists)."""
        query: dict[str, list[str]] = {}
        for item in self.FIELDS:
            value = getattr(self, item.name)
            if item.written is not None and not item.written(self):
                continue
            if item.omit_default and value == type(self).default(item.name, vars(self)):
                continue
            if isinstance(item.codec, Surface):
                for key, text in value.query_items():
                    query[key] = [text]
                continue
            encoded = item.codec.encode(value)
            if encoded:
                query[item.key] = encoded
        return query

    def replace(self: S, **changes: Any) -> S:
        """A copy with ``changes`` (dataclasses.replace)."""
        return replace(self, **changes)  # type: ignore[type-var]


__all__ = [
    "CONDITIONS",
    "Choice",
    "Codec",
    "Field",
    "Flag",
    "Lanes",
    "Number",
    "PageState",
    "Pair",
    "Params",
    "Surface",
    "Text",
    "format_number",
    "parse_number",
    "query_lists",
    "short",
]


def widget_values(state: PageState, widgets: Mapping[str, Callable[[Any], Mapping[str, Any]]]) -> dict[str, Any]:
    """The widget values (suffix -> value) that show ``state``: ``widgets`` maps a field name to a function giving
    its widgets' values (default: one widget named like the field, holding the value)."""
    values: dict[str, Any] = {}
    for item in state.FIELDS:
        value = getattr(state, item.name)
        values.update(widgets[item.name](value) if item.name in widgets else {item.name: value})
    return values


def surface_widget_values(spec: SurfaceSpec) -> dict[str, Any]:
    """The surface picker's widget values (suffixes ``surface``, ``condition``, ``f``, ``x_low``…) for ``spec``."""
    x_range = spec.x_range if spec.is_custom else DEFAULT_WINDOW
    y_range = spec.y_range if spec.is_custom else DEFAULT_WINDOW
    return {
        "surface": spec.key,
        "condition": spec.condition if spec.key == QUADRATIC else DEFAULT_CONDITION,
        "f": spec.expression if spec.is_custom else DEFAULT_EXPRESSION,
        "x_low": x_range[0],
        "x_high": x_range[1],
        "y_low": y_range[0],
        "y_high": y_range[1],
    }


def spec_from_widget_values(values: Mapping[str, Any]) -> SurfaceSpec:
    """The surface spec the picker's widget values (see :func:`surface_widget_values`) describe."""
    return make_spec(
        values.get("surface", SurfaceSpec().key),
        values.get("condition", DEFAULT_CONDITION),
        values.get("f", DEFAULT_EXPRESSION),
        (values.get("x_low", DEFAULT_WINDOW[0]), values.get("x_high", DEFAULT_WINDOW[1])),
        (values.get("y_low", DEFAULT_WINDOW[0]), values.get("y_high", DEFAULT_WINDOW[1])),
    )


def start_widget_values(start: Sequence[float]) -> dict[str, float]:
    """The start point's two widget values (suffixes ``x0``, ``y0``)."""
    return {"x0": float(start[0]), "y0": float(start[1])}
