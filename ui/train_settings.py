"""The "Train a CNN" page's settings: what its link carries (:data:`PARAMS`), and the augmentation and
optimiser widgets of "How to train" with the preview of augmented images."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from explorer.core import resize
from explorer.data import own_images
from explorer.data.datasets import Dataset
from explorer.nets import augment, layer_table, training
from ui import common, urlstate
from ui.cached import train as cached
from ui.train_data import DATASETS, MAX_OWN_CLASSES, OWN_SIZES, PER_CLASS_CHOICES

LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
BATCH_SIZES = (8, 16, 32, 64, 128, 256)
WEIGHT_DECAYS = (0.0, 0.00001, 0.0001, 0.001, 0.01)
# Epochs per start (or per "continue"): a few minutes at most on the bigger sets, so a slot frees soon.
MAX_EPOCHS_PER_RUN = 30
MAX_SEED = 9999
MAX_ROTATION = 45  # degrees; further, a 6 becomes a 9


def _choice(options: tuple[float, ...]) -> Callable[[str], float]:
    """Parser for one of a tuple of numbers given in the URL as text."""
    texts = {f"{option:g}": option for option in options}

    def parse(text: str) -> float:
        if text not in texts:
            raise ValueError(f"expected one of {', '.join(texts)}; got {text!r}")
        return texts[text]

    return parse


# A newcomer's first Start (every default below): the shipped digits model's network (layer_table.DIGITS_CNN)
# on the 8×8 digits, Adam at 0.001 (its usual rate), batches of 8 for 30 epochs. Measured on our 2-core server,
# quiet, training in a worker process: 9.2 s from Start to "Training finished" seen in the page (12.6 s for the
# first training of a fresh server, whose worker was still starting), 9.0-9.7 s of Trainer.run alone on one
# torch thread, test accuracy 98.3-98.6 % over 3 seeds and never below 98.1 % in the second half; the curves
# get about three epochs a second. Batches of 8 (180 steps an epoch) rather than 32 make each epoch long enough
# to watch. 20 epochs were over in 6 s; 40 (11.7 s) let one seed's test accuracy dip to 53 % for an epoch, so
# the run stops at 30 (the slider's end), just under 10 s when the server is idle. The old defaults (Small CNN,
# batch 32, 10 epochs): 2.3 s, 91.6 %.
DEFAULT_NETWORK = layer_table.DIGITS_CNN
DEFAULT_BATCH = 8
DEFAULT_EPOCHS = 30

PARAMS = (
    urlstate.Param("data", "train.dataset", "digits8", parse=urlstate.one_of(tuple(DATASETS))),
    urlstate.Param("per_class", "train.per_class", 300, parse=_choice(PER_CLASS_CHOICES)),
    urlstate.Param("test", "train.test_pct", 20, parse=urlstate.int_in(10, 50)),
    urlstate.Param("net", "train.preset", DEFAULT_NETWORK, parse=urlstate.one_of(layer_table.TABLE_PRESETS)),
    urlstate.Param("opt", "train.optimizer", "adam", parse=urlstate.one_of(training.OPTIMIZERS)),
    urlstate.Param("lr", "train.lr", 0.001, parse=_choice(LEARNING_RATES), format=lambda v: f"{v:g}"),
    urlstate.Param("momentum", "train.momentum", 0.9, parse=urlstate.float_in(0.0, 0.99)),
    urlstate.Param("batch", "train.batch", DEFAULT_BATCH, parse=_choice(BATCH_SIZES)),
    urlstate.Param("epochs", "train.epochs", DEFAULT_EPOCHS, parse=urlstate.int_in(1, MAX_EPOCHS_PER_RUN)),
    urlstate.Param("wd", "train.wd", 0.0, parse=_choice(WEIGHT_DECAYS), format=lambda v: f"{v:g}"),
    urlstate.Param("seed", "train.seed", 0, parse=urlstate.int_in(0, MAX_SEED)),
    urlstate.Param("hflip", "train.hflip", False, parse=urlstate.boolean, format=urlstate.format_bool),
    urlstate.Param("vflip", "train.vflip", False, parse=urlstate.boolean, format=urlstate.format_bool),
    urlstate.Param("rotate", "train.rotation", 0, parse=urlstate.int_in(0, MAX_ROTATION)),
    urlstate.Param("shift", "train.shift", 0.0, parse=urlstate.float_in(0.0, 0.3)),
    urlstate.Param("noise", "train.noise", 0.0, parse=urlstate.float_in(0.0, 0.3)),
    urlstate.Param("erase", "train.erasing", 0.0, parse=urlstate.float_in(0.0, 1.0)),
    # Your own images: the pictures stay with whoever uploads them; the link carries how they are read,
    # so an instructor can share e.g. three named classes to fill with the camera.
    urlstate.Param("own", "train.own_mode", "zip", parse=urlstate.one_of(("zip", "classes"))),
    urlstate.Param("own_size", "train.own_size", 32, parse=_choice(OWN_SIZES)),
    urlstate.Param("own_color", "train.own_color", True, parse=urlstate.boolean, format=urlstate.format_bool),
    urlstate.Param(
        "classes",
        "train.own_classes",
        own_images.MIN_CLASSES,
        parse=urlstate.int_in(own_images.MIN_CLASSES, MAX_OWN_CLASSES),
    ),
    urlstate.Param("camera", "train.use_camera", False, parse=urlstate.boolean, format=urlstate.format_bool),
    # Transfer learning (your own pictures only): start from the pretrained backbone (ui.train_transfer).
    urlstate.Param("pretrained", "train.pretrained", False, parse=urlstate.boolean, format=urlstate.format_bool),
    *(
        urlstate.Param(f"class{index + 1}", f"train.own_name{index}", "", parse=own_images.clean_class_name)
        for index in range(MAX_OWN_CLASSES)
    ),
)


# Every setting's default, by session key: what a first visit shows (and what a first Start trains with).
DEFAULTS: dict[str, Any] = {param.key: param.default for param in PARAMS}
# Settings by session key: DEFAULTS, or st.session_state (whose keys may also be ints, hence Any).
Settings = Mapping[Any, Any]


def augment_config(values: Settings) -> augment.AugmentConfig:
    """The augmentation of the settings ``values`` (session keys of :data:`PARAMS`, e.g. ``st.session_state``)."""
    return augment.AugmentConfig(
        hflip=bool(values["train.hflip"]),
        vflip=bool(values["train.vflip"]),
        rotation_deg=float(values["train.rotation"]),
        shift=float(values["train.shift"]),
        noise_std=float(values["train.noise"]),
        erasing_p=float(values["train.erasing"]),
    )


def config_from(values: Settings) -> training.TrainConfig:
    """The :class:`TrainConfig` of the settings ``values`` (session keys of :data:`PARAMS`); ``ValueError`` if
    one doesn't fit."""
    return training.TrainConfig(
        optimizer=str(values["train.optimizer"]),
        learning_rate=float(values["train.lr"]),
        momentum=float(values["train.momentum"]),
        batch_size=int(values["train.batch"]),
        epochs=int(values["train.epochs"]),
        weight_decay=float(values["train.wd"]),
        seed=int(values["train.seed"]),
        augment=augment_config(values),
    )


def choose_augmentation() -> augment.AugmentConfig:
    """The augmentation widgets; their settings."""
    st.markdown("**Augmentation**: random changes to each training image, new every epoch.")
    flips = st.columns(2)
    flips[0].toggle("Mirror left–right", key="train.hflip")
    flips[1].toggle("Mirror top–bottom", key="train.vflip")
    st.slider("Rotate up to (degrees)", 0, MAX_ROTATION, key="train.rotation")
    st.slider("Shift up to (share of the size)", 0.0, 0.3, step=0.05, key="train.shift")
    st.slider("Noise (standard deviation)", 0.0, 0.3, step=0.05, key="train.noise")
    st.slider("Erase a patch (probability)", 0.0, 1.0, step=0.1, key="train.erasing")
    return augment_config(st.session_state)


def choose_optimizer() -> str:
    """The optimiser, learning rate, momentum, batch size, epochs, weight decay and seed widgets; the optimiser."""
    st.markdown("**Optimiser**: how each step changes the weights.")
    optimizer = st.radio(
        "Optimiser",
        training.OPTIMIZERS,
        key="train.optimizer",
        horizontal=True,
        format_func={"adam": "Adam", "sgd": "SGD with momentum"}.get,
    )
    st.select_slider("Learning rate", LEARNING_RATES, key="train.lr", format_func=lambda v: f"{v:g}")
    st.slider("Momentum (SGD)", 0.0, 0.99, step=0.01, key="train.momentum", disabled=optimizer != "sgd")
    numbers = st.columns(2)
    numbers[0].select_slider("Batch size", BATCH_SIZES, key="train.batch")
    numbers[1].slider("Epochs", 1, MAX_EPOCHS_PER_RUN, key="train.epochs")
    numbers = st.columns(2)
    numbers[0].select_slider("Weight decay", WEIGHT_DECAYS, key="train.wd", format_func=lambda v: f"{v:g}")
    numbers[1].number_input(
        "Seed",
        0,
        MAX_SEED,
        step=1,
        key="train.seed",
        help="The same seed gives the same split, starting weights and batch order.",
    )
    return optimizer


def show_augmentation(dataset_key: str, config: augment.AugmentConfig, seed: int, train: Dataset) -> None:
    """The first training images as they are and as one epoch might see them, about 96 screen pixels each."""
    originals, changed = cached.augmented(dataset_key, config, seed, train)
    st.caption("The first training images as they are (top) and as one epoch might see them (bottom).")
    scale = resize.screen_factor(originals.shape[1], target=96)  # about 96 screen pixels a picture
    st.image([resize.enlarge(p, factor=scale) for p in originals], output_format="PNG")
    st.image([resize.enlarge(p, factor=scale) for p in changed], output_format="PNG")


def train_config() -> training.TrainConfig:
    """The :class:`TrainConfig` of the widgets' settings (a setting that doesn't fit stops the page)."""
    with common.user_errors():
        return config_from(st.session_state)
