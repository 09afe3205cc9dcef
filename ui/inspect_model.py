"""Which network the Inspect pages open up: the session's own (trained on the Train page, or loaded there), a
default model shipped with the app (digits, shapes), or a model file uploaded here.

:func:`choose` draws the choice at the top of a page, with a line saying what the chosen network is (name, data
set, test accuracy, epochs), and returns an :class:`Inspected`. The choice is shared by the section's pages
(``inspect.model``) and kept in the URL as ``model``: ``digits`` and ``shapes`` open the same model for
everyone; a session's own model can't travel in a link, so the link says ``own``, and whoever opens it gets
their own model if they have one, else the default digits model and a sentence saying why.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st

from explorer.data.datasets import Dataset
from explorer.deep import transfer
from explorer.nets import predict_one, recipes
from explorer.nets.evaluation import Evaluation
from ui import common, torch_runtime, urlstate
from ui.cached import train as cached_train
from ui.cached.train import TrainedModel

if TYPE_CHECKING:
    from torch import nn

KINDS = ("session", "digits", "shapes", "upload")
LABELS = {
    "session": "Your model (from the Train page)",
    "digits": "Default: digits 8×8",
    "shapes": "Default: shapes 28×28",
    "upload": "A model file",
}
CHOICE_KEY = "inspect.model"
UPLOADED_KEY = "inspect.uploaded"  # the uploaded file's TrainedModel
ERROR_KEY = "inspect.model_error"  # why the last uploaded file could not be used
UPLOAD_KEY = "_inspect.model_file"
NOTICE_KEY = "inspect.model_notice"  # a link asked for someone else's own model: say so once
SEEN_KEY = "inspect.own_token"  # the token of the session's own model the pages last switched to
# What a link says for a model that only exists in one browser session.
OWN = "own"


def _parse(text: str) -> str:
    if text == OWN:
        return "session"
    return urlstate.one_of(("digits", "shapes"))(text)


def _format(choice: str) -> str:
    return OWN if choice in ("session", "upload") else choice


PARAMS = (urlstate.Param("model", CHOICE_KEY, "digits", parse=_parse, format=_format),)


@dataclass(frozen=True, eq=False)
class Inspected:
    """The network a page inspects, and what is known about it.

    trained : ``TrainedModel``: ``.model`` (an eval-mode ``nn.Sequential`` shared by the session's reruns and,
        for the defaults, by every session: never train, change or hook it), ``.spec``, ``.class_names``,
        ``.token`` (names the weights exactly: a cache key), ``.snapshots`` (after each epoch trained here).
    test : the test set it is measured on (``images (N, C, H, W) float32``, read-only), None when not known.
    evaluation : its results on ``test`` (None without a test set).
    kind : ``"session"``, ``"digits"``, ``"shapes"`` or ``"upload"``.
    style : how :mod:`explorer.nets.predict_one` turns any picture into this network's input.
    """

    trained: TrainedModel
    test: Dataset | None
    evaluation: Evaluation | None
    kind: str
    style: str

    def describe(self) -> str:
        """One line for people (plain text: a name may come from a user's file): name, data, accuracy, epochs."""
        parts = [self.trained.spec.name]
        if self.evaluation is not None and self.test is not None:
            parts.append(f"test accuracy {self.evaluation.accuracy:.1%} on {self.test.name}")
        epochs = len(self.trained.history) or int(self.trained.metrics.get("epochs", 0))
        if epochs:
            parts.append(f"{epochs} epoch{'s' if epochs != 1 else ''}")
        return " · ".join(parts)

    def epochs_with_weights(self) -> list[int]:
        """The epochs whose network can be rebuilt (:meth:`snapshot_model`), in order; empty for defaults."""
        return [snapshot.epoch for snapshot in self.trained.snapshots if snapshot.weights is not None]

    def snapshot_model(self, epoch: int) -> nn.Sequential:
        """The network as it was after ``epoch`` (eval mode, shared read-only like :attr:`trained`'s);
        ``ValueError`` when that epoch's weights were not kept."""
        for snapshot in self.trained.snapshots:
            if snapshot.epoch == epoch and snapshot.weights is not None:
                return _snapshot_model(self.trained.token, epoch, self.trained)
        raise ValueError(f"epoch {epoch} of this training has no weights kept (epochs: {self.epochs_with_weights()})")


@st.cache_resource(show_spinner=False, max_entries=64)
def _snapshot_model(token: str, epoch: int, _trained: TrainedModel) -> nn.Sequential:
    from explorer.nets import checkpoints

    torch_runtime.configure()
    snapshot = next(s for s in _trained.snapshots if s.epoch == epoch)
    assert snapshot.weights is not None
    return transfer.flat(checkpoints.model_from_weights(_trained.spec, snapshot.weights))


def inspectable(trained: TrainedModel) -> TrainedModel:
    """``trained`` as the Inspect pages use it: a transfer network (the Train page's "start from the pretrained
    backbone") with its trunk's layers laid out flat (``explorer.deep.transfer.flat``, the same modules), so
    its feature maps, conv1 filters and Grad-CAM layers are SqueezeNet's; any other network as it is."""
    model = transfer.flat(trained.model)
    return trained if model is trained.model else dataclasses.replace(trained, model=model)


@st.cache_resource(show_spinner=False)
def default_test(name: str) -> Dataset:
    """The test split the default model ``name`` was measured on (``recipes.RECIPES[name]``), shared read-only."""
    return recipes.RECIPES[name].data()[1]


@st.cache_resource(show_spinner=False)
def default_model(name: str) -> TrainedModel:
    """The default model ``name`` as a ``TrainedModel`` (``ValueError``/``OSError`` if its file is damaged)."""
    checkpoint = cached_train.default_checkpoint(name)
    trained = cached_train.from_checkpoint(
        checkpoint, token=f"default {name}", source=f"the default {name} model shipped with the app"
    )
    curve = trained.metrics.get("test_accuracy_curve")
    if isinstance(curve, list) and "epochs" not in trained.metrics:
        trained.metrics["epochs"] = len(curve)
    return trained


def _matching_test(trained: TrainedModel) -> tuple[Dataset | None, str]:
    """A test set for a model without one (an upload): a default model's, when the input and classes match."""
    for name in recipes.RECIPES:
        test = default_test(name)
        if tuple(trained.spec.input_shape) == test.image_shape and tuple(trained.class_names) == tuple(
            test.class_names
        ):
            return test, f"default {name} test"
    return None, ""


def _evaluation(trained: TrainedModel, test: Dataset | None, dataset_key: str) -> Evaluation | None:
    if test is None:
        return None
    if trained.evaluation is not None and trained.test is test:
        return trained.evaluation
    return cached_train.evaluate(trained.token, dataset_key, trained.model, test)


def _take_upload() -> None:
    """``on_change`` of the model uploader: the file becomes the uploaded model, or an error message."""
    st.session_state[ERROR_KEY] = ""
    upload = st.session_state.get(UPLOAD_KEY)
    if upload is None:
        return
    try:
        st.session_state[UPLOADED_KEY] = cached_train.load_uploaded(upload.getvalue(), upload.name)
    except ValueError as error:
        st.session_state[ERROR_KEY] = f"This file can't be used as a model: {error}"


def _resolve(choice: str, own: TrainedModel | None) -> tuple[TrainedModel | None, Dataset | None, str]:
    """``(model, test, dataset_key)`` for a choice (model None: nothing usable yet, the page has said why)."""
    if choice == "session":
        assert own is not None
        if own.test is not None:
            return own, own.test, f"{own.token} test"
        test, key = _matching_test(own)
        return own, test, key
    if choice == "upload":
        uploaded = st.session_state.get(UPLOADED_KEY)
        if st.session_state.get(ERROR_KEY):
            st.error(common.plain(st.session_state[ERROR_KEY]))
        if uploaded is None:
            st.info(
                "Upload a network saved from the Train page (a .safetensors file). Its test set is known when it "
                "was trained on the digits or shapes of a default model; otherwise use the sidebar picture, an "
                "upload or a drawing as its input."
            )
            return None, None, ""
        test, key = _matching_test(uploaded)
        return uploaded, test, key
    try:
        return default_model(choice), default_test(choice), f"default {choice} test"
    except (ValueError, OSError) as error:  # a missing or damaged file in assets/models
        st.error(f"The default {choice} model could not be loaded: {common.plain(error)}")
        return None, None, ""


def choose() -> Inspected | None:
    """Draw the model choice and the line describing the chosen model; None when there is nothing to inspect
    yet (the page has said why and should ``st.stop()``). Call it once, near the top of the page."""
    urlstate.restore("inspect", PARAMS)
    own = st.session_state.get(cached_train.MODEL_KEY)
    kinds = [kind for kind in KINDS if kind != "session" or own is not None]
    if own is not None and st.session_state.get(SEEN_KEY) != own.token:  # a network just trained or loaded
        st.session_state[SEEN_KEY] = own.token
        st.session_state[CHOICE_KEY] = "session"
    if st.session_state.get(CHOICE_KEY) not in kinds:  # "own" from a link, or the Train page's model is gone
        if st.session_state.get(CHOICE_KEY) == "session":
            st.session_state[NOTICE_KEY] = True
        st.session_state[CHOICE_KEY] = "digits"
    if st.session_state.pop(NOTICE_KEY, False):
        st.info(
            "The link was made with someone's own network, which stays in their browser session. You see the "
            "default digits network instead; train your own on the Train page to inspect it here."
        )
    choice_column, line_column = st.columns([1.0, 2.4], gap="medium", vertical_alignment="bottom")
    choice = str(choice_column.selectbox("Network to inspect", kinds, key=CHOICE_KEY, format_func=LABELS.__getitem__))
    if choice == "upload":
        st.file_uploader(
            "A network saved from the Train page (.safetensors)",
            type=["safetensors"],
            key=UPLOAD_KEY,
            on_change=_take_upload,
        )
    trained, test, dataset_key = _resolve(choice, own)
    if trained is None:
        return None
    trained = inspectable(trained)
    torch_runtime.configure()
    evaluation = _evaluation(trained, test, dataset_key)
    style = predict_one.style_for(
        trained.spec.input_shape, data_name=test.name if test is not None else None, class_names=trained.class_names
    )
    inspected = Inspected(trained, test, evaluation, choice, style)
    line_column.caption(common.plain(inspected.describe()) + f" — {common.plain(trained.source)}")
    return inspected
