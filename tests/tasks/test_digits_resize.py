"""digits(resize=...): the same split and labels, images resampled (for architectures designed at 28 x 28)."""

import numpy as np
import pytest

from inductive_bias import digits
from inductive_bias.exceptions import InputError
from inductive_bias.tasks import load_task


def test_resized_digits_keep_the_split_and_the_pixel_range():
    plain, big = digits(40, 20, seed=3), digits(40, 20, seed=3, resize=28)
    assert big.X_train.shape == (40, 784) and big.X_test.shape == (20, 784)
    np.testing.assert_array_equal(big.Y_train, plain.Y_train)
    np.testing.assert_array_equal(big.Y_test, plain.Y_test)
    assert 0.0 <= big.X_train.min() and big.X_train.max() <= 16.0 + 1e-9
    # bilinear resampling keeps each image's mean brightness to within a few percent
    ratio = big.X_train.mean(axis=1) / plain.X_train.mean(axis=1)
    assert np.all(np.abs(ratio - 1.0) < 0.15)
    assert "resized bilinearly to 28x28" in big.info["preprocessing"]
    np.testing.assert_array_equal(digits(40, 20, seed=3, resize=8).X_train, plain.X_train)


def test_resize_through_the_task_registry_and_its_errors():
    task = load_task("digits", n_train=10, n_test=10, resize="16x12")
    assert task.X_train.shape == (10, 192) and list(task.info["image_shape"]) == [16, 12]
    with pytest.raises(InputError, match="resize"):
        digits(10, 10, resize=0)


def test_scaled_digits_are_the_raw_ones_over_16_on_every_road():
    raw, scaled = digits(30, 20, seed=1, resize=12), digits(30, 20, seed=1, resize=12, scale=True)
    np.testing.assert_array_equal(scaled.X_train * 16.0, raw.X_train)
    np.testing.assert_array_equal(scaled.Y_test, raw.Y_test)
    assert scaled.info["preprocessing"].startswith("pixels scaled to [0, 1]")
    assert scaled.info["preprocessing"] != raw.info["preprocessing"]  # a different task identity
    np.testing.assert_array_equal(load_task("digits", n_train=30, n_test=20, seed=1, scale=True).X_test,
                                  digits(30, 20, seed=1, scale=True).X_test)
    with pytest.raises(InputError, match="scale"):
        digits(10, 10, scale="yes")


def test_scale_flag_of_digits_and_no_scale_of_the_loaders(capsys):
    from inductive_bias.cli.main import main

    assert main(["measure", "--data", "digits", "--scale", "--n-train", "20", "--n-test", "20", "-e", "0.08",
                 "--json"]) == 0
    assert "pixels scaled to [0, 1]" in capsys.readouterr().out
    assert main(["tasks", "--json"]) == 0
    listing = __import__("json").loads(capsys.readouterr().out)
    assert "--scale" in listing["digits"]["options"] and "--no-scale" in listing["mnist"]["options"]
