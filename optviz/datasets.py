"""Small datasets for live training, generated or bundled (never downloaded).

Classification: two moons, circles, XOR, a spiral and Gaussian blobs are drawn from a seeded generator; digits
is scikit-learn's bundled 8x8 digits (1797 images, 64 inputs, 10 classes). Regression (as TensorFlow
Playground has): a plane and a sum of Gaussians over the square [-6, 6]^2. Inputs are standardised with the
training split's mean and standard deviation, so every network sees inputs of unit scale; so are regression
targets (an MSE of 1 is then as good as predicting the mean). A user's table becomes a ``Dataset`` through
``optviz.user_data``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Classification dataset keys -> display names, in the order a page offers them.
DATASETS = {
    "moons": "Two moons",
    "circles": "Circles",
    "xor": "XOR",
    "spiral": "Spiral",
    "blobs": "Gaussian blobs",
    "digits": "Digits (8x8 images)",
}
#: Regression dataset keys -> display names (TensorFlow Playground's two).
REGRESSION_DATASETS = {"plane": "Plane (regression)", "gauss": "Sum of Gaussians (regression)"}
#: Every built-in dataset, classification first.
ALL_DATASETS = {**DATASETS, **REGRESSION_DATASETS}
#: The generated datasets take a sample count; digits always has its 1797 images.
GENERATED = ("moons", "circles", "xor", "spiral", "blobs", "plane", "gauss")
SAMPLE_RANGE = (40, 2000)
NOISE_RANGE = (0.0, 1.0)
TEST_FRACTION_RANGE = (0.1, 0.5)
BLOB_CLASS_RANGE = (3, 6)


@dataclass(frozen=True)
class DatasetSpec:
    """What defines a dataset: its kind, size, noise, seed, test split (and the classes of blobs)."""

    name: str = "moons"
    samples: int = 400
    noise: float = 0.2
    seed: int = 0
    test_fraction: float = 0.25
    classes: int = 3  # blobs only

    def problems(self) -> list[str]:
        """What is out of range, in words (empty when the spec is valid)."""
        found = []
        if self.name not in ALL_DATASETS:
            found.append(f"unknown dataset {self.name!r}; choose one of {', '.join(ALL_DATASETS)}")
        if not SAMPLE_RANGE[0] <= self.samples <= SAMPLE_RANGE[1]:
            found.append(f"samples must be in [{SAMPLE_RANGE[0]}, {SAMPLE_RANGE[1]}], got {self.samples}")
        if not NOISE_RANGE[0] <= self.noise <= NOISE_RANGE[1]:
            found.append(f"noise must be in [{NOISE_RANGE[0]:g}, {NOISE_RANGE[1]:g}], got {self.noise:g}")
        if not TEST_FRACTION_RANGE[0] <= self.test_fraction <= TEST_FRACTION_RANGE[1]:
            low, high = TEST_FRACTION_RANGE
            found.append(f"test fraction must be in [{low:g}, {high:g}], got {self.test_fraction:g}")
        if not BLOB_CLASS_RANGE[0] <= self.classes <= BLOB_CLASS_RANGE[1]:
            found.append(f"blobs need {BLOB_CLASS_RANGE[0]} to {BLOB_CLASS_RANGE[1]} classes, got {self.classes}")
        if self.seed < 0:
            found.append(f"seed must be >= 0, got {self.seed}")
        return found

    @property
    def task(self) -> str:
        """``"regression"`` for plane and gauss, ``"classification"`` otherwise."""
        return "regression" if self.name in REGRESSION_DATASETS else "classification"


@dataclass(frozen=True, eq=False)
class Dataset:
    """Standardised inputs and integer labels (or standardised float targets), split into train and test.

    ``x_train (N, D)``, ``y_train (N,)`` ints in ``[0, classes)`` for classification, floats for regression
    (``classes`` is then 0); the same for test. ``mean`` and ``scale`` (D,) are the training statistics that
    were removed from the inputs; ``target_mean`` and ``target_scale`` those removed from a regression target.
    ``spec`` is a ``DatasetSpec`` or, for a user's table, an ``optviz.user_data.TableSpec``. ``feature_names``
    and ``labels`` (class names) are empty for the built-in datasets.
    """

    spec: object
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: int
    mean: np.ndarray
    scale: np.ndarray
    task: str = "classification"
    target_mean: float = 0.0
    target_scale: float = 1.0
    feature_names: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()

    @property
    def inputs(self) -> int:
        return self.x_train.shape[1]

    @property
    def outputs(self) -> int:
        """Width of a network's output layer for this data: the classes, or 1 for regression."""
        return 1 if self.is_regression else self.classes

    @property
    def is_regression(self) -> bool:
        return self.task == "regression"

    @property
    def is_planar(self) -> bool:
        """Two inputs: a decision-boundary map can be drawn."""
        return self.inputs == 2

    @property
    def class_names(self) -> list[str]:
        """Names of the classes (a table's label values, else 0, 1, ...); empty for regression."""
        return list(self.labels) if self.labels else [str(c) for c in range(self.classes)]

    def target_in_units(self, standardised: np.ndarray) -> np.ndarray:
        """A regression target or prediction back in the data's own units (undoes the standardisation)."""
        return standardised * self.target_scale + self.target_mean


def make_dataset(spec: DatasetSpec) -> Dataset:
    """The dataset ``spec`` describes; raises ``ValueError`` listing every out-of-range field."""
    problems = spec.problems()
    if problems:
        raise ValueError("; ".join(problems))
    rng = np.random.default_rng(spec.seed)
    if spec.name == "digits":
        x, y, classes = _digits()
    else:
        x, y = _GENERATORS[spec.name](spec, rng)
        classes = 0 if spec.task == "regression" else spec.classes if spec.name == "blobs" else int(y.max()) + 1
    order = rng.permutation(len(y))
    return split_and_standardise(spec, x, y, order, spec.test_fraction, classes, spec.task)


def split_and_standardise(
    spec: object,
    x: np.ndarray,
    y: np.ndarray,
    order: np.ndarray,
    test_fraction: float,
    classes: int,
    task: str = "classification",
    **fields: object,
) -> Dataset:
    """Split ``x (N, D)``, ``y (N,)`` by the shuffled ``order`` (the first ``test_fraction`` is the test set),
    standardise the inputs (and a regression target) with the training statistics. ``fields`` are passed on to
    ``Dataset`` (``feature_names``, ``labels``)."""
    test_count = max(1, round(len(y) * test_fraction))
    test, train = order[:test_count], order[test_count:]
    mean = x[train].mean(axis=0)
    scale = x[train].std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)  # constant columns (digit pixels at the image border) stay 0
    standardise = lambda a: (a - mean) / scale
    if task == "regression":
        y = y.astype(np.float64)
        target_mean, target_scale = float(y[train].mean()), float(y[train].std())
        target_scale = target_scale if target_scale > 0 else 1.0
        y = (y - target_mean) / target_scale
    else:
        y, target_mean, target_scale = y.astype(np.int64), 0.0, 1.0
    return Dataset(
        spec,
        standardise(x[train]),
        y[train],
        standardise(x[test]),
        y[test],
        classes,
        mean,
        scale,
        task,
        target_mean,
        target_scale,
        **fields,
    )


def _split_counts(total: int, parts: int) -> np.ndarray:
    counts = np.full(parts, total // parts)
    counts[: total % parts] += 1
    return counts


def _moons(spec: DatasetSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    upper, lower = _split_counts(spec.samples, 2)
    angle_upper = rng.uniform(0.0, np.pi, upper)
    angle_lower = rng.uniform(0.0, np.pi, lower)
    x = np.concatenate(
        [
            np.stack([np.cos(angle_upper), np.sin(angle_upper)], axis=1),
            np.stack([1.0 - np.cos(angle_lower), 0.5 - np.sin(angle_lower)], axis=1),
        ]
    )
    y = np.repeat([0, 1], [upper, lower])
    return x + rng.normal(0.0, spec.noise, x.shape), y


def _circles(spec: DatasetSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    outer, inner = _split_counts(spec.samples, 2)
    angle = rng.uniform(0.0, 2 * np.pi, spec.samples)
    radius = np.repeat([1.0, 0.5], [outer, inner])
    x = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    y = np.repeat([0, 1], [outer, inner])
    return x + rng.normal(0.0, spec.noise * 0.5, x.shape), y


def _xor(spec: DatasetSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-1.0, 1.0, (spec.samples, 2))
    y = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(np.int64)
    return x + rng.normal(0.0, spec.noise * 0.5, x.shape), y


def _spiral(spec: DatasetSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    counts = _split_counts(spec.samples, 2)
    y = np.repeat([0, 1], counts)
    turn = np.sqrt(rng.uniform(0.0, 1.0, spec.samples)) * 3.0 * np.pi  # denser near the centre
    angle = turn + np.pi * y
    x = (turn / (3.0 * np.pi))[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return x + rng.normal(0.0, spec.noise * 0.25, x.shape), y


def _blobs(spec: DatasetSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    angles = 2 * np.pi * np.arange(spec.classes) / spec.classes
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    y = np.repeat(np.arange(spec.classes), _split_counts(spec.samples, spec.classes))
    return centres[y] + rng.normal(0.0, 0.3 + 1.5 * spec.noise, (spec.samples, 2)), y


#: Playground's six Gaussian bumps: centre x, centre y and sign of the bump.
GAUSSIANS = (
    (-4.0, 2.5, 1.0),
    (0.0, 2.5, -1.0),
    (4.0, 2.5, 1.0),
    (-4.0, -2.5, -1.0),
    (0.0, -2.5, 1.0),
    (4.0, -2.5, -1.0),
)
GAUSSIAN_WIDTH = 1.5
REGRESSION_RADIUS = 6.0


def _regression_points(spec: DatasetSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points in [-6, 6]^2 and the same points jittered by ``noise`` (Playground's regression noise:
    the target is read at the jittered point, so the inputs are exact and the targets noisy)."""
    x = rng.uniform(-REGRESSION_RADIUS, REGRESSION_RADIUS, (spec.samples, 2))
    return x, x + rng.uniform(-REGRESSION_RADIUS, REGRESSION_RADIUS, x.shape) * spec.noise


def _plane(spec: DatasetSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x, read = _regression_points(spec, rng)
    return x, (read[:, 0] + read[:, 1]) / (2 * REGRESSION_RADIUS)  # in [-1, 1] without noise


def gaussian_bumps(points: np.ndarray) -> np.ndarray:
    """The gauss target at ``points (..., 2)``: the sum of six signed Gaussian bumps (width 1.5)."""
    centres = np.array([g[:2] for g in GAUSSIANS])
    signs = np.array([g[2] for g in GAUSSIANS])
    squared = ((points[..., None, :] - centres) ** 2).sum(axis=-1)
    return (signs * np.exp(-squared / (2 * GAUSSIAN_WIDTH**2))).sum(axis=-1)


def _gauss(spec: DatasetSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x, read = _regression_points(spec, rng)
    return x, gaussian_bumps(read)


def _digits() -> tuple[np.ndarray, np.ndarray, int]:
    from sklearn.datasets import load_digits  # bundled with scikit-learn: no download

    digits = load_digits()
    return digits.data.astype(np.float64), digits.target.astype(np.int64), 10


_GENERATORS = {
    "moons": _moons,
    "circles": _circles,
    "xor": _xor,
    "spiral": _spiral,
    "blobs": _blobs,
    "plane": _plane,
    "gauss": _gauss,
}
