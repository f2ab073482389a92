"""Live training's settings: :class:`TrainState` and its URL table, bounds and defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..datasets import (
    BLOB_CLASS_RANGE,
    DATASETS,
    GENERATED,
    NOISE_RANGE,
    SAMPLE_RANGE,
    TEST_FRACTION_RANGE,
    DatasetSpec,
)
from ..lanes import Lane
from ..mlp import ACTIVATIONS, MAX_HIDDEN_LAYERS, UNIT_RANGE
from ..state import Choice, Codec, Field, Lanes, Number, PageState, lanes_of
from ..training import BATCH_SIZE_RANGE

CHUNK_RANGE = (1, 200)
SEED_LIMIT = 1_000_000
MAX_LANES = 6
TRAIN_LANES = lanes_of("adam", "sgd:lr=0.1,momentum=0.9", "rmsprop")


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


def _generated(state: TrainState) -> bool:
    return state.dataset in GENERATED


@dataclass(frozen=True)
class TrainState(PageState):
    """Live training: ``?dataset=moons&samples=400&noise=0.2&test=0.25&seed=0&hidden=16,16&act=tanh&batch=32
    &chunk=10&o=adam&o=sgd:lr=0.1,momentum=0.9`` (``samples`` and ``noise`` for generated data, ``classes`` for
    blobs; ``chunk`` = steps per update)."""

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

    FIELDS = (
        Field("dataset", "dataset", Choice(tuple(DATASETS))),
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
        return self.replace(**changes) if changes else self

    @property
    def data(self) -> DatasetSpec:
        """The dataset these settings describe."""
        return DatasetSpec(self.dataset, self.samples, self.noise, self.seed, self.test, self.classes)

    def structure(self) -> tuple:
        """What a running training cannot change without starting again from step 0 (data, network, batch)."""
        return (self.canonical().data, self.hidden, self.act, self.batch)

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
            "hidden": "hidden layers",
            "act": "activation",
            "batch": "batch size",
        }
        return [words for name, words in names.items() if getattr(mine, name) != getattr(theirs, name)]
