"""The update rules as LaTeX, written as Keras 2.2.4 computes them, and the same lines with one step's numbers.

Each ``FormulaLine`` has a symbolic form and a numeric template whose ``[[name]]`` placeholders are
quantities of an ``Inspection`` (or hyperparameters): ``[[name]]`` puts a negative number in
parentheses, ``[[=name]]`` writes it bare (for results after ``=``). ``step_formulas`` fills them
with step k's numbers for every coordinate.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from .inspection import Inspection

PLACEHOLDER = re.compile(r"\[\[(=?)(\w+)\]\]")

#: Significant digits shown by default: enough to reproduce the next position to about 1e-6.
DIGITS = 6


@dataclass(frozen=True)
class FormulaLine:
    """One line of an update rule: ``symbolic`` LaTeX, ``numeric`` template, per coordinate or once per step."""

    symbolic: str
    numeric: str
    per_coordinate: bool = True


@dataclass(frozen=True)
class StepFormulas:
    """The rule and step k's numbers: ``scalar`` lines once, ``coordinates[i]`` lines for coordinate i.

    Each entry is ``(symbolic, numeric)``; ``values[i]`` are the unrounded numbers put into coordinate i's lines.
    """

    step: int
    scalar: list[tuple[str, str]]
    coordinates: list[list[tuple[str, str]]]
    values: list[dict[str, float]]


def format_number(value: float, digits: int = DIGITS, bare: bool = True) -> str:
    """LaTeX for a number with ``digits`` significant digits (``1.5 \\times 10^{-7}``); negatives in
    parentheses unless ``bare``."""
    if math.isnan(value):
        return r"\text{NaN}"
    if math.isinf(value):
        text = r"\infty" if value > 0 else r"-\infty"
    else:
        text = f"{value:.{digits}g}"
        if "e" in text:
            mantissa, exponent = text.split("e")
            power = f"10^{{{int(exponent)}}}"
            text = power if mantissa == "1" else rf"{mantissa} \times {power}"
            text = "-" + power if mantissa == "-1" else text
    if value < 0 and not bare:
        return f"({text})"
    return text


def fill(template: str, values: dict[str, float], digits: int = DIGITS) -> str:
    """``template`` with every ``[[name]]`` replaced by ``values[name]`` formatted for LaTeX."""

    def replace(match: re.Match) -> str:
        bare, name = match.group(1) == "=", match.group(2)
        if name not in values:
            raise KeyError(f"formula placeholder {name!r} has no value")
        return format_number(values[name], digits, bare=bare)

    return PLACEHOLDER.sub(replace, template)


def placeholders(template: str) -> list[str]:
    """The quantity names a numeric template uses, in order."""
    return [name for _, name in PLACEHOLDER.findall(template)]


_SUBSCRIPTS = str.maketrans("0123456789-+k", "₀₁₂₃₄₅₆₇₈₉₋₊ₖ")


def theta(step: int | str) -> str:
    """The parameter after ``step`` updates in plain text, the step as a subscript: ``theta(10)`` -> ``θ₁₀``,
    ``theta("k-1")`` -> ``θₖ₋₁`` (the map's axes are x and y, so the parameter is never called x)."""
    return "θ" + str(step).translate(_SUBSCRIPTS)


# -- the rules, per optimizer ------------------------------------------------------------------

_RAW = FormulaLine(r"g_t = \nabla f(\theta_{t-1})", r"g_t = [[=g]]")
_RAW_CLIPPED = FormulaLine(r"g^{\text{raw}} = \nabla f(\theta_{t-1})", r"g^{\text{raw}} = [[=g_raw]]")
_CLIPNORM_FACTOR = FormulaLine(
    r"s = \begin{cases} \text{clipnorm} / \lVert g^{\text{raw}} \rVert & \text{if } "
    r"\lVert g^{\text{raw}} \rVert \ge \text{clipnorm} \\ 1 & \text{otherwise} \end{cases}",
    r"s = \min\left(1,\ \frac{[[clipnorm]]}{[[grad_norm]]}\right) = [[=norm_factor]]",
    per_coordinate=False,
)
_LR_DECAY = FormulaLine(
    r"\eta = \text{lr} \cdot \frac{1}{1 + \text{decay} \cdot (t - 1)}",
    r"\eta = [[lr]] \times \frac{1}{1 + [[decay]] \times [[iterations]]} = [[=lr_eff]]",
    per_coordinate=False,
)
_LR_PLAIN = FormulaLine(r"\eta = \text{lr} \quad (\text{decay} = 0)", r"\eta = [[=lr_eff]]", per_coordinate=False)


def _clipping_lines(hyper: dict[str, Any]) -> list[FormulaLine]:
    """How the optimizer's gradient g_t is made from the raw gradient (Keras: clipnorm, then clipvalue)."""
    clipnorm, clipvalue = hyper.get("clipnorm"), hyper.get("clipvalue")
    if clipnorm is None and clipvalue is None:
        return [_RAW]
    lines = [_RAW_CLIPPED]
    source = r"g^{\text{raw}}"
    source_value = "g_raw"
    if clipnorm is not None:
        target = r"g^{\text{norm}}" if clipvalue is not None else "g_t"
        result = "g_normclip" if clipvalue is not None else "g"
        lines += [
            _CLIPNORM_FACTOR,
            FormulaLine(
                rf"{target} = s \, g^{{\text{{raw}}}}", rf"{target} = [[norm_factor]] \times [[g_raw]] = [[={result}]]"
            ),
        ]
        source, source_value = target, result
    if clipvalue is not None:
        lines.append(
            FormulaLine(
                rf"g_t = \operatorname{{clip}}({source},\ -\text{{clipvalue}},\ \text{{clipvalue}})",
                rf"g_t = \operatorname{{clip}}([[={source_value}]],\ -[[clipvalue]],\ [[clipvalue]]) = [[=g]]",
            )
        )
    return lines


def _lr_lines(hyper: dict[str, Any]) -> list[FormulaLine]:
    return [_LR_DECAY if hyper.get("decay", 0) else _LR_PLAIN]


_LR_SCHEDULED = FormulaLine(
    r"\text{lr} = \text{schedule}(k,\ \text{lr}_0) \quad \text{(LearningRateScheduler, before epoch } k = t - 1)",
    r"\text{lr} = \text{schedule}([[epoch]],\ [[initial_lr]]) = [[=lr]]",
    per_coordinate=False,
)
_LR_PLATEAU = FormulaLine(
    r"\text{lr} \leftarrow \max(\text{factor} \cdot \text{lr},\ \text{min\_lr}) \quad "
    r"\text{(ReduceLROnPlateau, after patience epochs without improvement of the loss)}",
    r"\text{lr at epoch } [[epoch]] = [[=lr]] \quad (\text{lr}_0 = [[initial_lr]])",
    per_coordinate=False,
)


def _plan_lines(hyper: dict[str, Any]) -> list[FormulaLine]:
    """The lane's lr plan setting the lr variable of the step (none without a plan)."""
    plan = str(hyper.get("lr_plan", ""))
    if not plan:
        return []
    return [_LR_PLATEAU if plan.startswith("plateau=") else _LR_SCHEDULED]


def _moving_average(name: str, beta: str, beta_tex: str, squared: bool = False, of: str = "g") -> FormulaLine:
    power = "^2" if squared else ""
    return FormulaLine(
        rf"{name}_t = {beta_tex}\, {name}_{{t-1}} + (1 - {beta_tex})\, {of}_t{power}",
        rf"{name}_t = [[{beta}]] \times [[{name}_prev]] + (1 - [[{beta}]]) \times [[{of}]]{power} = [[={name}]]",
    )


def _sgd(hyper: dict[str, Any]) -> list[FormulaLine]:
    velocity = FormulaLine(
        r"v_t = \text{momentum} \cdot v_{t-1} - \eta\, g_t",
        r"v_t = [[momentum]] \times [[v_prev]] - [[lr_eff]] \times [[g]] = [[=v]]",
    )
    if hyper.get("nesterov"):
        step = FormulaLine(
            r"\theta_t = \theta_{t-1} + \text{momentum} \cdot v_t - \eta\, g_t \quad \text{(Keras' Nesterov form)}",
            r"\theta_t = [[=x_prev]] + [[momentum]] \times [[v]] - [[lr_eff]] \times [[g]] = [[=x]]",
        )
    else:
        step = FormulaLine(r"\theta_t = \theta_{t-1} + v_t", r"\theta_t = [[=x_prev]] + [[v]] = [[=x]]")
    return [velocity, step]


_DIVIDE_BY_ROOT_A = FormulaLine(
    r"\theta_t = \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{a_t} + \epsilon}",
    r"\theta_t = [[=x_prev]] - [[lr_eff]] \times \frac{[[=g]]}{\sqrt{[[a]]} + [[epsilon]]} = [[=x]]",
)


def _rmsprop(hyper: dict[str, Any]) -> list[FormulaLine]:
    return [_moving_average("a", "rho", r"\rho", squared=True), _DIVIDE_BY_ROOT_A]


def _adagrad(hyper: dict[str, Any]) -> list[FormulaLine]:
    accumulate = FormulaLine(r"a_t = a_{t-1} + g_t^2", r"a_t = [[=a_prev]] + [[g]]^2 = [[=a]]")
    return [accumulate, _DIVIDE_BY_ROOT_A]


def _adadelta(hyper: dict[str, Any]) -> list[FormulaLine]:
    return [
        _moving_average("a", "rho", r"\rho", squared=True),
        FormulaLine(
            r"u_t = g_t\, \frac{\sqrt{d_{t-1} + \epsilon}}{\sqrt{a_t + \epsilon}}",
            r"u_t = [[g]] \times \frac{\sqrt{[[d_prev]] + [[epsilon]]}}{\sqrt{[[a]] + [[epsilon]]}} = [[=u]]",
        ),
        FormulaLine(
            r"\theta_t = \theta_{t-1} - \eta\, u_t", r"\theta_t = [[=x_prev]] - [[lr_eff]] \times [[u]] = [[=x]]"
        ),
        _moving_average("d", "rho", r"\rho", squared=True, of="u"),
    ]


def _adam(hyper: dict[str, Any]) -> list[FormulaLine]:
    lines = [
        FormulaLine(
            r"\eta_t = \eta\, \frac{\sqrt{1 - \beta_2^{\,t}}}{1 - \beta_1^{\,t}}",
            r"\eta_t = [[lr_eff]] \times \frac{\sqrt{1 - [[beta_2]]^{[[t]]}}}{1 - [[beta_1]]^{[[t]]}} "
            r"= [[lr_eff]] \times [[bias_correction]] = [[=lr_t]]",
            per_coordinate=False,
        ),
        _moving_average("m", "beta_1", r"\beta_1"),
        _moving_average("v", "beta_2", r"\beta_2", squared=True),
    ]
    if hyper.get("amsgrad"):
        lines += [
            FormulaLine(
                r"\hat v_t = \max(\hat v_{t-1},\ v_t)", r"\hat v_t = \max([[=vhat_prev]],\ [[=v]]) = [[=vhat]]"
            ),
            FormulaLine(
                r"\theta_t = \theta_{t-1} - \eta_t\, \frac{m_t}{\sqrt{\hat v_t} + \epsilon}",
                r"\theta_t = [[=x_prev]] - [[lr_t]] \times \frac{[[=m]]}{\sqrt{[[vhat]]} + [[epsilon]]} = [[=x]]",
            ),
        ]
    else:
        lines.append(
            FormulaLine(
                r"\theta_t = \theta_{t-1} - \eta_t\, \frac{m_t}{\sqrt{v_t} + \epsilon}",
                r"\theta_t = [[=x_prev]] - [[lr_t]] \times \frac{[[=m]]}{\sqrt{[[v]]} + [[epsilon]]} = [[=x]]",
            )
        )
    return lines


def _adamax(hyper: dict[str, Any]) -> list[FormulaLine]:
    return [
        FormulaLine(
            r"\eta_t = \frac{\eta}{1 - \beta_1^{\,t}}",
            r"\eta_t = \frac{[[=lr_eff]]}{1 - [[beta_1]]^{[[t]]}} = [[=lr_t]]",
            per_coordinate=False,
        ),
        _moving_average("m", "beta_1", r"\beta_1"),
        FormulaLine(
            r"u_t = \max(\beta_2\, u_{t-1},\ |g_t|)",
            r"u_t = \max([[beta_2]] \times [[u_prev]],\ |[[=g]]|) = [[=u]]",
        ),
        FormulaLine(
            r"\theta_t = \theta_{t-1} - \eta_t\, \frac{m_t}{u_t + \epsilon}",
            r"\theta_t = [[=x_prev]] - [[lr_t]] \times \frac{[[=m]]}{[[u]] + [[epsilon]]} = [[=x]]",
        ),
    ]


def _nadam(hyper: dict[str, Any]) -> list[FormulaLine]:
    return [
        FormulaLine(
            r"\mu_t = \beta_1 \left(1 - \tfrac{1}{2}\, 0.96^{\,t \cdot \text{schedule\_decay}}\right)",
            r"\mu_t = [[beta_1]] \times \left(1 - 0.5 \times [[schedule_base]]^{[[t]] \times [[schedule_decay]]}\right)"
            r" = [[=mu_t]]",
            per_coordinate=False,
        ),
        FormulaLine(
            r"\mu_{t+1} = \beta_1 \left(1 - \tfrac{1}{2}\, 0.96^{\,(t+1) \cdot \text{schedule\_decay}}\right)",
            r"\mu_{t+1} = [[beta_1]] \times \left(1 - 0.5 \times [[schedule_base]]^{([[t]] + 1) \times "
            r"[[schedule_decay]]}\right) = [[=mu_next]]",
            per_coordinate=False,
        ),
        FormulaLine(
            r"\Pi_t = \Pi_{t-1}\, \mu_t \quad \text{(Keras' m\_schedule, starts at 1)}",
            r"\Pi_t = [[schedule_prev]] \times [[mu_t]] = [[=schedule]]",
            per_coordinate=False,
        ),
        FormulaLine(
            r"\Pi_{t+1} = \Pi_{t-1}\, \mu_t\, \mu_{t+1}",
            r"\Pi_{t+1} = [[schedule_prev]] \times [[mu_t]] \times [[mu_next]] = [[=schedule_next]]",
            per_coordinate=False,
        ),
        FormulaLine(r"g'_t = \frac{g_t}{1 - \Pi_t}", r"g'_t = \frac{[[=g]]}{1 - [[schedule]]} = [[=g_prime]]"),
        _moving_average("m", "beta_1", r"\beta_1"),
        FormulaLine(r"m'_t = \frac{m_t}{1 - \Pi_{t+1}}", r"m'_t = \frac{[[=m]]}{1 - [[schedule_next]]} = [[=m_prime]]"),
        _moving_average("v", "beta_2", r"\beta_2", squared=True),
        FormulaLine(
            r"v'_t = \frac{v_t}{1 - \beta_2^{\,t}}", r"v'_t = \frac{[[=v]]}{1 - [[beta_2]]^{[[t]]}} = [[=v_prime]]"
        ),
        FormulaLine(
            r"\bar m_t = (1 - \mu_t)\, g'_t + \mu_{t+1}\, m'_t",
            r"\bar m_t = (1 - [[mu_t]]) \times [[g_prime]] + [[mu_next]] \times [[m_prime]] = [[=m_bar]]",
        ),
        FormulaLine(
            r"\theta_t = \theta_{t-1} - \text{lr}\, \frac{\bar m_t}{\sqrt{v'_t} + \epsilon} \quad \text{(no lr decay)}",
            r"\theta_t = [[=x_prev]] - [[lr]] \times \frac{[[=m_bar]]}{\sqrt{[[v_prime]]} + [[epsilon]]} = [[=x]]",
        ),
    ]


_RULES = {
    "sgd": _sgd,
    "rmsprop": _rmsprop,
    "adagrad": _adagrad,
    "adadelta": _adadelta,
    "adam": _adam,
    "adamax": _adamax,
    "nadam": _nadam,
}


#: The optimizer's own per-coordinate multiplier (its step per unit of g, or of m for Adam-type ones).
_MULTIPLIERS: dict[str, tuple[str, str]] = {
    "rmsprop": (r"\frac{\eta}{\sqrt{a_t} + \epsilon}", r"\frac{[[=lr_eff]]}{\sqrt{[[a]]} + [[epsilon]]}"),
    "adagrad": (r"\frac{\eta}{\sqrt{a_t} + \epsilon}", r"\frac{[[=lr_eff]]}{\sqrt{[[a]]} + [[epsilon]]}"),
    "adadelta": (
        r"\eta\, \frac{\sqrt{d_{t-1} + \epsilon}}{\sqrt{a_t + \epsilon}}",
        r"[[lr_eff]] \times \frac{\sqrt{[[d_prev]] + [[epsilon]]}}{\sqrt{[[a]] + [[epsilon]]}}",
    ),
    "adam": (r"\frac{\eta_t}{\sqrt{v_t} + \epsilon}", r"\frac{[[=lr_t]]}{\sqrt{[[v]]} + [[epsilon]]}"),
    "amsgrad": (r"\frac{\eta_t}{\sqrt{\hat v_t} + \epsilon}", r"\frac{[[=lr_t]]}{\sqrt{[[vhat]]} + [[epsilon]]}"),
    "adamax": (r"\frac{\eta_t}{u_t + \epsilon}", r"\frac{[[=lr_t]]}{[[u]] + [[epsilon]]}"),
    "nadam": (r"\frac{\text{lr}}{\sqrt{v'_t} + \epsilon}", r"\frac{[[=lr]]}{\sqrt{[[v_prime]]} + [[epsilon]]}"),
}
_EFFECTIVE = FormulaLine(
    r"\text{effective step size} = \lvert \Delta\theta \rvert \,/\, \lvert g_t \rvert"
    r" \quad \text{(how far per unit of gradient)}",
    r"\text{effective step size} = \lvert [[=update]] \rvert \,/\, \lvert [[=g]] \rvert = [[=effective_lr]]",
)


def _step_size_lines(optimizer: str, hyperparameters: dict[str, Any]) -> list[FormulaLine]:
    """The step size per coordinate: the optimizer's own multiplier (adaptive ones), then what actually happened."""
    name = "amsgrad" if optimizer == "adam" and hyperparameters.get("amsgrad") else optimizer
    if name not in _MULTIPLIERS:
        return [_EFFECTIVE]
    symbolic, numeric = _MULTIPLIERS[name]
    multiplier = FormulaLine(
        rf"\eta_{{\text{{coord}}}} = {symbolic} \quad \text{{(the optimizer's own per-coordinate step size)}}",
        rf"\eta_{{\text{{coord}}}} = {numeric} = [[=step_multiplier]]",
    )
    return [multiplier, _EFFECTIVE]


def formula_lines(optimizer: str, hyperparameters: dict[str, Any]) -> list[FormulaLine]:
    """The update rule of ``optimizer`` with these Keras arguments (clipping, decay, nesterov and
    amsgrad change which lines appear; an ``lr_plan`` adds the line setting the lr variable), in the order
    Keras 2.2.4 computes them, then the step size."""
    rule = _RULES.get(optimizer)
    if rule is None:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(_RULES)}")
    lr_lines = [*_plan_lines(hyperparameters), *([] if optimizer == "nadam" else _lr_lines(hyperparameters))]
    steps = _step_size_lines(optimizer, hyperparameters)
    return [*_clipping_lines(hyperparameters), *lr_lines, *rule(hyperparameters), *steps]


def step_formulas(inspection: Inspection, step: int, digits: int = DIGITS) -> StepFormulas:
    """The rule of ``inspection``'s optimizer with step ``step``'s numbers, once per coordinate."""
    lines = formula_lines(inspection.optimizer, inspection.hyperparameters)
    dims = inspection.positions.shape[1]
    values = [inspection.values(step, coordinate) for coordinate in range(dims)]
    scalar = [(line.symbolic, fill(line.numeric, values[0], digits)) for line in lines if not line.per_coordinate]
    coordinates = [
        [(line.symbolic, fill(line.numeric, values[c], digits)) for line in lines if line.per_coordinate]
        for c in range(dims)
    ]
    return StepFormulas(step, scalar, coordinates, values)


def aligned(lines: list[str]) -> str:
    """Several equations stacked and aligned at their first ``=`` (one KaTeX block)."""
    rows = [line.replace(" = ", " &= ", 1) if " = " in line else "&" + line for line in lines]
    return r"\begin{aligned}" + r" \\[4pt] ".join(rows) + r"\end{aligned}"
