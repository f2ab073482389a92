"""Live training's settings: :class:`TrainState` and its URL table, bounds and defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..datasets import (
    ALL_DATASETS,
    BLOB_CLASS_RANGE,
    GENERATED,
    NOISE_RANGE,
    SAMPLE_RANGE,
    TEST_FRACTION_RANGE,
    DatasetSpec,
)
from ..landscape import METHODS
from ..lanes import Lane
from ..mlp import ACTIVATIONS, MAX_HIDDEN_LAYERS, UNIT_RANGE
from ..state import Choice, Codec, Field, Lanes, Number, PageState, Text, lanes_of
from ..training import BATCH_SIZE_RANGE, L2_RANGE
from ..user_data import MAX_COLUMNS, TASKS

CHUNK_RANGE = (1, 200)
SEED_LIMIT = 1_000_000
MAX_LANES = 6
TRAIN_LANES = lanes_of("adam", "sgd:lr=0.1,momentum=0.9", "rmsprop")
#: ``dataset=upload``: the person's own table (a CSV or a pasted table), which a link cannot carry.
UPLOAD = "upload"
#: Every data source, built-in datasets first (classification, then the regression plane and gauss).
DATA_SOURCES = (*ALL_DATASETS, UPLOAD)
#: L2 strengths offered (Keras' ``kernel_regularizer=l2(...)``); 0 = none. A link's value snaps to the nearest.
L2_CHOICES = (0.0, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1)
#: What is drawn under the curves: the lanes' predictions (decision maps, confusion matrices) or the landscape.
VIEWS = ("predictions", "landscape")
#: The landscape's grid sizes (points per axis) and centres (``initial`` or a lane number).
RESOLUTIONS = (21, 31, 41, 51, 61, 81, 101)
CENTRES = ("initial", *(str(n) for n in range(1, MAX_LANES + 1)))


@dataclass(frozen=True)
class Hidden(Codec):
    """Hidden layer widths: ``16,16`` (at most ``MAX_HIDDEN_LAYERS`` of ``UNIT_RANGE`` units); ``none`` for none."""

    def decode(self, raw: list[str]) -> tuple[int, ...]:
        text = raw[-1].strip().lower()
        if text in ("", "none", "0"):
            return ()
        try:
            units = tuple(int(part) for part in text.split(","))
        except ValueError:
            raise ValueError("must be unit counts separated by commas (e.g. 16,16)") from None
        low, high = UNIT_RANGE
        if len(units) > MAX_HIDDEN_LAYERS or any(not low <= u <= high for u in units):
            raise ValueError(f"must be at most {MAX_HIDDEN_LAYERS} layers of {low} to {high} units")
        return units

    def encode(self, value: Any) -> list[str]:
        return [",".join(map(str, value)) or "none"]


@dataclass(frozen=True)
class Columns(Codec):
    """Column names of the person's table, one per repeated key (``features=x1&features=x2``)."""

    def decode(self, raw: list[str]) -> tuple[str, ...]:
        if len(raw) > MAX_COLUMNS:
            raise ValueError(f"more than {MAX_COLUMNS} columns")
        too_long = [name for name in raw if len(name) > 200]
        if too_long:
            raise ValueError("a column name longer than 200 characters")
        return tuple(dict.fromkeys(raw))

    def encode(self, value: Any) -> list[str]:
        return list(value)


def _generated(state: TrainState) -> bool:
    return state.dataset in GENERATED


def _uploaded(state: TrainState) -> bool:
    return state.dataset == UPLOAD


def _landscape(state: TrainState) -> bool:
    return state.view == "landscape"


@dataclass(frozen=True)
class TrainState(PageState):
    """Live training: ``?dataset=moons&samples=400&noise=0.2&test=0.25&seed=0&hidden=16,16&act=tanh&batch=32
    &chunk=10&o=adam&o=sgd:lr=0.1,momentum=0.9`` (``samples`` and ``noise`` for generated data, ``classes`` for
    blobs; ``chunk`` = steps per update). ``dataset=plane`` and ``gauss`` are regression; ``dataset=upload`` is the
    person's own table with ``target``, ``task`` and repeated ``features`` (the file itself is not in the link);
    ``l2`` is Keras' L2 kernel penalty; ``view=landscape`` shows the loss landscape with ``dir`` (random or pca),
    ``centre`` (initial or a lane number) and ``res`` (grid points per axis).

    ``digest`` identifies the uploaded table's content (not in the link): a new table restarts training."""

    dataset: str = "moons"
    samples: int = 400
    noise: float = 0.2
    classes: int = 3
    test: float = 0.25
    seed: int = 0
    hidden: tuple[int, ...] = (16, 16)
    act: str = "tanh"
    batch: int = 32
    chunk: int = 10
    lanes: tuple[Lane, ...] = TRAIN_LANES
    target: str = ""
    task: str = "classification"
    features: tuple[str, ...] = ()
    l2: float = 0.0
    view: str = "predictions"
    dir: str = "random"
    centre: str = "initial"
    res: int = 41
    digest: str = ""

    FIELDS = (
        Field("dataset", "dataset", Choice(DATA_SOURCES)),
        Field("target", "target", Text(200), written=_uploaded),
        Field("task", "task", Choice(TASKS), written=_uploaded),
        Field("features", "features", Columns(), written=_uploaded),
        Field("samples", "samples", Number(*SAMPLE_RANGE, integer=True), written=_generated),
        Field("noise", "noise", Number(*NOISE_RANGE), written=_generated),
        Field("classes", "classes", Number(*BLOB_CLASS_RANGE, integer=True), written=lambda s: s.dataset == "blobs"),
        Field("test", "test", Number(*TEST_FRACTION_RANGE)),
        Field("seed", "seed", Number(0, SEED_LIMIT, integer=True)),
        Field("hidden", "hidden", Hidden()),
        Field("act", "act", Choice(ACTIVATIONS)),
        Field("batch", "batch", Number(*BATCH_SIZE_RANGE, integer=True)),
        Field("chunk", "chunk", Number(*CHUNK_RANGE, integer=True)),
        Field("lanes", "o", Lanes(limit=MAX_LANES, allow_native=True, allow_plan=True)),
        Field("l2", "l2", Number(*L2_RANGE, choices=L2_CHOICES), omit_default=True),
        Field("view", "view", Choice(VIEWS), omit_default=True),
        Field("dir", "dir", Choice(METHODS), written=_landscape),
        Field("centre", "centre", Choice(CENTRES), written=_landscape),
        Field("res", "res", Number(*RESOLUTIONS[::len(RESOLUTIONS) - 1], True, RESOLUTIONS), written=_landscape),
    )

    def checked(self, notes: list[str]) -> TrainState:
        """Settings the dataset does not use (``samples``/``noise`` for digits, ``classes`` but for blobs) at
        their defaults, so that equal setups are equal states (no note: the page ignores them anyway)."""
        return self.canonical()

    def canonical(self) -> TrainState:
        """This state with the settings its dataset does not use at their defaults."""
        changes: dict[str, Any] = {}
        if self.dataset not in GENERATED:
            changes.update(samples=TrainState.samples, noise=TrainState.noise)
        if self.dataset != "blobs":
            changes["classes"] = TrainState.classes
        if self.dataset != UPLOAD:
            changes.update(target="", task="classification", features=(), digest="")
        return self.replace(**changes) if changes else self

    @property
    def data(self) -> DatasetSpec:
        """The dataset these settings describe."""
        return DatasetSpec(self.dataset, self.samples, self.noise, self.seed, self.test, self.classes)

    @property
    def is_upload(self) -> bool:
        """Whether the data is the person's own table."""
        return self.dataset == UPLOAD

    def structure(self) -> tuple:
        """What a running training cannot change without starting again from step 0 (data, network, batch)."""
        mine = self.canonical()
        return (mine.data, mine.target, mine.task, mine.features, mine.digest, self.hidden, self.act, self.batch)

    def structure_changes(self, other: TrainState) -> list[str]:
        """The settings (in words) that differ between this state's structure and ``other``'s."""
        mine, theirs = self.canonical(), other.canonical()
        names = {
            "dataset": "dataset",
            "samples": "samples",
            "noise": "noise",
            "classes": "classes",
            "test": "test share",
            "seed": "seed",
            "digest": "table",
            "target": "target column",
            "task": "task",
            "features": "feature columns",
            "hidden": "hidden layers",
            "act": "activation",
            "batch": "batch size",
        }
        return [words for name, words in names.items() if getattr(mine, name) != getattr(theirs, name)]
