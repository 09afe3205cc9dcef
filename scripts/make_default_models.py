"""Train the default models shipped in ``assets/models/`` and record their measured test accuracy.

    python scripts/make_default_models.py            # both
    python scripts/make_default_models.py digits     # one of them

For each recipe in ``explorer.nets.recipes.RECIPES`` (seeded: the same run gives the same weights on the same
machine and torch version): split the data, train (and settle, if the recipe says so), save
``<name>.safetensors``, reload that file with ``load_checkpoint`` and measure its test accuracy the way
``tests/unit/test_default_models.py`` does, then write everything to ``accuracy.json``.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from explorer.nets.checkpoints import ACCURACY_FILE, MODELS_DIR, load_checkpoint, save_checkpoint  # noqa: E402
from explorer.nets.evaluation import predict  # noqa: E402
from explorer.nets.recipes import RECIPES, Recipe  # noqa: E402
from explorer.nets.training import Trainer  # noqa: E402
from ui import torch_runtime  # noqa: E402


def train(recipe: Recipe):
    """The recipe's model after its phase(s), and the per-epoch test accuracies, printed as they come."""
    train_set, test_set = recipe.data()
    trainer = Trainer(recipe.spec, train_set, test_set, recipe.config)
    history = list(trainer.run().history)
    if recipe.settle is not None:
        trainer = Trainer(recipe.spec, train_set, test_set, recipe.settle, state_dict=trainer.model.state_dict())
        history += trainer.run().history
    return trainer.model, [round(record.test_accuracy, 4) for record in history]


def make(name: str) -> dict:
    recipe = RECIPES[name]
    start = time.perf_counter()
    model, curve = train(recipe)
    seconds = time.perf_counter() - start
    _, test_set = recipe.data()
    metrics = {"seed": recipe.config.seed, "test_accuracy_curve": curve}
    data = save_checkpoint(model, recipe.spec, class_names=test_set.class_names, metrics=metrics)
    # Measure the file as shipped, exactly as the test will: reload it and predict the test set.
    predictions, _ = predict(load_checkpoint(data).model, test_set)
    accuracy = float(np.mean(predictions == test_set.labels))
    path = os.path.join(MODELS_DIR, f"{name}.safetensors")
    with open(path, "wb") as file:
        file.write(data)
    phases = [recipe.config] + ([recipe.settle] if recipe.settle is not None else [])
    return {
        "file": os.path.basename(path),
        "file_bytes": len(data),
        "spec_name": recipe.spec.name,
        "dataset": test_set.name.removesuffix(" (test)"),
        "test_fraction": recipe.test_fraction,
        "split_seed": recipe.split_seed,
        "test_images": len(test_set),
        "test_accuracy": accuracy,
        "seed": recipe.config.seed,
        "schedule": [
            {"optimizer": c.optimizer, "learning_rate": c.learning_rate, "batch_size": c.batch_size, "epochs": c.epochs}
            for c in phases
        ],
        "test_accuracy_per_epoch": curve,
        "train_seconds": round(seconds, 2),
        "date": datetime.date.today().isoformat(),
    }


def main(names: list[str]) -> None:
    torch_runtime.configure()
    os.makedirs(MODELS_DIR, exist_ok=True)
    results = {}
    if os.path.exists(ACCURACY_FILE):
        with open(ACCURACY_FILE, encoding="utf-8") as file:
            results = json.load(file)
    for name in names or list(RECIPES):
        if name not in RECIPES:
            raise SystemExit(f"unknown model {name!r}: choose from {', '.join(RECIPES)}")
        results[name] = make(name)
        print(
            f"{name}: test accuracy {results[name]['test_accuracy']:.4f}, {results[name]['file_bytes']:,} bytes, "
            f"{results[name]['train_seconds']} s; per epoch {results[name]['test_accuracy_per_epoch']}"
        )
    with open(ACCURACY_FILE, "w", encoding="utf-8") as file:
        json.dump(results, file, indent=2)
        file.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
