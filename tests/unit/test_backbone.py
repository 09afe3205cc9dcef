"""The pretrained backbone: building it, its input conversion, and fetching its weights (from a loopback server,
never the internet), checked against torchvision and hand-computed values."""

import hashlib
import http.server
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch
from torchvision import models
from torchvision.transforms import v2

from explorer.data import downloads
from explorer.deep import backbone

ROOT = Path(__file__).resolve().parents[2]


def test_build_without_weights_is_torchvisions_squeezenet_frozen_and_seeded():
    model = backbone.build(pretrained=False, seed=3)
    torch.manual_seed(3)
    reference = models.squeezenet1_1(weights=None).eval()
    # the flat Sequential computes exactly what torchvision's forward does, with the same seeded weights
    picture = torch.rand(2, 3, 80, 72)
    torch.testing.assert_close(model(picture), reference(picture))
    assert not model.training and not any(p.requires_grad for p in model.parameters())
    assert model(torch.zeros(2, 3, 96, 128)).shape == (2, 1000)
    same = backbone.build(pretrained=False, seed=3)
    other = backbone.build(pretrained=False, seed=4)
    first = next(iter(model.parameters()))
    assert torch.equal(first, next(iter(same.parameters())))
    assert not torch.equal(first, next(iter(other.parameters())))
    # gradients still reach the input
    picture = torch.rand(1, 3, 64, 64, requires_grad=True)
    model(picture)[0, 5].backward()
    assert picture.grad is not None and picture.grad.abs().sum() > 0


def test_every_named_layer_is_a_fire_module_or_conv1():
    model = backbone.build(pretrained=False)
    assert isinstance(model[backbone.LAYERS["conv1"]], torch.nn.Conv2d)
    fires = [name for name in backbone.LAYERS if name != "conv1"]
    assert all(type(model[backbone.LAYERS[n]]).__name__ == "Fire" for n in fires)
    assert backbone.FEATURE_LAYER == fires[-1]


def test_categories_are_imagenets_in_order():
    names = backbone.categories()
    assert len(names) == 1000 and names[0] == "tench" and names[1] == "goldfish" and names[999] == "toilet tissue"


def test_to_input_normalises_like_torchvision_and_keeps_the_aspect():
    rng = np.random.default_rng(0)
    picture = rng.integers(0, 256, size=(60, 90, 3), dtype=np.uint8)
    tensor = backbone.to_input(picture, size=90)  # no resize: longer side already 90
    assert tensor.shape == (1, 3, 60, 90) and tensor.dtype == torch.float32
    normalise = v2.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
    expected = normalise(torch.from_numpy(picture).permute(2, 0, 1).float() / 255)
    torch.testing.assert_close(tensor[0], expected, atol=1e-5, rtol=1e-5)
    np.testing.assert_array_equal(backbone.to_picture(tensor), picture)
    assert backbone.to_input(picture, size=45).shape == (1, 3, 30, 45)
    gray = backbone.to_input(picture[:, :, 0], size=90)
    torch.testing.assert_close(gray[0, 0] * 0.229 + 0.485, gray[0, 1] * 0.224 + 0.456)


def test_to_input_refuses_bad_arguments():
    with pytest.raises(ValueError, match="size must be from 32 to 1024, got 8"):
        backbone.to_input(np.zeros((8, 8, 3), np.uint8), size=8)
    with pytest.raises(ValueError, match=r"picture must be \(H, W, 3\) RGB or \(H, W\) gray"):
        backbone.to_input(np.zeros((8, 8, 4), np.uint8), size=64)
    with pytest.raises(ValueError, match="tensor must hold one picture"):
        backbone.to_picture(torch.zeros(2, 3, 4, 4))


class _Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def weights_server(tmp_path):
    """A loopback HTTP server holding a real SqueezeNet state dict under a torchvision-style hashed name."""
    served = tmp_path / "served"
    served.mkdir()
    state = models.squeezenet1_1(weights=None).state_dict()
    plain = served / "plain.pth"
    torch.save(state, plain)
    prefix = hashlib.sha256(plain.read_bytes()).hexdigest()[:8]
    good = served / f"squeezenet1_1-{prefix}.pth"
    plain.rename(good)
    (served / "squeezenet1_1-00000000.pth").write_bytes(good.read_bytes())  # right bytes, wrong name: damaged

    def handler(*args, **kwargs):
        return _Files(*args, directory=str(served), **kwargs)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield base, good.name, state
    finally:
        server.shutdown()


def test_download_verifies_caches_and_loads_with_weights_only(tmp_path, weights_server, monkeypatch):
    base, name, state = weights_server
    url = f"{base}/{name}"
    cache = tmp_path / "cache"
    with pytest.raises(backbone.WeightsUnavailableError, match="not in the cache folder yet"):
        backbone.build(pretrained=True, root=cache, url=url)
    progress = []
    path = backbone.download_weights(cache, url=url, on_progress=progress.append)
    assert path == cache / "weights" / name and backbone.weights_cached(cache, url)
    assert progress[-1] == 1.0
    model = backbone.build(pretrained=True, root=cache, url=url)
    reference = models.squeezenet1_1(weights=None)
    reference.load_state_dict(state)
    picture = torch.rand(1, 3, 64, 64)
    torch.testing.assert_close(model(picture), reference.eval()(picture))
    # a second call finds the file and touches no network
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: pytest.fail("the cached file was fetched again"))
    assert backbone.download_weights(cache, url=url) == path


def test_a_damaged_download_is_refused_and_not_kept(tmp_path, weights_server):
    base, _, _ = weights_server
    url = f"{base}/squeezenet1_1-00000000.pth"
    with pytest.raises(backbone.WeightsUnavailableError, match="arrived damaged"):
        backbone.download_weights(tmp_path / "cache", url=url)
    assert not any(path.is_file() for path in (tmp_path / "cache").rglob("*"))


def test_offline_says_so_after_one_short_attempt_without_downloading(tmp_path, monkeypatch):
    attempts = []

    def refuse(address, timeout=None, *args, **kwargs):
        attempts.append((address[0], timeout))
        raise OSError("Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: pytest.fail("urlopen while unreachable"))
    with pytest.raises(backbone.WeightsUnavailableError) as caught:
        backbone.download_weights(tmp_path)
    assert attempts == [("download.pytorch.org", downloads.REACHABILITY_TIMEOUT)]
    message = str(caught.value)
    assert backbone.PREFETCH_COMMAND in message and "could not be reached within 3 s" in message
    assert "Every other page works offline" in message and isinstance(caught.value, ValueError)


class _Explodes:
    ran = False

    def __reduce__(self):
        return (_mark_ran, ())


def _mark_ran():
    _Explodes.ran = True
    return {}


def test_a_file_that_is_not_plain_weights_is_never_unpickled(tmp_path):
    url = backbone.WEIGHTS_URL
    path = backbone.weights_path(tmp_path, url)
    path.parent.mkdir(parents=True)
    torch.save({"features.0.weight": _Explodes()}, path)
    with pytest.raises(backbone.WeightsUnavailableError, match="could not be read"):
        backbone.build(pretrained=True, root=tmp_path)
    assert not _Explodes.ran
    path.write_bytes(b"not a torch file")
    with pytest.raises(backbone.WeightsUnavailableError, match="delete it"):
        backbone.build(pretrained=True, root=tmp_path)


def test_the_prefetch_script_fills_the_cache_folder(tmp_path, weights_server):
    base, name, _ = weights_server
    cache = tmp_path / "cache"
    command = [sys.executable, "scripts/prefetch_weights.py", "--cache-dir", str(cache), "--url", f"{base}/{name}"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (cache / "weights" / name).is_file() and "100 %" in done.stdout
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "Already there" in again.stdout
