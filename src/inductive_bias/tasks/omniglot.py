"""5-way 1-shot Omniglot episodes from the image folders (docs/method.md §6).

The distribution unpacks to ``images_background/<alphabet>/<character>/<drawing>.png`` (30
alphabets) and ``images_evaluation/...`` (20 alphabets), 20 drawings of each character, 105x105
black-on-white PNGs. An episode is one input row and one one-hot target:

* ``ways`` distinct characters are drawn from the split's pool (any alphabet) and put into the
  support slots in random order (the slot order is shuffled per episode), one drawing each;
* a query slot is chosen and another drawing of that slot's character is the query;
* input: the support images in slot order, then the query, each preprocessed and flattened, laid
  end to end; target: one-hot of the query slot.

Training episodes come from the background alphabets, test episodes from the evaluation alphabets,
so no character is seen in both. Query slots are stratified: each slot is the answer equally often
(up to one).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._random import check_random_state
from ..exceptions import InputError
from .._validation import check_positive
from ._preprocess import Preprocessing, apply_pca, image_features, seed_record
from .task import Task

__all__ = ["load_omniglot", "find_omniglot"]

SPLITS = ("images_background", "images_evaluation")
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif"}


def find_omniglot(data_dir) -> dict[str, Path]:
    """The folders ``images_background`` and ``images_evaluation`` in ``data_dir`` or in its
    ``omniglot-py/`` or ``omniglot/`` subfolder."""
    root = Path(data_dir)
    if not root.is_dir():
        raise InputError("data_dir", f"no such directory: {root}")
    for folder in (root, root / "omniglot-py", root / "omniglot"):
        if all((folder / s).is_dir() for s in SPLITS):
            return {s: folder / s for s in SPLITS}
    raise InputError("data_dir", f"{root} does not hold Omniglot's images_background/ and images_evaluation/ "
                     "folders; download them with --download")


def _characters(split: Path) -> list[list[Path]]:
    """Drawings of each character of a split (alphabet/character/drawing), characters with at
    least two drawings (one for the support, one for the query)."""
    characters = []
    for alphabet in sorted(p for p in split.iterdir() if p.is_dir()):
        for character in sorted(p for p in alphabet.iterdir() if p.is_dir()):
            drawings = sorted(p for p in character.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
            if len(drawings) >= 2:
                characters.append(drawings)
    return characters


class _ImageCache:
    """Reads each drawing once, as ink values 0..255 (255 - gray: strokes high, background 0)."""

    def __init__(self):
        self.images: dict[Path, np.ndarray] = {}
        self.shape = None
        self.first = None

    def __call__(self, path: Path, resize) -> np.ndarray:
        if path not in self.images:
            from PIL import Image, UnidentifiedImageError

            try:
                with Image.open(path) as image:
                    gray = np.asarray(image.convert("L"), dtype=np.float64)
            except (OSError, UnidentifiedImageError, ValueError, SyntaxError) as error:
                raise InputError("data_dir", f"cannot read image {path}: {error}") from None
            if self.shape is None:
                self.shape, self.first = gray.shape, path
            elif gray.shape != self.shape and resize is None:
                raise InputError("data_dir", f"image {path} is {gray.shape[1]}x{gray.shape[0]} but {self.first} is "
                                 f"{self.shape[1]}x{self.shape[0]}; give --resize")
            self.images[path] = 255.0 - gray
        return self.images[path]


def _episodes(characters: list[list[Path]], n: int, ways: int, rng: np.random.Generator, cache: _ImageCache,
              prep: Preprocessing, where: Path):
    if len(characters) < ways:
        raise InputError("data_dir", f"{where} has {len(characters)} characters with 2+ drawings; a {ways}-way "
                         "episode needs at least that many")
    query_slots = rng.permutation(np.arange(n) % ways)
    rows, steps = [], []
    for q in query_slots:
        chosen = rng.choice(len(characters), size=ways, replace=False)  # random slot order
        support = [characters[c][rng.integers(len(characters[c]))] for c in chosen]
        drawings = characters[chosen[q]]
        pick = rng.integers(len(drawings) - 1)
        query = [d for d in drawings if d != support[q]][pick]
        stack = np.stack([cache(p, prep.resize) for p in support + [query]])
        features, steps = image_features(stack, prep, 255.0)
        rows.append(features.reshape(-1))
    return np.stack(rows), query_slots, steps


def load_omniglot(data_dir=None, *, n_train: int = 500, n_test: int = 500, ways: int = 5, seed=0,
                  download: bool = False, scale: bool = True, resize=28,
                  pca: int | None = None) -> Task:
    """5-way 1-shot Omniglot episodes (docs/method.md §6): training episodes from the background alphabets,
    test episodes from the evaluation alphabets.

    Parameters
    ----------
    data_dir : path
        Directory holding ``images_background/`` and ``images_evaluation/`` (or its
        ``omniglot-py/`` subfolder).
    n_train, n_test : int, default 500
        Episodes drawn (seeded; query slots balanced).
    ways : int, default 5
        Support images per episode (one per character); the target has ``ways`` outputs.
    seed : int or Generator, default 0
    download : bool, default False
        Fetch and unpack the two zip files into ``data_dir`` first.
    scale, resize, pca
        Preprocessing of each image: ink = 255 - gray (strokes 1 after scaling), resized to
        ``resize`` (default 28x28; None keeps 105x105), divided by 255. ``pca`` acts on the
        whole episode row. Colour images are converted to gray (luma) first.

    Returns
    -------
    Task
        Inputs of (ways + 1) * height * width features; targets one-hot over the query slot.
    """
    if data_dir is None:
        raise InputError("data_dir", "omniglot is read from its image folders: give the directory holding them")
    ways = check_positive("ways", ways, integer=True)
    if ways < 2:
        raise InputError("ways", f"an episode needs at least 2 ways; got {ways}")
    n_train = check_positive("n_train", n_train, integer=True)
    n_test = check_positive("n_test", n_test, integer=True)
    if download:
        from .download import download as fetch

        fetch("omniglot", data_dir)
    prep = Preprocessing.from_options(scale=scale, grayscale=False, resize=resize, pca=pca)
    folders = find_omniglot(data_dir)
    train_rng, test_rng = check_random_state(seed).spawn(2)
    cache = _ImageCache()
    X_train, y_train, steps = _episodes(_characters(folders["images_background"]), n_train, ways, train_rng, cache,
                                        prep, folders["images_background"])
    X_test, y_test, _ = _episodes(_characters(folders["images_evaluation"]), n_test, ways, test_rng, cache,
                                  prep, folders["images_evaluation"])
    X_train, X_test, pca_steps = apply_pca(X_train, X_test, prep.pca)
    info = {
        "source": f"Omniglot image folders in {Path(data_dir)}",
        "episodes": f"{ways}-way 1-shot: {ways} support images in shuffled slot order, then the query; "
                    "target: the query's slot; train from images_background, test from images_evaluation",
        "preprocessing": ", ".join(["ink = 255 - gray", *steps, f"{ways + 1} images laid end to end", *pca_steps]),
        "split": "seeded episodes, query slots balanced",
        "seed": seed_record(seed),
    }
    return Task.from_arrays(X_train, y_train, X_test, y_test, name="omniglot", classes=list(range(ways)),
                            info=info)
