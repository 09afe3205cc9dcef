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
