"""Shared preprocessing of the loaders: stratified selection, classes, resize, grayscale, PCA."""

import numpy as np
import pytest

from inductive_bias._validation import InputError
from inductive_bias.tasks._preprocess import (apply_pca, check_resize, resize_images, resolve_classes,
                                              select_split, stratified_indices, to_grayscale)


def test_stratified_counts_follow_class_frequencies():
    labels = np.repeat([0, 1, 2], [600, 300, 100])
    picked = stratified_indices(labels, 100, np.random.default_rng(1), argument="n_train", where="x")
    assert len(set(picked.tolist())) == 100  # no repeats
    # 100 of 1000 points: exactly 60 / 30 / 10 by the largest-remainder rounding of 0.1 * counts.
    assert np.bincount(labels[picked]).tolist() == [60, 30, 10]


def test_stratified_rounding_sums_to_n_and_is_seeded():
    labels = np.repeat([0, 1, 2], [5, 5, 5])
    a = stratified_indices(labels, 7, np.random.default_rng(3), argument="n_train", where="x")
    b = stratified_indices(labels, 7, np.random.default_rng(3), argument="n_train", where="x")
    assert np.array_equal(a, b)
    counts = np.bincount(labels[a], minlength=3)
    assert counts.sum() == 7 and counts.max() - counts.min() <= 1


def test_stratified_too_many_names_the_option():
    with pytest.raises(InputError, match="n_test") as caught:
        stratified_indices(np.zeros(5), 6, np.random.default_rng(0), argument="n_test", where="file.bin")
    assert "file.bin" in str(caught.value)


def test_select_split_training_points_do_not_depend_on_n_test():
    labels = np.repeat(np.arange(4), 50)
    a, _ = select_split(labels, labels, [0, 1, 2, 3], 40, 10, 7, where_train="a", where_test="b")
    b, _ = select_split(labels, labels, [0, 1, 2, 3], 40, 30, 7, where_train="a", where_test="b")
    assert np.array_equal(a, b)
    c, _ = select_split(labels, labels, [1, 3], 20, 10, 7, where_train="a", where_test="b")
    assert set(labels[c].tolist()) == {1, 3}


def test_resolve_classes_by_label_name_count_and_errors():
    names = ["cat", "dog", "fish"]
    assert resolve_classes(None, [0, 1, 2], names) == [0, 1, 2]
    assert resolve_classes("fish,cat", [0, 1, 2], names) == [2, 0]
    assert resolve_classes([1, 2], [0, 1, 2], names) == [1, 2]
    assert resolve_classes(2, [0, 1, 2], names) == [0, 1]
    with pytest.raises(InputError, match="unknown class 'cow'"):
        resolve_classes("cat,cow", [0, 1, 2], names)
    with pytest.raises(InputError, match="at least 2"):
        resolve_classes("cat", [0, 1, 2], names)


def test_check_resize_forms():
    assert check_resize(None) is None
    assert check_resize(16) == (16, 16)
    assert check_resize("8x12") == (8, 12)
    with pytest.raises(InputError, match="resize"):
        check_resize("big")
    with pytest.raises(InputError, match="resize"):
        check_resize(0)


def test_grayscale_is_the_luma_of_pillow():
    from PIL import Image

    rgb = np.random.default_rng(0).integers(0, 256, size=(1, 5, 6, 3), dtype=np.uint8)
    ours = to_grayscale(rgb)[0]
    pillow = np.asarray(Image.fromarray(rgb[0]).convert("L"), dtype=float)
    assert np.max(np.abs(ours - pillow)) <= 1.0  # Pillow rounds to 8 bits


def test_resize_keeps_constant_images_and_averages_when_shrinking():
    images = np.full((2, 8, 8), 100.0)
    assert np.allclose(resize_images(images, (4, 4)), 100.0)
    checker = np.indices((8, 8)).sum(axis=0) % 2 * 255.0  # 0/255 checkerboard
    small = resize_images(checker[None], (4, 4))
    # Shrinking by 2 with Pillow's antialiased bilinear filter averages neighbours: close to 127.5.
    assert np.allclose(small, 127.5, atol=30)


def test_pca_matches_scikit_learn_up_to_sign():
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 6)) @ rng.standard_normal((6, 6))
    Y = rng.standard_normal((20, 6))
    A, B, steps = apply_pca(X, Y, 3)
    reference = PCA(3).fit(X)
    assert np.allclose(np.abs(A), np.abs(reference.transform(X)), atol=1e-10)
    assert np.allclose(np.abs(B), np.abs(reference.transform(Y)), atol=1e-10)
    assert "PCA to 3" in steps[0]
    with pytest.raises(InputError, match="pca"):
        apply_pca(X, Y, 7)


# -- --permute-features ---------------------------------------------------------------------------
def test_permute_features_is_one_fixed_permutation_from_the_task_seed():
    from inductive_bias import GaussianProcess, digits, load_task, measure
    from inductive_bias.tasks import feature_permutation, permute_features

    plain = digits(80, 60, seed=2)
    shuffled = load_task("digits", n_train=80, n_test=60, seed=2, permute_features=True)
    order = feature_permutation(64, 2)
    assert sorted(order) == list(range(64)) and not np.array_equal(order, np.arange(64))
    # the same points (the loader's streams are untouched), their features reordered alike
    np.testing.assert_array_equal(shuffled.X_train, plain.X_train[:, order])
    np.testing.assert_array_equal(shuffled.X_test, plain.X_test[:, order])
    np.testing.assert_array_equal(shuffled.Y_train, plain.Y_train)
    assert np.array_equal(feature_permutation(64, 2), order) and not np.array_equal(feature_permutation(64, 3), order)
    # part of the task's identity
    described = shuffled.describe()
    assert described["permuted_features"] is True and "permuted" in described["preprocessing"]
    from inductive_bias.store import task_identity

    assert task_identity(shuffled) != task_identity(plain)
    # an isotropic kernel does not see feature order: the exact bits are unchanged (to rounding)
    space = GaussianProcess("rbf", "median")
    a = measure(plain, space, [1.0]).bits[0]
    b = measure(permute_features(plain, 2), space, [1.0]).bits[0]
    assert a == pytest.approx(b, rel=1e-9)


def test_permute_features_flag(capsys, tmp_path):
    from inductive_bias.cli.main import main

    code = main(["measure", "--data", "digits", "--n-train", "50", "--n-test", "50", "--permute-features", "-e", "1.0",
                 "--json"])
    out = capsys.readouterr().out
    assert code == 0 and '"permuted_features": true' in out
    with pytest.raises(InputError, match="^permute_features: must be True or False"):
        __import__("inductive_bias").load_task("digits", permute_features="yes")
