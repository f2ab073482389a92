"""Datasets: shapes, classes, standardisation, seeds, splits and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from optviz.datasets import DATASETS, REGRESSION_DATASETS, DatasetSpec, gaussian_bumps, make_dataset


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


@pytest.mark.parametrize("name", list(REGRESSION_DATASETS))
def test_regression_datasets_have_standardised_float_targets(name):
    data = make_dataset(DatasetSpec(name, samples=400, test_fraction=0.25))
    assert data.task == "regression" and data.is_regression and data.classes == 0 and data.outputs == 1
    assert data.y_train.dtype == np.float64 and len(data.y_train) == 300 and len(data.y_test) == 100
    assert data.x_train.shape == (300, 2) and data.is_planar
    assert abs(data.y_train.mean()) < 1e-12 and data.y_train.std() == pytest.approx(1.0)
    assert data.class_names == []
    assert DatasetSpec(name).task == "regression" and DatasetSpec("moons").task == "classification"


def test_noiseless_plane_is_linear_in_the_inputs_and_gauss_follows_its_bumps():
    plane = make_dataset(DatasetSpec("plane", noise=0.0))
    raw = plane.x_train * plane.scale + plane.mean
    target = plane.target_in_units(plane.y_train)
    assert np.allclose(target, raw.sum(axis=1) / 12, rtol=1e-12, atol=1e-12)
    gauss = make_dataset(DatasetSpec("gauss", noise=0.0))
    raw = gauss.x_train * gauss.scale + gauss.mean
    assert np.allclose(gauss.target_in_units(gauss.y_train), gaussian_bumps(raw), rtol=1e-12, atol=1e-12)
    assert gaussian_bumps(np.array([-4.0, 2.5])) == pytest.approx(1.0, abs=0.05)  # a + bump (neighbours -0.03)
    assert gaussian_bumps(np.array([0.0, 2.5])) == pytest.approx(-1.0, abs=0.07)  # a - bump (neighbours +0.06)
    noisy = make_dataset(DatasetSpec("plane", noise=0.3))
    raw = noisy.x_train * noisy.scale + noisy.mean
    assert np.abs(noisy.target_in_units(noisy.y_train) - raw.sum(axis=1) / 12).mean() > 0.05
