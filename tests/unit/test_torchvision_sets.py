"""explorer.data.torchvision_sets, without the internet: the tests write small files in the data sets' own
formats (IDX for MNIST and Fashion-MNIST, pickled batches for CIFAR-10) in torchvision's folder layout, with
pixel values chosen by hand, and torchvision's readers load them. Downloads are served by a fake urlopen;
"offline" is a socket that refuses to connect or never answers."""

import gzip
import hashlib
import io
import pickle
import socket
import struct
import threading
import urllib.parse
import urllib.request

import numpy as np
import pytest
import torchvision.datasets as tv

from explorer.data import torchvision_sets as dtv
from explorer.data.torchvision_sets import DatasetUnavailableError, load_torchvision

# image k of a file is filled with the value VALUES[k]; its label is LABELS[k]
LABELS = np.array([3, 1, 3, 0, 1, 3], np.uint8)
VALUES = np.array([0, 51, 102, 153, 204, 255], np.uint8)


def idx_images(values, size=28):
    pixels = np.repeat(values, size * size).astype(np.uint8)
    return struct.pack(">IIII", 0x0803, len(values), size, size) + pixels.tobytes()  # magic: ubyte, 3 dims


def idx_labels(labels):
    return struct.pack(">II", 0x0801, len(labels)) + labels.astype(np.uint8).tobytes()  # magic: ubyte, 1 dim


def mnist_files():
    return {
        "train-images-idx3-ubyte": idx_images(VALUES),
        "train-labels-idx1-ubyte": idx_labels(LABELS),
        "t10k-images-idx3-ubyte": idx_images(VALUES[:2]),
        "t10k-labels-idx1-ubyte": idx_labels(LABELS[:2]),
    }


def write_mnist(root, folder="MNIST", compressed=True):
    raw = root / folder / "raw"
    raw.mkdir(parents=True)
    for name, content in mnist_files().items():
        if compressed:  # as downloaded: gzip files, unpacked on first use
            (raw / f"{name}.gz").write_bytes(gzip.compress(content))
        else:  # as torchvision leaves them after unpacking
            (raw / name).write_bytes(content)


def test_mnist_from_gzipped_idx_files(tmp_path):
    write_mnist(tmp_path)
    data = load_torchvision("mnist", root=tmp_path, download=False)
    assert data.images.shape == (6, 1, 28, 28) and data.images.dtype == np.float32
    np.testing.assert_allclose(data.images[:, 0, 14, 14], VALUES / 255, atol=1e-7)
    np.testing.assert_array_equal(data.labels, LABELS)
    assert data.class_names == tuple("0123456789") and data.name == "MNIST (train)"
    test = load_torchvision("mnist", train=False, root=tmp_path, download=False)
    np.testing.assert_array_equal(test.labels, LABELS[:2])


def test_fashion_mnist_from_unpacked_files_and_the_first_images_per_class(tmp_path):
    write_mnist(tmp_path, "FashionMNIST", compressed=False)
    data = load_torchvision("fashion_mnist", max_per_class=2, root=tmp_path, download=False)
    # labels 3 1 3 0 1 3: the third 3 (index 5) is dropped, everything else kept in file order
    np.testing.assert_array_equal(data.labels, [3, 1, 3, 0, 1])
    np.testing.assert_allclose(data.images[:, 0, 0, 0], VALUES[:5] / 255, atol=1e-7)
    assert data.class_names[0] == "T-shirt/top" and data.class_names[9] == "Ankle boot"


def cifar_batch(labels, red, green, blue):
    """A CIFAR-10 batch: rows of 3072 bytes, the red plane (32×32) then green then blue."""
    planes = [np.full((len(labels), 1024), value, np.uint8) for value in (red, green, blue)]
    return {"data": np.hstack(planes), "labels": list(labels)}


def test_cifar10_from_pickled_batches(tmp_path, monkeypatch):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    contents = {f"data_batch_{k}": cifar_batch([k, 9], 255, 0, 128) for k in range(1, 6)}
    contents["test_batch"] = cifar_batch([2], 0, 10, 20)
    contents["batches.meta"] = {
        "label_names": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    }
    md5 = {}
    for name, content in contents.items():
        blob = pickle.dumps(content)
        (folder / name).write_bytes(blob)
        md5[name] = hashlib.md5(blob).hexdigest()
    # torchvision checks each batch against the official checksums: list those of the files written here
    monkeypatch.setattr(tv.CIFAR10, "train_list", [[f"data_batch_{k}", md5[f"data_batch_{k}"]] for k in range(1, 6)])
    monkeypatch.setattr(tv.CIFAR10, "test_list", [["test_batch", md5["test_batch"]]])
    monkeypatch.setattr(tv.CIFAR10, "meta", {**tv.CIFAR10.meta, "md5": md5["batches.meta"]})
    data = load_torchvision("cifar10", root=tmp_path, download=False)
    assert data.images.shape == (10, 3, 32, 32) and data.images.dtype == np.float32
    np.testing.assert_allclose(data.images[0, :, 5, 7], [1.0, 0.0, 128 / 255], atol=1e-7)  # channels R, G, B
    np.testing.assert_array_equal(data.labels, [1, 9, 2, 9, 3, 9, 4, 9, 5, 9])
    assert data.class_names[:2] == ("airplane", "automobile")
    test = load_torchvision("cifar10", train=False, root=tmp_path, download=False)
    np.testing.assert_allclose(test.images[0, :, 0, 0], [0.0, 10 / 255, 20 / 255], atol=1e-7)


def test_missing_files_without_download(tmp_path):
    with pytest.raises(ValueError, match="MNIST is not in the cache folder"):
        load_torchvision("mnist", root=tmp_path, download=False)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match=r"name must be one of \('mnist', 'fashion_mnist', 'cifar10'\), got 'svhn'"):
        load_torchvision("svhn", root=tmp_path)
    with pytest.raises(ValueError, match="max_per_class must be a whole number >= 1 or None, got 0"):
        load_torchvision("mnist", max_per_class=0, root=tmp_path)


def no_urlopen(*args, **kwargs):
    raise AssertionError("urlopen must not be called when the server is unreachable")


def test_offline_gives_a_friendly_error_after_one_short_attempt_per_mirror(tmp_path, monkeypatch):
    attempts = []  # (host, timeout) of every connection attempt

    def refuse(address, timeout=None, *args, **kwargs):
        attempts.append((address[0], timeout))
        raise OSError("Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", no_urlopen)
    with pytest.raises(DatasetUnavailableError, match="MNIST is not downloaded yet") as caught:
        load_torchvision("mnist", root=tmp_path)
    # Counted, not timed: one attempt per mirror of the first archive, none repeated, each bounded by the
    # 3 s the message promises; then the loader gives up without trying the other archives.
    mirrors = [urllib.parse.urlsplit(m).hostname for m in tv.MNIST.mirrors]
    assert [host for host, _ in attempts] == mirrors
    assert all(timeout is not None and 0 < timeout <= 3.0 for _, timeout in attempts), attempts
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, ConnectionError)
    assert "Digits or Shapes" in str(caught.value) and "could not be reached within 3 s" in str(caught.value)


def test_a_server_that_never_answers_is_given_up_after_the_timeout(monkeypatch):
    release, finished = threading.Event(), threading.Event()
    timeouts = []

    def hang(address, timeout=None, *args, **kwargs):
        timeouts.append(timeout)
        release.wait(10)  # as a DNS lookup with no server answering
        finished.set()
        raise OSError("timed out")

    monkeypatch.setattr(socket, "create_connection", hang)
    try:
        assert dtv.is_reachable("https://example.org/x", timeout=0.2) is False
        # The answer came while the attempt still hangs: the check did not wait for it.
        assert not finished.is_set()
        assert timeouts == [0.2]
    finally:
        release.set()


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_download_reports_progress_checks_md5_and_caches(tmp_path, monkeypatch):
    served = {f"{name}.gz": gzip.compress(content) for name, content in mnist_files().items()}
    monkeypatch.setattr(tv.MNIST, "resources", [(n, hashlib.md5(b).hexdigest()) for n, b in served.items()])
    monkeypatch.setattr(tv.MNIST, "mirrors", ["https://mirror.test/"])
    monkeypatch.setattr(dtv, "is_reachable", lambda url, **kwargs: True)
    requested = []

    def fake_urlopen(request, timeout):
        assert timeout == dtv.DOWNLOAD_TIMEOUT
        requested.append(request.full_url)
        return FakeResponse(served[request.full_url.rsplit("/", 1)[1]])

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    progress = []
    data = load_torchvision("mnist", root=tmp_path, on_progress=progress.append)
    np.testing.assert_array_equal(data.labels, LABELS)
    assert sorted(requested) == sorted(f"https://mirror.test/{n}" for n in served)
    assert progress[-1] == 1.0 and progress == sorted(progress) and len(progress) >= 5
    # second time: from the cache, no network at all
    monkeypatch.setattr(urllib.request, "urlopen", no_urlopen)
    np.testing.assert_array_equal(load_torchvision("mnist", root=tmp_path).labels, LABELS)


def test_a_damaged_download_is_refused_and_not_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(dtv, "is_reachable", lambda url, **kwargs: True)
    monkeypatch.setattr(urllib.request, "urlopen", lambda request, timeout: FakeResponse(b"not the real file"))
    with pytest.raises(DatasetUnavailableError, match="arrived damaged"):
        load_torchvision("mnist", root=tmp_path)
    assert not any(path.is_file() for path in tmp_path.rglob("*"))
