"""The Feature maps page's "Your kernel inside the network": a kernel (the Kernels page's, a preset, or typed) in
place of one of conv1's learned filters; the map before and after, the same map from the Kernels page's own
convolution code, the prediction and the test accuracy with it."""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer.images import kernels
from explorer.interpret import activations
from ui import common, fmaps_parts, inspect_jobs, inspect_worker
from ui.cached import feature_maps as cached
from ui.inspect_input import InputImage
from ui.inspect_model import Inspected

SWAP_KEY = "fmaps.swap_filter"
ACCURACY_LABEL = "Measuring the test accuracy"
BIG_DROP = 0.05  # a fall of the test accuracy worth explaining (5 points)


def _accuracy(inspected: Inspected, index: int, fitted: np.ndarray) -> tuple[float | None, bool]:
    """The test accuracy with the kernel in place (None while a worker measures it; it then shows its
    progress and reruns the page), and whether it is known at all (a test set)."""
    test, trained = inspected.test, inspected.trained
    if test is None or inspected.evaluation is None:
        return None, False
    key = cached.kernel_key(fitted)
    test_key = f"{trained.token} {test.name}"
    if cached.in_server(test.images):
        return cached.swapped_accuracy(
            trained.token, test_key, index, key, trained.model, test.images, test.labels
        ), True
    call = inspect_worker.Call(
        "activations.swapped_accuracy",
        key=("fmaps swap", trained.token, test_key, index, key),
        model=cached.model_ref(trained.token, trained),
        args=(test.images, test.labels),
        kwargs={"index": index, "kernel": fitted},
    )
    accuracy, view = inspect_jobs.result(call, label=ACCURACY_LABEL)
    if view is not None:
        inspect_jobs.wait(call, view, label=ACCURACY_LABEL)
    return accuracy, True


def show(inspected: Inspected, chosen: InputImage, *, first_layer: str) -> tuple[int, np.ndarray | None]:
    """Draw the section; return the filter replaced and the kernel put there (conv1's size; None when a typed
    kernel can't be read)."""
    trained = inspected.trained
    token = trained.token
    count, _, kh, kw = activations.conv1_filters(trained.model).shape
    st.session_state[SWAP_KEY] = min(int(st.session_state.get(SWAP_KEY, 0)), count - 1)
    kernel_column, effect_column = st.columns([1.0, 2.0], gap="large")
    with kernel_column:
        index = int(st.number_input("Filter to replace", 0, count - 1, step=1, key=SWAP_KEY))
        chosen_kernel = fmaps_parts.choose_kernel((kh, kw))
    if chosen_kernel is None:
        return index, None
    given, fitted, origin = chosen_kernel
    with kernel_column:
        if given.shape != fitted.shape:
            st.caption(
                f"{common.plain(origin).capitalize()} is {given.shape[0]}×{given.shape[1]}; conv1's filters are "
                f"{kh}×{kw}, so it is padded with zeros or cut around its centre."
            )
        fmaps_parts.show_kernel(fitted)
    with effect_column, fmaps_parts.not_for_this_network("Your kernel inside the network"):
        result = cached.swap(token, chosen.key, index, cached.kernel_key(fitted), trained.model, chosen.image)
        learned_column, yours_column = st.columns(2)
        learned_column.image(
            cached.map_picture(token, chosen.key, "learned", index, result.learned, 0.0),
            width=cached.big_width(result.learned.shape),
            caption=f"The learned filter {index}'s map: from {result.learned.min():.3g} to {result.learned.max():.3g}",
        )
        yours_column.image(
            cached.map_picture(token, chosen.key, f"kernel {kernels.to_text(fitted)}", index, result.yours, 0.0),
            width=cached.big_width(result.yours.shape),
            caption=f"With {common.plain(origin)} in its place: from {result.yours.min():.3g} to "
            f"{result.yours.max():.3g}",
        )
        st.caption(
            f"Each map on its own colour scale. The Kernels page's own convolution code gives the same map for your "
            f"kernel (largest difference {result.difference:.1g}): inside {common.plain(first_layer)} the network does "
            "exactly the sliding sum you built there."
        )
        names = trained.class_names
        before, after = int(np.argmax(result.before)), int(np.argmax(result.after))
        prediction_column, accuracy_column = st.columns(2)
        prediction_column.markdown(
            f"**Prediction for this picture:** {common.plain(names[after])} ({result.after[after]:.0%})  \n"
            f"The learned network said {common.plain(names[before])} ({result.before[before]:.0%})."
        )
        with accuracy_column:
            accuracy, known = _accuracy(inspected, index, fitted)
        if accuracy is not None and inspected.evaluation is not None:
            accuracy_column.metric(
                "Test accuracy",
                f"{accuracy:.1%}",
                delta=f"{(accuracy - inspected.evaluation.accuracy) * 100:+.1f} points",
            )
        elif not known:
            accuracy_column.caption("This network's test set is not known, so its test accuracy can't be measured.")
        if before != after:
            st.caption("One filter out of many changed the network's answer for this picture.")
        learned = inspected.evaluation.accuracy if inspected.evaluation is not None else None
        if accuracy is not None and learned is not None and learned - accuracy > BIG_DROP:
            st.caption(
                "Why so much, for one filter? The layers after it were trained on the learned filter's outputs: a "
                "batch norm scales them by what it saw in training, and the next convolution weighs them. Your "
                "kernel's outputs are larger or shaped differently, so everything downstream reads them wrong."
            )
    return index, fitted
