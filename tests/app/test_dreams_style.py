"""AppTests of "Dreams and style": the offline notice (the dream then runs on a small network), and with fake
pretrained weights (torchvision's SqueezeNet 1.1 with random weights, saved where the real ones would be) a dream
and a style transfer running to the end through the server's queue in a real worker process, and Stop."""

from __future__ import annotations

import threading

import numpy as np

from explorer.deep import backbone
from ui import dream_worker
from ui import training_jobs as tj
from ui.cached import dreams_style as cached

PAGE = "app_pages/dreams_style.py"
JOB_S = 180  # a cold worker imports torch and builds the network first


def finish(at, timeout=JOB_S):
    job = at.session_state["dreams.job"]
    assert job.join(timeout), "the job did not end in time"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return job.view()


def texts(at):
    return " ".join([m.value for m in at.markdown] + [i.value for i in at.info] + [c.value for c in at.caption])


def test_offline_the_page_says_what_it_needs_and_dreams_on_a_small_network(open_page, offline):
    at = open_page(PAGE)
    assert at.title[0].value == "Dreams and style"
    assert "one-time download" in texts(at) and backbone.PREFETCH_COMMAND in texts(at)
    network = at.selectbox(key="dreams.network")
    assert "pretrained" not in network.options and network.value == "shapes"
    assert "rough" in texts(at)
    at.slider(key="dreams.octaves").set_value(2)
    at.slider(key="dreams.steps").set_value(2)
    at.select_slider(key="dreams.size").set_value(128)
    at.run()
    at.button(key="_dreams.start_dream").click().run()
    assert not at.exception
    view = finish(at)
    assert view.status == tj.DONE, view.message
    outcome = view.value
    assert outcome.kind == "dream" and outcome.finished.steps == 4
    assert outcome.finished.picture.shape[:2] == (128, 128)
    assert not at.error
    # the style transfer explains what it needs and can't start
    at.session_state["dreams.mode"] = "style"
    at.run()
    assert "needs the pretrained network" in texts(at)
    assert at.button(key="_dreams.start_style").disabled


def test_with_weights_a_dream_and_a_style_transfer_run_to_the_end_through_the_queue(open_page, fake_weights, caplog):
    at = open_page(PAGE)
    assert "one-time download" not in texts(at)
    assert at.selectbox(key="dreams.network").value == "pretrained"
    assert at.selectbox(key="dreams.layer").value == "fire5"
    at.slider(key="dreams.octaves").set_value(2)
    at.slider(key="dreams.steps").set_value(3)
    at.select_slider(key="dreams.size").set_value(128)
    at.run()
    at.button(key="_dreams.start_dream").click().run()
    assert at.button(key="_dreams.start_dream").disabled  # one job per session
    view = finish(at)
    assert view.status == tj.DONE, view.message
    dreamed = view.value.finished
    assert dreamed.steps == 6 and dreamed.picture.shape == (128, 128, 3) and dreamed.picture.dtype == np.uint8
    assert len(dreamed.losses["activation"]) == 6
    assert not at.button(key="_dreams.start_dream").disabled

    at.session_state["dreams.mode"] = "style"
    at.run()
    at.select_slider(key="dreams.style_size").set_value(128)
    at.slider(key="dreams.style_steps").set_value(20)
    at.run()
    at.button(key="_dreams.start_style").click().run()
    view = finish(at)
    assert view.status == tj.DONE, view.message
    result = view.value.finished
    assert result.steps == 20 and result.picture.shape == (128, 128, 3)
    assert result.losses["style"][-1] < result.losses["style"][0]
    assert set(result.grams) == {"style", "content", "result"} and result.grams["style"].shape == (64, 64)
    assert "Gram matrices of conv1" in texts(at)
    assert not at.error


def test_stop_ends_a_running_style_transfer(open_page, fake_weights):
    at = open_page(PAGE)
    at.session_state["dreams.mode"] = "style"
    at.run()
    at.slider(key="dreams.style_steps").set_value(400)
    at.run()
    at.button(key="_dreams.start_style").click().run()
    job = at.session_state["dreams.job"]
    for _ in range(JOB_S * 10):  # wait until it has left the line and reported a frame
        if isinstance(job.view().progress, cached.LiveState):
            break
        job.join(0.1)
    at.run()
    at.button(key="_dreams.stop_style").click().run()
    view = finish(at, timeout=60)
    assert view.status == tj.STOPPED
    assert 0 < view.value.finished.steps < 400 and view.value.finished.stopped


def test_a_running_dream_shows_its_picture_progress_and_stop(open_page, offline):
    at = open_page(PAGE)
    release = threading.Event()
    live = cached.LiveState("dream", 3, 40, np.full((64, 64, 3), 128, np.uint8), {"activation": (1.0, 1.5, 2.0)})

    def work(control):
        control.report(live)
        while not release.wait(0.01):
            if control.should_stop():
                break
        return cached.Outcome(
            "dream", dream_worker.Finished(live.picture, {"activation": np.ones(3)}, 3, True), live.picture, ""
        )

    job = tj.Scheduler(1).submit(work)
    try:
        at.session_state["dreams.job"] = job
        at.run()
        assert not at.exception
        assert any(p.proto.text.startswith("Step 3 of 40") for p in at.get("progress"))
        assert at.button(key="_dreams.start_dream").disabled
        at.button(key="_dreams.stop_dream").click().run()
        assert job.join(5) and job.view().status == tj.STOPPED
        at.run()
        assert not at.exception and not at.button(key="_dreams.start_dream").disabled
    finally:
        release.set()
        job.join(5)


def test_a_job_waiting_for_a_free_slot_shows_its_place_in_line(open_page, offline):
    at = open_page(PAGE)
    release = threading.Event()

    def block(control):
        while not release.wait(0.01) and not control.should_stop():
            pass

    blockers = [tj.SCHEDULER.submit(block) for _ in range(tj.SCHEDULER.max_running)]
    try:
        at.slider(key="dreams.steps").set_value(1)
        at.run()
        at.button(key="_dreams.start_dream").click().run()
        assert not at.exception
        assert "1st in line" in texts(at)
        assert at.button(key="_dreams.stop_dream").label == "Leave the line"
    finally:
        release.set()
        for blocker in blockers:
            blocker.join(5)
    view = finish(at)
    assert view.status == tj.DONE, view.message
