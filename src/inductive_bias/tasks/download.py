"""Optional download of MNIST, Fashion-MNIST, CIFAR-10 and Omniglot into a user directory.

Nothing here runs unless asked (``download=True`` / ``--download``). Files come from the
datasets' official locations (for MNIST, the authors' page first, then the mirror PyTorch uses,
since the page often refuses downloads), are checked against the published MD5 checksums, and
archives are unpacked with every member's path checked to stay inside the directory. Files
already present with the right checksum are not fetched again.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import InputError

__all__ = ["SOURCES", "download"]


@dataclass(frozen=True)
class Resource:
    """One file: its name, the URLs to try in order, its MD5, and whether to unpack it."""

    name: str
    urls: tuple[str, ...]
    md5: str
    unpack: bool = False


_MNIST = ("http://yann.lecun.com/exdb/mnist/", "https://ossci-datasets.s3.amazonaws.com/mnist/")
_FASHION = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
_OMNIGLOT = ("https://github.com/brendenlake/omniglot/raw/master/python/",)


def _files(bases, pairs, unpack=False):
    return tuple(Resource(name, tuple(base + name for base in bases), md5, unpack) for name, md5 in pairs)


#: dataset -> files, with the MD5 checksums their publishers list.
SOURCES: dict[str, tuple[Resource, ...]] = {
    "mnist": _files(_MNIST, [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]),
    "fashion-mnist": _files(_FASHION, [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]),
    "cifar10": _files(("https://www.cs.toronto.edu/~kriz/",),
                      [("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530")], unpack=True),
    "omniglot": _files(_OMNIGLOT, [
        ("images_background.zip", "68d2efa1b9178cc56df9314c21c6e718"),
        ("images_evaluation.zip", "6b91aef0f799c5bb55b94e3f2daec811"),
    ], unpack=True),
}


def md5sum(path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fetch(url: str, target: Path, expected_md5: str) -> None:
    """Copy ``url`` to ``target`` through a temporary file; progress on stderr when it is a TTY.
    The file is kept only if its MD5 matches."""
    show = sys.stderr.isatty()
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            for block in iter(lambda: response.read(1 << 20), b""):
                out.write(block)
                done += len(block)
                if show:
                    share = f" {done / total:.0%}" if total else ""
                    print(f"\rdownloading {target.name}: {done / 2**20:.1f} MiB{share}", end="", file=sys.stderr)
        if show:
            print(file=sys.stderr)
        got = md5sum(temporary)
        if got != expected_md5:
            raise InputError("download", f"{url} has MD5 {got}, expected {expected_md5}; not kept")
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def unpack(archive: Path, directory: Path) -> None:
    """Unpack a .tar.gz or .zip into ``directory``, refusing members that would land outside it
    (absolute paths, "..", links)."""
    root = directory.resolve()

    def inside(name: str) -> bool:
        return (root / name).resolve().is_relative_to(root)

    if archive.name.endswith((".tar.gz", ".tgz", ".tar")):
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                if not inside(member.name) or member.issym() or member.islnk() or not (member.isfile() or member.isdir()):
                    raise InputError("download", f"{archive} member {member.name!r} is not a plain file inside the archive")
            tar.extractall(root, filter="data")
    elif archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zipped:
            for name in zipped.namelist():
                if not inside(name):
                    raise InputError("download", f"{archive} member {name!r} would land outside {directory}")
            zipped.extractall(root)
    else:
        raise InputError("download", f"do not know how to unpack {archive}")


def download(dataset: str, directory) -> Path:
    """Fetch ``dataset`` ("mnist", "fashion-mnist", "cifar10", "omniglot") into ``directory``
    (created if needed) and unpack it; returns the directory.

    Each file is tried at its URLs in order; a failure of all is an :class:`InputError` naming the
    file and the last error. Present files with the right MD5 are kept.
    """
    if dataset not in SOURCES:
        raise InputError("data", f"no download for {dataset!r}; available: {', '.join(SOURCES)}")
    directory = Path(directory).expanduser()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError("data_dir", f"cannot create {directory}: {error}") from None
    for resource in SOURCES[dataset]:
        target = directory / resource.name
        if not (target.is_file() and md5sum(target) == resource.md5):
            errors = []
            for url in resource.urls:
                try:
                    _fetch(url, target, resource.md5)
                    break
                except (urllib.error.URLError, OSError, InputError) as error:
                    errors.append(f"{url}: {error}")
            else:
                raise InputError("download", f"could not fetch {resource.name}: {'; '.join(errors)}")
        if resource.unpack:
            unpack(target, directory)
    return directory

