"""One-click teaching scenarios for the surface explorer: each a link (an explorer URL) with learning rates chosen so
that something is visible at once, and a one-line lesson whose numbers :func:`run_scenario` reproduces."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from .explorer import run_explorer
from .page_states.explorer import ExplorerState
from .runner import Trajectory


@dataclass(frozen=True)
class Scenario:
    """A named explorer setting: ``query`` is its URL query (``surface=...&o=...``), ``lesson`` what it shows."""

    key: str
    title: str
    lesson: str
    query: str

    def state(self) -> ExplorerState:
        """The explorer state of this scenario (``ValueError`` if its link holds an unusable value)."""
        state, notes = ExplorerState.from_query(parse_qs(self.query))
        if notes:
            raise ValueError(f"scenario {self.key!r}: {'; '.join(notes)}")
        return state

    @property
    def url(self) -> str:
        """The explorer link, with every value written out as the page itself writes it."""
        return "/surfaces?" + urlencode(self.state().to_query(), doseq=True, safe=":,=*")


SCENARIOS = (
    Scenario(
        "momentum",
        "Momentum vs plain SGD in a narrow valley",
        "In a valley 100 times steeper across than along (κ = 100), SGD at the largest stable lr crawls along the "
        "floor; momentum 0.9 builds speed along it (final loss 0.1 vs 3e-7 after 150 steps).",
        "surface=rotated_quadratic&condition=100&start=-1.8,1.2&steps=150&o=sgd:lr=0.005&o=sgd:lr=0.005,momentum=0.9",
    ),
    Scenario(
        "saddle",
        "Adam and RMSprop escape a saddle, SGD lingers",
        "Next to a saddle the gradient that leads away is tiny, so SGD hardly moves off the ridge; RMSprop and Adam "
        "divide by that small gradient's running RMS and slide off (loss 0.007 vs −3.3 and −4.5).",
        "surface=saddle&start=1.8,0.001&steps=150&o=sgd:lr=0.01&o=rmsprop:lr=0.01&o=adam:lr=0.01",
    ),
    Scenario(
        "clipping",
        "Clipping rescues a diverging lr",
        "SGD at lr = 0.01 blows up on Rosenbrock's steep wall at step 4; the same lr with clipnorm = 1 caps every "
        "step's gradient norm and walks down into the valley (final loss 0.4).",
        "surface=rosenbrock&steps=300&o=sgd:lr=0.01&o=sgd:lr=0.01,clipnorm=1",
    ),
    Scenario(
        "schedule",
        "Step decay rescues a too-large lr",
        "On a quadratic whose steepest curvature is 10, SGD at lr = 0.21 (above 2/10) overshoots further every step "
        "and diverges at step 140; the same lr times 0.9 every 4 steps is below 0.2 from step 4 on and settles "
        "(final loss 1e-8). The lr chart under the loss shows the staircase.",
        "surface=rotated_quadratic&condition=10&steps=150&log=1&o=sgd:lr=0.21&o=sgd:lr=0.21,schedule=step,every=4,drop=0.9",
    ),
    Scenario(
        "amsgrad",
        "AMSGrad vs Adam",
        "AMSGrad keeps the largest second moment seen, so its steps never grow back when gradients shrink: both reach "
        "Rosenbrock's valley at lr = 0.5, AMSGrad more cautiously along its floor (final loss 7e-4 vs 4e-4).",
        "surface=rosenbrock&steps=400&o=adam:lr=0.5&o=adam:lr=0.5,amsgrad=1",
    ),
    Scenario(
        "adadelta",
        "Adadelta needs no lr, and pays with a slow start",
        "Adadelta (Keras' lr = 1.0 is only a multiplier) sizes each step as the RMS of past steps over the RMS of past "
        "gradients: it starts near √ε and speeds up by itself, ahead of Adagrad's defaults (0.8 vs 2.2 after 600 "
        "steps) but far behind a tuned SGD.",
        "surface=bowl&steps=600&o=adadelta&o=adagrad&o=sgd",
    ),
    Scenario(
        "noise",
        "Noisy gradients: SGD with momentum vs Adam",
        "With gradient noise σ = 5 in a narrow valley, SGD with momentum keeps bouncing across it while Adam's "
        "per-coordinate scaling settles lower (median final loss over 8 seeds 0.69 vs 0.03).",
        "surface=rotated_quadratic&condition=100&noise=5&seed=0&ensemble=8&steps=300"
        "&o=sgd:lr=0.005,momentum=0.9&o=adam:lr=0.05",
    ),
)


def get_scenario(key: str) -> Scenario:
    """The scenario named ``key``; ``ValueError`` listing the names otherwise."""
    for scenario in SCENARIOS:
        if scenario.key == key:
            return scenario
    raise ValueError(f"unknown scenario {key!r}; choose one of {', '.join(s.key for s in SCENARIOS)}")


def run_scenario(scenario: Scenario) -> list[Trajectory]:
    """Every lane's trajectory in ``scenario`` (what the explorer computes for its link)."""
    return run_explorer(scenario.state())
