"""AppTests of "Train a CNN" starting from the pretrained backbone (transfer learning, your own pictures), and of
the Inspect pages on the network it trains.

No download ever happens: offline, ``explorer.data.downloads.is_reachable`` is made to say no; "with weights",
a state dict of ``torchvision.models.squeezenet1_1(weights=None)`` (random weights) lies where the real ones
would (only downloads are hash-checked), in a temporary cache folder. With random weights the pretrained start
has no head start: these tests check the mechanics (the network, the job through the queue and its worker, the
frozen trunk, the comparison table, the Inspect pages), not which start wins.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from explorer.deep import backbone
from tests.app.helpers import metric, ok
from ui import train_data, train_transfer

PAGE = "app_pages/train.py"
QUERY = {
    "data": "own",
    "own": "classes",
    "classes": "2",
    "class1": "red",
    "class2": "blue",
    "epochs": "3",
    "batch": "8",
}


def _photo(colour: tuple[int, int, int], position: int) -> bytes:
    picture = np.full((40, 40, 3), 235, np.uint8)
    cv2.circle(picture, (10 + 2 * position, 14 + position), 8 + position % 3, colour, -1)
    ok_, data = cv2.imencode(".png", picture[:, :, ::-1])
    assert ok_
    return data.tobytes()


PICTURES = {
    0: [_photo((220, 40, 40), i) for i in range(8)],
    1: [_photo((40, 40, 220), i) for i in range(8)],
}


def _open_with_pictures(open_page, query=QUERY):
    at = open_page(PAGE, query=query)
    at.session_state[train_data.CAPTURES_KEY] = {index: list(pictures) for index, pictures in PICTURES.items()}
    return ok(at.run())


def _summary(at):
    return next(frame.value for frame in at.dataframe if "output shape" in frame.value.columns)


def test_the_option_is_only_offered_for_your_own_pictures(open_page, offline):
    at = ok(open_page(PAGE))
    assert not [t for t in at.toggle if t.key == train_transfer.OPTION_KEY]
    at = _open_with_pictures(open_page)
    assert at.toggle(key=train_transfer.OPTION_KEY).value is False
    assert metric(at, "Parameters to learn") != "1,026"  # the layer table's network


def test_offline_the_option_says_what_it_needs_and_the_rest_of_the_page_works(open_page, offline):
    at = _open_with_pictures(open_page, {**QUERY, "pretrained": "1"})
    notices = " ".join(i.value for i in at.info)
    assert "one-time download of its weights" in notices and backbone.PREFETCH_COMMAND in notices
    assert at.button(key="_train.start").disabled is True
    assert any(c.value.startswith("Start waits for the pretrained weights") for c in at.caption)
    for title in ("3. How to train", "4. Train", "5. Results", "6. Try your model", "7. Save or load a model"):
        assert title in [h.value for h in at.subheader]
    at.toggle(key=train_transfer.OPTION_KEY).set_value(False).run()
    ok(at)
    assert at.button(key="_train.start").disabled is False
    assert "one-time download" not in " ".join(i.value for i in at.info)


def test_with_weights_a_transfer_training_runs_through_the_queue(open_page, fake_weights):
    at = _open_with_pictures(open_page, {**QUERY, "pretrained": "1"})
    summary = _summary(at)
    assert summary["layer"].iloc[0] == "1. pretrained SqueezeNet, frozen, 128 px"
    assert list(summary["output shape"]) == ["7×7×512", "7×7×512", "1×1×512", "512", "2"]
    assert summary["params"].iloc[0] == "722,496 frozen"  # SqueezeNet 1.1's features
    assert metric(at, "Parameters to learn") == f"{512 * 2 + 2:,}"
    assert not at.info  # nothing missing
    at.button(key="_train.start").click().run()
    ok(at)
    job = at.session_state["train.job"]
    assert job.join(timeout=300), "the training did not finish"
    assert job.view().status == "done", job.view().message
    ok(at.run())
    trained = at.session_state["train.model"]
    assert trained.spec.name == "Pretrained SqueezeNet + new last layer" and len(trained.history) == 3
    # The trunk is the pretrained network's, unchanged by the training.
    reference = backbone.build(pretrained=True, root=fake_weights.parent.parent)
    scale = torch.from_numpy(backbone.STD).view(1, 3, 1, 1)
    torch.testing.assert_close(trained.model[0][1].weight, reference[0].weight / scale)  # conv1, normalising
    assert torch.equal(trained.model[0][13].expand3x3.weight, reference[12].expand3x3.weight)  # fire9
    # The comparison has the pretrained row; the from-scratch row comes with a training with the option off.
    table = next(frame.value for frame in at.dataframe if "start" in frame.value.columns)
    assert list(table["start"]) == ["pretrained backbone + new last layer"]
    assert list(table["numbers learned"]) == ["1,026"]
    assert table["test accuracy"].iloc[0] == f"{trained.history[-1].test_accuracy:.1%}"
    assert any("**from scratch** (off)" in c.value for c in at.caption)
    assert at.button(key="_train.continue").disabled is False


# ------------------------------------------------------------------------------------ the Inspect pages


@pytest.fixture(scope="module")
def transfer_model():
    """A transfer network trained 2 epochs here on the pictures above (random backbone weights), as the Train
    page makes the session's model of a finished job."""
    from explorer.data import own_images
    from explorer.deep import transfer
    from explorer.nets import training
    from ui import training_worker
    from ui.cached import train as cached

    files = {"red": PICTURES[0], "blue": PICTURES[1]}
    train, test = own_images.from_class_files(files, image_size=32, color=True).dataset.split(0.25, seed=0)
    network = transfer.spec(train.image_shape, train.n_classes)
    initial = transfer.initial_weights(network, backbone.build(pretrained=False, seed=3))
    config = training.TrainConfig(epochs=2, batch_size=4)
    trainer = training.Trainer(network, train, test, config, state_dict=transfer.to_state_dict(initial))
    trainer.run()
    request = training_worker.TrainingRequest(network, train, test, config, 2, initial=initial)
    return cached.trained_model(cached.TrainingRun(request, trainer.state(), "Your pictures"), 9001)


INSPECT_PAGES = [
    "app_pages/feature_maps.py",
    "app_pages/attribution.py",
    "app_pages/occlusion.py",
    "app_pages/embeddings.py",
    "app_pages/draw_predict.py",
]


@pytest.mark.parametrize("page", INSPECT_PAGES)
def test_the_inspect_pages_open_the_transfer_network(open_page, transfer_model, page):
    at = open_page("app_pages/home.py")
    at.session_state["train.model"] = transfer_model
    at.switch_page(page).run()
    ok(at)
    assert not at.error, [e.value for e in at.error]
    assert any("Pretrained SqueezeNet + new last layer" in c.value.replace("\\", "") for c in at.caption)


def test_the_code_shown_trains_the_transfer_network(open_page, fake_weights, tmp_path):
    """The "Show the code" of the option runs (a fresh interpreter, the pictures swapped for generated shapes,
    the weights in a cache folder of its own) and trains the network the page describes."""
    import os
    import shutil
    import subprocess
    import sys

    at = _open_with_pictures(open_page, {**QUERY, "pretrained": "1", "epochs": "1"})
    (code,) = [c.value for block in at.expander if block.label == "Show the code" for c in block.code]
    assert "transfer.spec(dataset.image_shape, dataset.n_classes)" in code
    lines = code.splitlines()
    (loader,) = [i for i, line in enumerate(lines) if line.startswith("dataset = own_images.from_class_files(")]
    lines[loader] = "dataset = shapes.make_shapes(6, color=True, seed=0)"
    code = "\n".join(lines) + "\nprint(len(more.history), architecture.count_trainable(spec))\n"
    code = "from explorer.nets import architecture\n" + code
    cache = tmp_path / "xdg"
    target = backbone.weights_path(cache / "vision-explorer")
    target.parent.mkdir(parents=True)
    shutil.copy(fake_weights, target)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONPATH": root, "XDG_CACHE_HOME": str(cache), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-2:] == ["6", f"{512 * 8 + 8}"]  # 1 epoch, then 5 more; 8 shape classes
