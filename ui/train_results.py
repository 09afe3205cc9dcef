"""The "Train a CNN" page's results: a job's status, progress and learning curves, then the model's confusion
matrix (with a cell to look inside), its accuracy per class and its most confident mistakes."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st

from explorer.core import resize
from explorer.data.datasets import Dataset
from explorer.nets import curves, evaluation
from explorer.nets.training import Progress
from ui import common, inspect_input, train_figures, training_jobs
from ui.cached import shared
from ui.cached import train as cached
from ui.train_data import clamped

GALLERY_SIZE = 16  # misclassified test images shown, most confident first
CELL_IMAGES = 16  # test images shown for a chosen cell of the confusion matrix
PNG_MEMO_KEY = "_train.gallery_pngs"  # (test set, {index: PNG bytes}) of the pictures this session has shown
CELL_KEYS = ("train.cell_true", "train.cell_pred")  # the cell to look inside: (true class, predicted class)
CELL_RESULTS_KEY = "train.cell_results"  # which model on which test set last opened a cell
CELL_PICKED_KEY = "train.cell_picked"  # the training (family) during which a cell was picked by hand
CONFUSION_KEY = "_train.confusion"  # the heat map, a widget for its clicks ("_": its state can't be assigned)
EXPLAIN_KEY = "train.explain"  # + ".cell" / ".wrong": a gallery's links to the Attribution page (st.pills)
EXPLAIN_OPEN_KEY = "_train.explain_open"  # the test image a link was clicked for, opened on the next run


def progress_text(progress: Progress) -> str:
    if progress.batch == 0:  # the single pass through a frozen pretrained backbone, before the first batch
        return (
            f"Running every picture through the pretrained backbone once · {progress.images_per_second:,.0f} "
            f"pictures/s · about {progress.eta_seconds:,.0f} s left · then the new last layer trains"
        )
    return (
        f"Epoch {progress.epoch} of {progress.epochs}, batch {progress.batch} of {progress.batches_per_epoch} · "
        f"{progress.images_per_second:,.0f} images/s · about {progress.eta_seconds:,.0f} s left · "
        f"last batch loss {progress.last_loss:.3f}"
    )


def _status(view: training_jobs.JobView[cached.LiveState, cached.TrainingRun], history: Sequence) -> None:
    """One line (or bar) for where the job stands, and Stop / Leave the line while it isn't finished."""
    live = view.progress
    if view.status == training_jobs.QUEUED:
        running, waiting = training_jobs.SCHEDULER.counts()
        st.info(
            f"Waiting for a free training slot: you are **{training_jobs.ordinal(view.position)} in line**. "
            f"This server trains {training_jobs.SCHEDULER.max_running} network(s) at once "
            f"({running} running, {waiting} waiting); yours starts as soon as one finishes."
        )
    elif view.status == training_jobs.RUNNING:
        if live is None:
            st.progress(0.0, text="Starting…")
        else:
            st.progress(min(max(live.progress.fraction_done, 0.0), 1.0), text=progress_text(live.progress))
    elif view.status == training_jobs.DONE:
        last = history[-1] if history else None
        st.success(
            f"Training finished: {len(history)} epoch(s) in {view.seconds:,.1f} s"
            + (f", test accuracy {last.test_accuracy:.1%}." if last else ".")
        )
    elif view.status == training_jobs.STOPPED:
        st.warning(view.message or "Training stopped.")
    elif view.status == training_jobs.DIVERGED:
        st.error(view.message + " A learning rate that is too large makes each step overshoot, and the loss explodes.")
    elif view.status == training_jobs.FAILED:
        st.error(view.message)


def show_job(job: cached.TrainingJob) -> training_jobs.JobView:
    """Status, progress and curves of the job; returns the view of it that was drawn."""
    view = job.view()
    live = view.progress if isinstance(view.progress, cached.LiveState) else None
    run = view.value if isinstance(view.value, cached.TrainingRun) else None
    history = run.history if run is not None else (live.progress.history if live else ())
    _status(view, history)
    if not view.finished:
        # A waiting training has nothing to stop yet: the same button takes it out of the line.
        label = "Leave the line" if view.status == training_jobs.QUEUED else "Stop"
        st.button(label, key="_train.stop", on_click=job.stop, type="primary")
    running = None
    if live is not None and not view.finished and live.progress.batch > 0:  # batch 0: no batch trained yet
        running = curves.unfinished_epoch(live.progress, history)
    if history or running is not None:
        st.plotly_chart(train_figures.curves_figure(curves.learning_curves(history, running)), key="train.curves")
        if running is not None:
            st.caption(
                f"The last training point is epoch {running.epoch} so far (batch {running.batch} of "
                f"{running.batches_per_epoch}); the test curve gets its point when the epoch ends."
            )
    elif not view.finished:
        st.caption("The curves appear once the first batches have trained.")
    return view


def _open_on_worst_cell(matrix: np.ndarray, results: str, family: str) -> None:
    """New results (``results`` names the model and the test set) open on their worst confusion, unless a
    cell was picked by hand during the same training (``family``: the models a training shows after each
    epoch, and the one it ends with)."""
    if st.session_state.get(CELL_RESULTS_KEY) == results:
        return
    st.session_state[CELL_RESULTS_KEY] = results
    if st.session_state.get(CELL_PICKED_KEY) == family:
        return
    worst = evaluation.worst_confusion(matrix)
    cell = worst if worst is not None else (0, 0)  # no mistakes: the first class's right answers
    for key, value in zip(CELL_KEYS, cell):
        st.session_state[key] = value


def _picked_by_hand(family: str) -> None:
    """``on_change`` of the cell choice: the user's cell stays until another training's results appear."""
    st.session_state[CELL_PICKED_KEY] = family


def _clicked_on_the_matrix(class_names: tuple[str, ...], family: str) -> None:
    """``on_select`` of the confusion matrix: a clicked cell becomes the cell to look inside."""
    cell = train_figures.clicked_cell(st.session_state.get(CONFUSION_KEY), class_names)
    if cell is not None:
        for key, value in zip(CELL_KEYS, cell):
            st.session_state[key] = value
        _picked_by_hand(family)


def show_results(
    result: evaluation.Evaluation,
    test: Dataset,
    class_names: tuple[str, ...],
    *,
    results: str,
    family: str,
    explain: bool = False,
) -> None:
    """Confusion matrix (click a cell to look inside it; new results open on their worst confusion),
    per-class accuracy and the most confident mistakes of ``result``, a model's evaluation on ``test``.
    ``results`` names that model and test set; ``family`` the training the model comes from: a cell picked by
    hand stays picked for the models of the same training (after each epoch, and the one it ends with).
    ``explain``: each gallery image gets a link that opens it on the Attribution page (the session's model on
    its own test set, the one the Inspect pages use)."""
    if explain and (index := st.session_state.pop(EXPLAIN_OPEN_KEY, None)) is not None:
        inspect_input.open_test_image("app_pages/attribution.py", index, own_model=True)
    k = len(class_names)
    for key in CELL_KEYS:
        clamped(key, k)
    _open_on_worst_cell(result.matrix, results, family)
    cell = (st.session_state[CELL_KEYS[0]], st.session_state[CELL_KEYS[1]])
    st.markdown(f"**Test accuracy: {result.accuracy:.1%}** on {len(test):,} test images the network never trained on.")
    left, right = st.columns([1.3, 1.0], gap="large")
    with left:
        st.plotly_chart(
            cached.confusion_figure(result.matrix, class_names, cell),
            key=CONFUSION_KEY,
            on_select=functools.partial(_clicked_on_the_matrix, class_names, family),
            selection_mode="points",
        )
    with right:
        per_class = pd.DataFrame(
            {
                "class": list(class_names),
                "test images": result.matrix.sum(axis=1),
                "accuracy": result.per_class,
            }
        )
        st.dataframe(
            per_class,
            hide_index=True,
            column_config={
                "accuracy": st.column_config.ProgressColumn("accuracy", format="percent", min_value=0.0, max_value=1.0)
            },
        )
    st.markdown(
        "**Look inside one cell.** Click a cell of the matrix, or pick a true class and a predicted class, to see "
        "those test images. A new model opens on the pair of classes it mixes up most."
    )
    first, second = st.columns(2)
    true_class = first.selectbox(
        "True class",
        range(k),
        key=CELL_KEYS[0],
        format_func=lambda i: class_names[i],
        on_change=_picked_by_hand,
        args=(family,),
    )
    predicted = second.selectbox(
        "Predicted class",
        range(k),
        key=CELL_KEYS[1],
        format_func=lambda i: class_names[i],
        on_change=_picked_by_hand,
        args=(family,),
    )
    cell_images = evaluation.cell(test.labels, result.predictions, true_class=true_class, predicted=predicted)
    st.caption(
        f"{len(cell_images)} test image(s) in this cell"
        + (f"; the first {CELL_IMAGES} are shown." if len(cell_images) > CELL_IMAGES else ".")
    )
    if len(cell_images):
        _gallery(test, cell_images[:CELL_IMAGES], result, class_names, explain="cell" if explain else None)
    st.markdown("**The most confident mistakes**: test images the network got wrong, surest first.")
    if len(result.wrong) == 0:
        st.caption("No mistakes on the test set.")
    else:
        _gallery(test, result.wrong[:GALLERY_SIZE], result, class_names, explain="wrong" if explain else None)


def _gallery(
    test: Dataset,
    indices: np.ndarray,
    result: evaluation.Evaluation,
    class_names: tuple[str, ...],
    *,
    explain: str | None = None,
) -> None:
    """The test images at ``indices``, about 64 screen pixels each, captioned with their true and predicted
    classes: one element for the whole gallery (the live panel redraws it every second while a network trains,
    and Streamlit's cost is per element)."""
    # Class names may come from a user's folders, and captions are Markdown: escaped, they show as typed.
    captions = [
        common.plain(
            (f"#{index} · " if explain else "")
            + f"true: {class_names[test.labels[index]]} · said: {class_names[result.predictions[index]]} "
            f"({result.confidence[index]:.0%})"
        )
        for index in indices
    ]
    st.image([_picture_png(test, int(index)) for index in indices], caption=captions)
    if explain:  # a link per image: "#17" opens test image 17 on the Attribution page
        key = f"{EXPLAIN_KEY}.{explain}"
        st.pills(
            "Which pixels made it say that? Open one on the Attribution page:",
            [int(index) for index in indices],
            key=key,
            format_func=lambda index: f"#{index}",
            on_change=_explain_clicked,
            args=(key,),
        )


def _explain_clicked(key: str) -> None:
    """``on_change`` of a gallery's links: open that image on the next run (a page can't switch inside a
    callback), and unselect the link so that it works again after coming back."""
    st.session_state[EXPLAIN_OPEN_KEY] = st.session_state[key]
    st.session_state[key] = None


def _picture_png(test: Dataset, index: int) -> bytes:
    """Test image ``index`` enlarged to about 64 screen pixels, as PNG bytes, encoded once per session and test
    set: the live panel draws the same galleries every second while a network trains."""
    memo = st.session_state.get(PNG_MEMO_KEY)
    if memo is None or memo[0] is not test:  # holding the set keeps its id from being reused by another
        memo = (test, {})
        st.session_state[PNG_MEMO_KEY] = memo
    pngs: dict[int, bytes] = memo[1]
    if index not in pngs:
        picture = cached.to_pictures(test.images[index : index + 1])[0]
        scale = resize.screen_factor(picture.shape[0], target=64)
        pngs[index] = shared.encode(resize.enlarge(picture, factor=scale))
    return pngs[index]


def show_model(trained: cached.TrainedModel | None, current_test: tuple[Dataset, str] | None) -> None:
    """The session's model on its own test set, or on the chosen data set's when it fits; else why not."""
    if trained is None:
        st.caption("Train a network (or load one below) to see its confusion matrix and its mistakes.")
        return
    st.caption(f"Model: {common.plain(trained.source)}.")  # may name an uploaded file: plain text
    if trained.test is not None:
        own = trained.evaluation or cached.evaluate(
            trained.token, f"{trained.token} own test", trained.model, trained.test
        )
        show_results(
            own,
            trained.test,
            trained.class_names,
            results=f"{trained.token} own test",
            family=trained.token,
            explain=True,
        )
    elif current_test is None:
        st.info("Choose a data set to test this model on.")
    elif current_test[0].image_shape != trained.spec.input_shape or current_test[0].n_classes != len(
        trained.class_names
    ):
        c, h, w = trained.spec.input_shape
        st.info(
            f"This model takes {h}×{w} {'colour' if c == 3 else 'gray'} images and tells {len(trained.class_names)} "
            "classes apart: choose a data set like that above to test it."
        )
    else:
        test, test_key = current_test
        show_results(
            cached.evaluate(trained.token, test_key, trained.model, test),
            test,
            trained.class_names,
            results=f"{trained.token} on {test_key}",
            family=trained.token,
        )
