"""Small readers and setters shared by the AppTests (the ``open_page`` fixture is in ``conftest.py``)."""

from __future__ import annotations

import numpy as np


def ok(at):
    """``at`` after checking that its run raised no exception (the exceptions are the failure message)."""
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at, label: str) -> str:
    """The value of the ``st.metric`` labelled ``label``, or else of the one whose label starts with it."""
    exact = [m for m in at.metric if m.label == label]
    (found,) = exact or [m for m in at.metric if m.label.startswith(label)]
    return found.value


def image_captions(at) -> list[str]:
    """The captions of every picture drawn with ``st.image``, in page order."""
    return [img.caption for element in at.get("image") for img in element.proto.imgs]


def image(at, caption_start: str):
    """The one ``st.image`` element whose (first) caption starts with ``caption_start``; fails listing every
    caption if there is none or more than one."""
    found = [
        element for element in at.get("image") if element.captions and element.captions[0].startswith(caption_start)
    ]
    assert len(found) == 1, (caption_start, [element.captions for element in at.get("image")])
    return found[0]


def image_url(at, caption_start: str) -> str:
    """Media URL of the picture captioned ``caption_start...`` (it changes when the picture does)."""
    return image(at, caption_start).value[0]


def image_caption(at, caption_start: str) -> str:
    """The whole caption of the picture whose caption starts with ``caption_start``."""
    return image(at, caption_start).captions[0]


def use_own_image(at, image: np.ndarray, name: str):
    """Put ``image`` in the session as if it had been uploaded (the picker keeps it while no new file
    comes) and rerun. Real upload ids are content hashes: give each test image its own ``name``, since
    caches outlive an AppTest."""
    at.session_state["shared.source"] = "Upload"
    at.session_state["shared.user_images"] = {f"upload:{name}": image}
    at.session_state["shared.image_id"] = f"upload:{name}"
    return ok(at.run())


def run_fragments(at):
    """Rerun only the fragments the last run drew, as the browser does when a fragment's timer fires
    (``st.fragment(run_every=...)``, the Train page's live panel) or a widget inside one changes: the router
    doesn't run. AppTest has no public way to do this, so its request gets the fragments' ids (what the
    browser sends). The returned tree holds only what the fragments drew."""
    import functools

    from streamlit.testing.v1 import local_script_runner

    fragment_ids = list(at._fragment_storage._fragments)
    assert fragment_ids, "the last run drew no fragment"
    request = local_script_runner.RerunData
    local_script_runner.RerunData = functools.partial(request, fragment_id_queue=fragment_ids, is_auto_rerun=True)
    try:
        return ok(at._run(at._tree.get_widget_states()))
    finally:
        local_script_runner.RerunData = request


def switch_page_as_a_browser(at, page: str):
    """Switch to ``page`` and run it the way a click on a sidebar link does in a browser: the request carries
    no widget values (``AppTest.switch_page(...).run()`` sends the old page's, which keeps them alive)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    at.switch_page(page)
    return ok(at._run(WidgetStates()))


def model_state(model) -> str:
    """A digest of everything inspection must leave alone: the weights (by name), every module's train/eval
    mode and the number of forward hooks. Equal before and after a page's run = the model was not changed."""
    import hashlib

    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    modes = tuple(module.training for module in model.modules())
    hooks = sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())
    return f"{digest.hexdigest()} {modes} {hooks}"


_TRAINED: list = []


def trained_in_session():
    """A ``TrainedModel`` made as the Train page makes it: the Digits CNN 8×8 trained 3 epochs on the digits
    through the page's job API (``ui.cached.train.start_training``, a worker process), then
    ``trained_model``, with its snapshots (the weights of every epoch). Trained once per test process; put it
    in ``at.session_state["train.model"]`` to inspect "your model"."""
    if not _TRAINED:
        from explorer.nets.recipes import DEFAULT_DIGITS_RECIPE
        from explorer.nets.training import TrainConfig
        from ui.cached import train as cached

        train, test = DEFAULT_DIGITS_RECIPE.data()
        config = TrainConfig(learning_rate=0.003, batch_size=32, epochs=3, seed=0)
        job = cached.start_training(DEFAULT_DIGITS_RECIPE.spec, train, test, config, title="Digits 8×8")
        assert job.join(timeout=300), "the training did not finish"
        view = job.view()
        assert view.status == "done" and view.value is not None, view.message
        _TRAINED.append(cached.trained_model(view.value, job.id))
    return _TRAINED[0]
