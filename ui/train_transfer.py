"""The "Train a CNN" page's transfer learning, for your own pictures: the option to start from the pretrained
backbone, the network it trains (the frozen SqueezeNet trunk and a new last layer, ``explorer.deep.transfer``),
what it needs when the weights are missing, and the comparison of the session's trainings on the same pictures:
from the pretrained backbone against from scratch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from explorer.deep import backbone, transfer
from explorer.nets import architecture
from ui import backbone_weights, common, layer_editor

if TYPE_CHECKING:
    from ui.cached.train import TrainingRun

OPTION_KEY = "train.pretrained"
# {split key: {"pretrained" | "scratch": Outcome}}: the session's finished trainings per split of its pictures.
RESULTS_KEY = "train.transfer_results"
MAX_SPLITS_KEPT = 8  # a session tries a few sets of pictures; older ones are forgotten


@dataclass(frozen=True)
class Outcome:
    """A finished training, as the comparison shows it."""

    network: str
    learned: int
    epochs: int
    test_accuracy: float
    seconds: float


def option(own: bool) -> bool:
    """The toggle "start from the pretrained backbone" (drawn for your own pictures only); whether it is on."""
    if not own:
        return False
    return bool(
        st.toggle(
            "Start from a network pretrained on ImageNet (transfer learning)",
            key=OPTION_KEY,
            help=f"{backbone.TITLE}: its trunk stays frozen, and only a new last layer learns your classes.",
        )
    )


def explain() -> None:
    """What the transfer network is, in a few sentences (beside its summary)."""
    st.markdown(
        f"**Transfer learning.** Instead of a small network that learns everything from your pictures, this "
        f"starts from {backbone.TITLE}, which has already learned, from 1.2 million photos, filters for edges, "
        f"textures and object parts. Its trunk stays **frozen**: every picture is enlarged to "
        f"{transfer.DEFAULT_SIZE}×{transfer.DEFAULT_SIZE} pixels and goes through it once, giving 512 numbers "
        "(its deep features, averaged over the picture). Only a **new last layer** learns, from those 512 numbers "
        "to your classes: a few thousand weights instead of hundreds of thousands, so it needs few pictures and "
        "trains in seconds."
    )
    st.caption(
        "The network from scratch (the table when this option is off) stays as you left it: train both on the "
        "same pictures and compare them below the results. Augmentation makes every epoch run the pictures "
        "through the backbone again: much slower."
    )


def network(planned_shape: tuple[int, int, int], classes: int) -> tuple[architecture.ArchitectureSpec | None, bool]:
    """The transfer network for the planned pictures, its summary drawn; and whether the pretrained weights are
    here (when not, the notice of what they need is drawn, or the download button: ``ui.backbone_weights``)."""
    spec = transfer.spec(planned_shape, classes)
    layer_editor.summary_table(spec)
    return spec, backbone_weights.model_or_notice(key="train") is not None


def initial_weights(spec: architecture.ArchitectureSpec, seed: int):
    """The weights the training starts from (the shared pretrained network's trunk, a new last layer from the
    seed); None when the weights are not in the cache folder any more."""
    model = backbone_weights.shared_model()
    if model is None:
        return None
    return transfer.initial_weights(spec, model, seed=seed)


def is_transfer(spec: architecture.ArchitectureSpec) -> bool:
    return isinstance(spec.layers[0], architecture.Backbone)


def record(split_key: str, run: TrainingRun, seconds: float) -> None:
    """Keep a finished training's outcome for the comparison of its split (the latest of each kind)."""
    if not run.history:
        return
    results: dict[str, dict[str, Outcome]] = st.session_state.setdefault(RESULTS_KEY, {})
    spec = run.request.spec
    kind = "pretrained" if is_transfer(spec) else "scratch"
    results.setdefault(split_key, {})[kind] = Outcome(
        spec.name, architecture.count_trainable(spec), len(run.history), run.history[-1].test_accuracy, seconds
    )
    while len(results) > MAX_SPLITS_KEPT:
        results.pop(next(iter(results)))


def comparison(split_key: str | None) -> None:
    """The session's latest training of each kind on this split of its pictures, and what to expect."""
    st.subheader("Pretrained or from scratch?")
    outcomes = st.session_state.get(RESULTS_KEY, {}).get(split_key, {}) if split_key else {}
    labels = {"pretrained": "pretrained backbone + new last layer", "scratch": "from scratch"}
    if outcomes:
        st.dataframe(
            pd.DataFrame(
                {
                    "start": [labels[kind] for kind in outcomes],
                    "network": [outcome.network for outcome in outcomes.values()],
                    "numbers learned": [f"{outcome.learned:,}" for outcome in outcomes.values()],
                    "epochs": [outcome.epochs for outcome in outcomes.values()],
                    "test accuracy": [f"{outcome.test_accuracy:.1%}" for outcome in outcomes.values()],
                    "seconds": [f"{outcome.seconds:,.1f}" for outcome in outcomes.values()],
                }
            ),
            hide_index=True,
        )
    how = {
        "pretrained": "**from the pretrained backbone** (the option in step 2 on)",
        "scratch": "**from scratch** (off)",
    }
    missing = [how[kind] for kind in how if kind not in outcomes]
    if missing:  # fixed texts only: no user text in this Markdown
        st.caption("Train a network on these pictures " + " and ".join(missing) + " to fill this table.")
    st.markdown(
        "What to expect: with a few dozen pictures per class, the pretrained start usually wins clearly, and "
        "from its first epochs. Its features were learned from a million photos, so "
        "your pictures only have to teach it which of its 512 features go with which class; a network from "
        "scratch must learn its filters from your few pictures too, and it memorises them instead. The gap "
        "narrows with thousands of pictures per class, or when your pictures look nothing like photos "
        "(drawings on a white page, the 8×8 digits)."
    )
    common.check_yourself(
        "The pretrained start learns 513 numbers per class (512 weights and a bias); the small CNN from "
        "scratch learns tens of thousands. Why can the pretrained one get by with ten pictures per class, and "
        "when would you rather train from scratch (or unfreeze the backbone)?",
        "Its 512 features already say a lot about any photo (edges, textures, colours, object parts), so ten "
        "pictures are enough to learn which features go with which class: few numbers, little to memorise. "
        "Train from scratch (or unfreeze and fine-tune the backbone, with many pictures) when your pictures look "
        "nothing like ImageNet's photos, such as spectrograms, X-rays or 8×8 digits, where its features don't fit.",
        key="train.transfer_check",
    )
