"""5-way 1-shot Omniglot episodes from a folder tree of PNGs written here (docs/method.md §6)."""

import numpy as np
import pytest
from PIL import Image

from inductive_bias._validation import InputError
from inductive_bias.tasks.omniglot import load_omniglot

SIZE = 12


def character_image(code: int, drawing: int) -> Image.Image:
    """Black ink on white (mode "1", as Omniglot): the character's code in binary along the top
    row, a drawing-specific mark on the bottom row, so the character can be read back."""
    pixels = np.ones((SIZE, SIZE), dtype=bool)
    for bit in range(8):
        if code >> bit & 1:
            pixels[0, bit] = False
    pixels[SIZE - 1, drawing] = False
    return Image.fromarray(pixels)


def write_omniglot(root, characters_per_alphabet=4, drawings=3):
    codes = {}
    code = 1
    for split, alphabets in (("images_background", ["Latin", "Greek"]), ("images_evaluation", ["Runic", "Tifinagh"])):
        for alphabet in alphabets:
            for c in range(characters_per_alphabet):
                folder = root / split / alphabet / f"character{c + 1:02d}"
                folder.mkdir(parents=True)
                for d in range(drawings):
                    character_image(code, d).save(folder / f"{code:04d}_{d + 1:02d}.png")
                codes[code] = split
                code += 1
    return codes


def decode(image_row: np.ndarray) -> int:
    ink = image_row.reshape(SIZE, SIZE)[0, :8] > 0.5  # ink = 1 after the loader's inversion
    return int(sum(1 << bit for bit in range(8) if ink[bit]))


def test_episodes_target_the_slot_of_the_query_character(tmp_path):
    codes = write_omniglot(tmp_path)
    task = load_omniglot(tmp_path, n_train=40, n_test=25, resize=None, seed=3)
    assert task.X_train.shape == (40, 6 * SIZE * SIZE) and task.n_outputs == 5
    for X, Y, split in ((task.X_train, task.Y_train, "images_background"),
                        (task.X_test, task.Y_test, "images_evaluation")):
        slots_used = set()
        for x, y in zip(X, Y):
            images = x.reshape(6, SIZE * SIZE)
            support = [decode(im) for im in images[:5]]
            query = decode(images[5])
            assert len(set(support)) == 5  # five different characters
            assert all(codes[c] == split for c in support)  # background for training, evaluation for test
            assert support[int(np.argmax(y))] == query
            # The query is another drawing of the character, not the support image itself.
            assert not np.array_equal(images[5], images[int(np.argmax(y))])
            slots_used.add(int(np.argmax(y)))
        assert slots_used == set(range(5))
    # Query slots are balanced: 40 episodes -> 8 per slot.
    assert task.Y_train.sum(axis=0).tolist() == [8.0] * 5


def test_default_resize_and_seeding(tmp_path):
    write_omniglot(tmp_path / "omniglot-py")
    a = load_omniglot(tmp_path, n_train=5, n_test=5, seed=0)
    b = load_omniglot(tmp_path, n_train=5, n_test=5, seed=0)
    assert a.X_train.shape == (5, 6 * 28 * 28)
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.Y_test, b.Y_test)
    assert "resized to 28x28" in a.info["preprocessing"]


def test_corrupt_png_is_named(tmp_path):
    write_omniglot(tmp_path, characters_per_alphabet=3, drawings=2)
    victim = next((tmp_path / "images_background").rglob("*.png"))
    victim.write_bytes(victim.read_bytes()[:20])
    with pytest.raises(InputError, match=victim.name):
        load_omniglot(tmp_path, n_train=30, n_test=2, resize=None)


def test_too_few_characters_and_missing_tree(tmp_path):
    with pytest.raises(InputError, match="images_background"):
        load_omniglot(tmp_path)
    write_omniglot(tmp_path, characters_per_alphabet=2)
    with pytest.raises(InputError, match="has 4 characters"):
        load_omniglot(tmp_path, n_train=2, n_test=2)
