"""The Train page's defaults make a good first training: every default of ``ui.train_settings`` on the 8×8
digits reaches the shipped digits model's class (>= 97 % test accuracy). A behaviour test with the page's
own seed (about 10 s on one thread); its speed, over 3 seeds, is in ``benchmarks/bench_training.py``."""

from __future__ import annotations

from explorer.data import datasets
from explorer.nets import layer_table, training
from ui import torch_runtime, train_settings


def test_the_default_settings_train_the_digits_to_97_percent():
    torch_runtime.configure()  # one thread, as the server
    values = train_settings.DEFAULTS
    assert values["train.dataset"] == "digits8"  # what this test trains on
    train, test = datasets.digits(size=8).split(values["train.test_pct"] / 100, seed=values["train.seed"])
    spec = layer_table.rows_to_spec(
        layer_table.preset_rows(values["train.preset"]), name="default", input_shape=(1, 8, 8), num_classes=10
    )
    trainer = training.Trainer(spec, train, test, train_settings.config_from(values))
    result = trainer.run()
    assert len(result.history) == values["train.epochs"]
    # the test accuracy measured independently of the trainer: the model's first guesses against the labels
    import torch

    with torch.inference_mode():
        guesses = trainer.model.eval()(torch.from_numpy(test.images.copy())).argmax(1).numpy()
    accuracy = float((guesses == test.labels).mean())
    assert accuracy == result.history[-1].test_accuracy
    assert accuracy >= 0.97, [round(record.test_accuracy, 4) for record in result.history]
