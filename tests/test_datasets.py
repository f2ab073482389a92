"""Datasets: shapes, classes, standardisation, seeds, splits and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from optviz.datasets import DATASETS, DatasetSpec, make_dataset


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_dataset_is_standardised_split_and_labelled(name):
    data = make_dataset(DatasetSpec(name, samples=300, test_fraction=0.2))
    total = len(data.y_train) + len(data.y_test)
    assert total == (1797 if name == "digits" else 300)
    assert len(data.y_test) == round(total * 0.2)
    assert data.x_train.shape == (len(data.y_train), 64 if name == "digits" else 2)
    assert np.allclose(data.x_train.mean(axis=0), 0.0, atol=1e-9)
    varying = data.x_train.std(axis=0) > 0
    assert np.allclose(data.x_train.std(axis=0)[varying], 1.0)
    assert set(np.unique(data.y_train)) == set(range(data.classes))


def test_class_counts():
    assert make_dataset(DatasetSpec("moons")).classes == 2
    assert make_dataset(DatasetSpec("blobs", classes=5)).classes == 5
    assert make_dataset(DatasetSpec("digits")).classes == 10


def test_same_seed_same_data_other_seed_other_data():
    a, b = make_dataset(DatasetSpec("spiral", seed=3)), make_dataset(DatasetSpec("spiral", seed=3))
    c = make_dataset(DatasetSpec("spiral", seed=4))
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)


def test_noise_spreads_the_moons():
    clean = make_dataset(DatasetSpec("moons", noise=0.0, samples=400))
    # Without noise, points sit on two unit half circles: distance to the nearest centre is the same everywhere.
    raw = clean.x_train * clean.scale + clean.mean
    upper = np.abs(np.hypot(*raw[clean.y_train == 0].T) - 1.0)
    assert upper.max() < 1e-9
    noisy = make_dataset(DatasetSpec("moons", noise=0.3, samples=400))
    raw = noisy.x_train * noisy.scale + noisy.mean
    assert np.abs(np.hypot(*raw[noisy.y_train == 0].T) - 1.0).mean() > 0.1


def test_xor_labels_follow_the_quadrants_without_noise():
    data = make_dataset(DatasetSpec("xor", noise=0.0))
    raw = data.x_train * data.scale + data.mean
    assert np.array_equal(data.y_train, ((raw[:, 0] > 0) ^ (raw[:, 1] > 0)).astype(int))


def test_bad_specs_say_what_is_wrong():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'"):
        make_dataset(DatasetSpec("mnist"))
    with pytest.raises(ValueError, match=r"samples must be in \[40, 2000\], got 5.*noise must be"):
        make_dataset(DatasetSpec("moons", samples=5, noise=3.0))
    with pytest.raises(ValueError, match="blobs need 3 to 6 classes"):
        make_dataset(DatasetSpec("blobs", classes=9))
