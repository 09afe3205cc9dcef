"""Train a CNN: pick data and a network, train it in the background while watching the curves, then look at
its mistakes, try it on a picture of your own; save the model and load it back.

The pieces are in ``ui``: the data chooser (``train_data``), the layer table (``layer_editor``), starting from
the pretrained backbone for your own pictures (``train_transfer``), the settings and the link
(``train_settings``), the results (``train_results``, figures in ``train_figures``), trying the model
(``try_model``), saving and loading (``train_checkpoints``); the cached calls and the training job in
``ui.cached.train``.
"""

from __future__ import annotations

import streamlit as st

from explorer.nets import architecture, challenges, layer_table, training
from ui import (
    challenge_board,
    common,
    kernel_grid,
    layer_editor,
    train_checkpoints,
    train_data,
    train_results,
    train_settings,
    train_transfer,
    training_jobs,
    try_model,
    urlstate,
)
from ui.cached import train as cached

LIVE_REFRESH_S = 1.0
LIVE_RESULTS_REFRESH_S = 4.0
JOB_KEY = "train.job"
MODEL_KEY = cached.MODEL_KEY
SEEN_KEY = "train.job_seen"  # (job id, status) the full page last drew: a change triggers a full rerun

st.title("Train a CNN")
st.markdown(
    "Here you train a small network yourself. Choose the pictures it learns from and how the network is "
    "built, press **Start**, and watch two numbers fall and rise: the loss (how wrong the network is on "
    "average) and the accuracy (how often its first guess is right), on the training images and on test "
    "images it never learns from. Then look at what it still gets wrong."
)
urlstate.restore("train", train_settings.PARAMS)
training_jobs.WORKERS.warm_up()  # the worker processes start importing torch now, not when Start is pressed
job: cached.TrainingJob | None = st.session_state.get(JOB_KEY)
job_view = job.view() if job is not None else None
active = job_view is not None and not job_view.finished

st.subheader("1. The data")
data_column, preview_column = st.columns([1.0, 1.4], gap="large")
own_cards = st.container()  # your own pictures per class: the class cards, across the page's width
with data_column:
    # planned: the input the network will get, known before your own pictures are all in
    dataset_key, dataset, planned = train_data.choose_dataset(side=preview_column, wide=own_cards)
    test_pct = st.slider("Share kept for testing (%)", 10, 50, step=5, key="train.test_pct")
    seed = st.session_state["train.seed"]
    split = None
    if dataset is not None:
        with common.user_errors():
            split = cached.split(dataset_key, test_pct / 100, seed, dataset)
        train_data.describe(dataset, split, seed)
with preview_column:
    if dataset is not None:
        train_data.show_preview(dataset_key, dataset)

st.subheader("2. The network")
own = st.session_state["train.dataset"] == "own"
pretrained = train_transfer.option(own)  # your own pictures: start from the pretrained backbone
if not pretrained:
    st.markdown(
        "Start from a known network and change it: edit a cell, add a row at the bottom, or select rows and "
        "delete them. The output layer (one unit per class) is added for you."
    )
# The transfer network's summary has long layer names: its column gets the larger share.
net_column, summary_column = st.columns([0.9, 1.3] if pretrained else [1.2, 1.0], gap="large")
spec, spec_error, weights_ready = None, None, True
if pretrained:
    with net_column:
        train_transfer.explain()
    with summary_column:
        if planned is not None:
            spec, weights_ready = train_transfer.network(planned.input_shape, planned.n_classes)
        else:
            st.caption("The summary appears once your pictures are in.")
else:
    with net_column:
        st.selectbox(
            "Start from",
            layer_table.TABLE_PRESETS,
            key=layer_editor.PRESET_KEY,
            on_change=layer_editor.load_preset,
            format_func=layer_table.TABLE_PRESET_TITLES.get,
        )
        rows = layer_editor.edit_layers()
    if planned is not None:
        title = layer_table.TABLE_PRESET_TITLES[st.session_state[layer_editor.PRESET_KEY]]
        try:
            spec = layer_table.rows_to_spec(
                rows,
                name=title[: architecture.MAX_NAME_LENGTH],
                input_shape=planned.input_shape,
                num_classes=planned.n_classes,
            )
        except ValueError as error:
            spec_error = str(error)
    with summary_column:
        if spec_error:
            _, rows_in, cols_in = planned.input_shape
            st.error(f"This network can't take {rows_in}×{cols_in} images: {spec_error}.")
        elif spec is not None:
            layer_editor.summary_table(spec)
        else:
            st.caption("The summary appears once a data set is loaded.")

st.subheader("3. How to train")
aug_column, opt_column = st.columns(2, gap="large")
with aug_column:
    augment_config = train_settings.choose_augmentation()
with opt_column:
    optimizer = train_settings.choose_optimizer()
urlstate.publish(train_settings.PARAMS)
if dataset is not None and not augment_config.is_identity:
    train_settings.show_augmentation(dataset_key, augment_config, seed, split[0])
config = train_settings.train_config()

st.subheader("4. Train")
ready = spec is not None and split is not None and not active and weights_ready
buttons = st.columns([1, 2, 3])
start = buttons[0].button("Start training", key="_train.start", type="primary", disabled=not ready)
run = job_view.value if job_view is not None and isinstance(job_view.value, cached.TrainingRun) else None
can_continue = (
    run is not None
    and job_view.status in (training_jobs.DONE, training_jobs.STOPPED)
    and len(run.history) + config.epochs <= training.MAX_EPOCHS
)
more = buttons[1].button(
    f"Continue for {config.epochs} more epoch(s)",
    key="_train.continue",
    disabled=not can_continue,
    help="Keeps the weights and the optimiser's state and trains on the same data.",
)
if start and ready:
    initial = train_transfer.initial_weights(spec, config.seed) if pretrained else None
    if pretrained and initial is None:
        st.error("The pretrained weights are no longer in the cache folder: reload the page.")
        st.stop()
    with common.user_errors():
        title = f"{dataset.name}, pretrained backbone" if pretrained else dataset.name
        job = cached.start_training(spec, split[0], split[1], config, title=title, initial=initial)
    st.session_state[JOB_KEY] = job
    st.rerun()  # draw the page again with Start disabled and the live panel ticking
elif more and can_continue:
    st.session_state[JOB_KEY] = cached.continue_training(run, config.epochs)
    st.rerun()
if job is None:
    if not weights_ready:
        st.caption("Start waits for the pretrained weights (see step 2), or switch the option off.")
    elif planned is not None and planned.waiting:
        st.caption(f"Start waits for your pictures. {common.plain(planned.waiting)}")
    else:
        st.caption("Press Start: the training runs on the server while you keep using the page.")

current_test = None if split is None else (split[1], f"{dataset_key}|{test_pct}|{seed}")
# A finished job's model becomes the session's model once (the fragment below asks for this full rerun).
if job is not None:
    job_view = job.view()
    if job_view.finished and st.session_state.get(SEEN_KEY) != (job.id, job_view.status):
        st.session_state[SEEN_KEY] = (job.id, job_view.status)
        if job_view.status in (training_jobs.DONE, training_jobs.STOPPED) and isinstance(
            job_view.value, cached.TrainingRun
        ):
            if job_view.value.history:
                st.session_state[MODEL_KEY] = cached.trained_model(job_view.value, job.id)
            if current_test is not None and job_view.value.request.test is current_test[0]:  # same split
                train_transfer.record(current_test[1], job_view.value, job_view.seconds)
active = job is not None and not job.view().finished


# The job's thread never touches the page: two fragments read its state while it trains. The progress and the
# curves change with every report, so they redraw every second; the test results change once an epoch, so they
# redraw every few seconds (each redraw costs the server a script run, and a room may watch 30 trainings).
# (urlstate.fragment: the router doesn't run in a fragment's run; these keep the page's settings themselves.)
@urlstate.fragment(run_every=LIVE_REFRESH_S if active else None)
def live_progress() -> None:
    job = st.session_state.get(JOB_KEY)
    if job is not None:
        view = train_results.show_job(job)
        if view.finished and st.session_state.get(SEEN_KEY) != (job.id, view.status):
            st.rerun()  # the whole page: stop refreshing, keep the model, enable the buttons


@urlstate.fragment(run_every=LIVE_RESULTS_REFRESH_S if active else None)
def live_results() -> None:
    job = st.session_state.get(JOB_KEY)
    view = job.view() if job is not None else None
    live = view.progress if view is not None and not view.finished else None
    st.subheader("5. Results")
    if isinstance(live, cached.LiveState) and live.evaluation is not None:
        st.caption(f"After epoch {live.evaluation_epoch}; updated every few seconds while the network trains.")
        train_results.show_results(
            live.evaluation,
            live.test,
            live.test.class_names,
            results=f"job {job.id} epoch {live.evaluation_epoch}",
            family=f"job {job.id}",  # the session's model after the training: TrainedModel.token "job N"
        )
    elif view is not None and not view.finished:
        st.caption("The results appear after the first epoch.")
    else:
        train_results.show_model(st.session_state.get(MODEL_KEY), current_test)


live_progress()
live_results()
if own:
    train_transfer.comparison(None if current_test is None else current_test[1])

st.subheader("6. Try your model")
try_model.panel(MODEL_KEY)

st.subheader("7. Save or load a model")
train_checkpoints.save_and_load(MODEL_KEY)

st.subheader("Challenge: " + challenges.SMALL_SHAPES.title.lower())
st.markdown(
    f"{challenges.SMALL_SHAPES.prompt} Build the network in step 2, train it on the shapes, and it is graded here."
)
session_model = st.session_state.get(MODEL_KEY)
if session_model is None or not session_model.history or session_model.test is None:
    st.caption("Only a network trained on this page counts: train one and its grade appears here.")
elif not session_model.test.name.startswith("Shapes"):
    st.caption(f"Your network was trained on {common.plain(session_model.test.name)}: train one on the shapes.")
else:
    small_grade = challenges.grade_small_shapes(
        dataset_name=session_model.test.name,
        parameters=architecture.count_params(session_model.spec),
        accuracy=session_model.history[-1].test_accuracy,
        test_images=len(session_model.test),
    )
    kernel_grid.show_grade(small_grade)
    if small_grade.passed:
        challenge_board.mark(f"train.{challenges.SMALL_SHAPES.key}")

st.subheader("What is going on")
st.markdown(
    """
- **An epoch** is one pass over the training images, in batches. After each batch the optimiser nudges
  every weight a little against the gradient of the loss; the learning rate sets how big the nudge is.
- **Train versus test.** The network only ever learns from the training images. The test images measure
  whether it learned something general: when the training accuracy keeps rising but the test accuracy stalls
  or falls, the network is memorising its training images (*overfitting*). Augmentation, dropout and weight
  decay make memorising harder.
- **A learning rate that is too large** makes steps overshoot: the loss jumps around or explodes to
  infinity. One that is too small makes the curves crawl. Adam adapts the step for each weight and usually
  works at 0.001; plain SGD often wants 0.01 to 0.1 with momentum 0.9.
- **The confusion matrix** counts, for each true class (row), what the network said (column). The diagonal
  is right; a bright cell off the diagonal is a pair of classes the network mixes up.
"""
)
common.check_yourself(
    "After 20 epochs the training accuracy is 100 % but the test accuracy is 85 % and has been falling for "
    "five epochs. What is happening, and name two things on this page that could help?",
    "The network is **overfitting**: it has learned the training images by heart, including their accidents, "
    "and that no longer helps on new images. Stop earlier (fewer epochs), add augmentation (shifts, small "
    "rotations, erasing), add a dropout layer or some weight decay, or use a smaller network or more images.",
    key="train.check",
)
if pretrained:
    network_code = """from explorer.deep import backbone, transfer
spec = transfer.spec(dataset.image_shape, dataset.n_classes)   # frozen SqueezeNet trunk, a new last layer
start = transfer.to_state_dict(transfer.initial_weights(spec, backbone.build(pretrained=True), seed=config.seed))
trainer = training.Trainer(spec, train, test, config, state_dict=start)   # the trunk runs once, then the layer trains"""
else:
    network_code = f"""rows = {layer_editor.rows()!r}
spec = layer_table.rows_to_spec(rows, name="my network", input_shape=dataset.image_shape,
                                       num_classes=dataset.n_classes)
trainer = training.Trainer(spec, train, test, config)"""
common.show_code(
    f"""from explorer.data import datasets, own_images, shapes, torchvision_sets
from explorer.nets import augment, checkpoints, evaluation, layer_table, predict_one, training

dataset = {train_data.dataset_code()}
train, test = dataset.split({test_pct / 100:g}, seed={seed})
config = training.TrainConfig(optimizer={optimizer!r}, learning_rate={st.session_state["train.lr"]:g},
                              momentum={st.session_state["train.momentum"]:g}, batch_size={st.session_state["train.batch"]},
                              epochs={st.session_state["train.epochs"]}, weight_decay={st.session_state["train.wd"]:g},
                              seed={seed}, augment=augment.{augment_config!r})
{network_code}
result = trainer.run(on_progress=print)          # result.history: one EpochRecord per epoch
more = trainer.run(epochs=5)                      # continue where it stopped

predictions, probabilities = evaluation.predict(trainer.model, test)
matrix = evaluation.confusion_matrix(test.labels, predictions, num_classes=test.n_classes)
worst = evaluation.misclassified(test.labels, predictions, probabilities)
my_picture = test.images[0].transpose(1, 2, 0)   # or any picture: imageio.load_image(open("mine.jpg", "rb").read())
style = predict_one.style_for(spec.input_shape, data_name=dataset.name)   # how the training pictures look
image = predict_one.prepare_picture(my_picture, spec.input_shape, style=style)   # (C, H, W), as the network sees it
print(dict(zip(test.class_names, predict_one.class_probabilities(trainer.model, image).round(3))))
data = checkpoints.save_checkpoint(trainer.model, spec, class_names=test.class_names,
                                   metrics={{"test_accuracy": result.history[-1].test_accuracy}})
"""
)
