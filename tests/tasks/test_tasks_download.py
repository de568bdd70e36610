"""The download pieces that need no network: the source table, checksums, safe unpacking, and a
fetch from a local file:// URL."""

import hashlib
import io
import re
import tarfile
import zipfile

import pytest

from inductive_bias._validation import InputError
from inductive_bias.tasks import download as dl


def test_sources_list_official_files_with_md5():
    assert set(dl.SOURCES) == {"mnist", "fashion-mnist", "cifar10", "omniglot"}
    for resources in dl.SOURCES.values():
        for resource in resources:
            assert re.fullmatch(r"[0-9a-f]{32}", resource.md5)
            assert resource.urls and all(u.startswith(("http://", "https://")) and u.endswith(resource.name)
                                         for u in resource.urls)
    assert dl.SOURCES["cifar10"][0].urls[0] == "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"


def test_unpack_refuses_paths_outside_the_directory(tmp_path):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(InputError, match="escape.txt"):
        dl.unpack(archive, target)
    assert not (tmp_path / "escape.txt").exists()
    zipped = tmp_path / "evil.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("/abs/../../x.txt", b"bad")
        z.writestr("../y.txt", b"bad")
    with pytest.raises(InputError, match="outside"):
        dl.unpack(zipped, target)


def _local_source(tmp_path, payload_name, make):
    served = tmp_path / "served"
    served.mkdir()
    path = served / payload_name
    make(path)
    md5 = hashlib.md5(path.read_bytes()).hexdigest()
    return path, md5


def test_download_from_a_file_url_checks_md5_and_unpacks(tmp_path, monkeypatch):
    def make(path):
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("images_background/Latin/character01/a.png", b"png")
    path, md5 = _local_source(tmp_path, "images_background.zip", make)
    resource = dl.Resource(path.name, ("file:///nonexistent/" + path.name, path.as_uri()), md5, unpack=True)
    monkeypatch.setitem(dl.SOURCES, "omniglot", (resource,))
    out = dl.download("omniglot", tmp_path / "data")
    assert (out / "images_background" / "Latin" / "character01" / "a.png").read_bytes() == b"png"
    # A wrong checksum is refused and nothing is kept.
    bad = dl.Resource(path.name, (path.as_uri(),), "0" * 32)
    monkeypatch.setitem(dl.SOURCES, "omniglot", (bad,))
    with pytest.raises(InputError, match="MD5"):
        dl.download("omniglot", tmp_path / "other")
    assert not list((tmp_path / "other").iterdir())


def test_unknown_dataset():
    with pytest.raises(InputError, match="no download for 'imagenet'"):
        dl.download("imagenet", "unused")
