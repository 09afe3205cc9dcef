"""Cached wrappers over ``explorer.nets.neurons`` for the Neurons page.

Keys are a few small numbers and names. The perceptron's step-by-step state is not cached: one step is a
handful of multiplications, and the page keeps the state itself in ``st.session_state["neurons.state"]``.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer.nets import neurons

# A session tries a few seeds, rates and epoch counts; each result is a few kB.
MAX_RESULTS = 64


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def train_mlp(seed: int, epochs: int, rate: float) -> neurons.MLPRun:
    """``neurons.train_mlp("XOR", hidden=2, ...)``: about 70 ms for 1000 epochs."""
    return neurons.train_mlp("XOR", hidden=2, seed=seed, epochs=epochs, rate=rate)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def mlp_region(seed: int, epochs: int, rate: float, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Axis (size,) and the trained network's output probability on a size x size grid (rows follow x2)."""
    axis, points = neurons.grid(size=size)
    _, outputs = neurons.mlp_forward(train_mlp(seed, epochs, rate), points)
    return axis, outputs.reshape(size, size)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def perceptron_run(gate: str, rate: float, epochs: int, start: tuple[float, float, float]) -> neurons.PerceptronState:
    """``neurons.train_perceptron`` for ``epochs`` epochs without stopping early."""
    return neurons.train_perceptron(
        gate, rate=rate, epochs=epochs, weights=start[:2], bias=start[2], stop_when_converged=False
    )


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def activation_curve(name: str, negative_slope: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """z from -5 to 5, the activation and its derivative, each (401,)."""
    z = np.linspace(-5.0, 5.0, 401)
    return (
        z,
        neurons.activation(z, name=name, negative_slope=negative_slope),
        neurons.derivative(z, name=name, negative_slope=negative_slope),
    )
