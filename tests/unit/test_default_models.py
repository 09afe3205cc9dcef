"""The shipped models in assets/models/: each reloads through load_checkpoint and, on the same seeded split,
scores exactly the test accuracy recorded in accuracy.json by scripts/make_default_models.py, which is high."""

import os

import numpy as np
import pytest

from explorer.nets.checkpoints import DEFAULT_MODELS, MODELS_DIR, default_accuracy, load_default
from explorer.nets.evaluation import predict
from explorer.nets.recipes import RECIPES

# What the recipes reached (see accuracy.json): digits 98.6 % of 359 held-out images, shapes 100 % of 640.
# The floors leave room for a retrain on another torch version, not for a worse recipe.
MINIMUM_ACCURACY = {"digits": 0.98, "shapes": 0.99}
MAX_FILE_BYTES = 1024 * 1024


@pytest.mark.parametrize("name", DEFAULT_MODELS)
def test_default_model_scores_its_recorded_accuracy(name):
    record = default_accuracy()[name]
    recipe = RECIPES[name]
    checkpoint = load_default(name)
    assert checkpoint.spec == recipe.spec and checkpoint.spec.name == record["spec_name"]
    assert not checkpoint.model.training
    assert (recipe.test_fraction, recipe.split_seed) == (record["test_fraction"], record["split_seed"])
    _, test = recipe.data()
    assert len(test) == record["test_images"] and checkpoint.class_names == test.class_names
    predictions, _ = predict(checkpoint.model, test)
    accuracy = float(np.mean(predictions == test.labels))
    assert accuracy == pytest.approx(record["test_accuracy"], abs=1e-6)
    assert accuracy >= MINIMUM_ACCURACY[name]


@pytest.mark.parametrize("name", DEFAULT_MODELS)
def test_default_model_files_are_small(name):
    assert os.path.getsize(os.path.join(MODELS_DIR, f"{name}.safetensors")) < MAX_FILE_BYTES


def test_unknown_default_model_message():
    with pytest.raises(ValueError, match=r"name must be one of \('digits', 'shapes'\), got 'cats'"):
        load_default("cats")
