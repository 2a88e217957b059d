"""Shared pieces of the digits pruning benches: data, models, masked training, and
network-level spectral values of a mask. Importing this sets TF_USE_LEGACY_KERAS."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

Data = tuple[np.ndarray, np.ndarray]


def digits(conv: bool = False) -> tuple[Data, Data]:
    """scikit-learn digits scaled to [0, 1], a stratified 50/50 split (as the example
    models use); images as (8, 8, 1) when ``conv``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    if conv:
        x = x.reshape(-1, 8, 8, 1)
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, d.target.astype(np.int64), test_size=0.5, random_state=0, stratify=d.target
    )
    return (x_tr, y_tr), (x_te, y_te)


def build(kind: str, seed: int) -> Any:
    """``mlp``: Dense 64-256-128-10; ``cnn``: Conv 3x3x16, Conv 3x3x32, Dense 10 (float);
    ``qmlp``: QKeras 64-64-32-10 with 6-bit weights and activations."""
    import tf_keras as K

    K.utils.set_random_seed(seed)
    L = K.layers
    if kind == "mlp":
        layers = [
            L.InputLayer((64,)),
            L.Dense(256, activation="relu", name="fc1"),
            L.Dense(128, activation="relu", name="fc2"),
        ]
    elif kind == "cnn":
        layers = [
            L.InputLayer((8, 8, 1)),
            L.Conv2D(16, 3, activation="relu", name="conv1"),
            L.Conv2D(32, 3, activation="relu", name="conv2"),
            L.Flatten(name="flatten"),
        ]
    elif kind == "qmlp":
        from qkeras import QActivation, QDense

        q = "quantized_bits(6,0,alpha=1)"
        layers = [
            L.InputLayer((64,)),
            QDense(64, kernel_quantizer=q, bias_quantizer=q, name="fc1"),
            QActivation("quantized_relu(6,2)", name="relu1"),
            QDense(32, kernel_quantizer=q, bias_quantizer=q, name="fc2"),
            QActivation("quantized_relu(6,2)", name="relu2"),
            QDense(10, kernel_quantizer=q, bias_quantizer=q, name="out"),
            L.Activation("softmax", name="softmax"),
        ]
        return K.Sequential(layers, name=kind)
    else:
        raise ValueError(kind)
    layers.append(L.Dense(10, activation="softmax", name="out"))
    return K.Sequential(layers, name=kind)


def train_masked(model: Any, masks: Mapping[str, np.ndarray], train: Data, test: Data, epochs: int) -> float:
    """Apply ``masks``, train ``epochs`` epochs with them fixed (Adam 3e-3, batch 64), and
    return the test accuracy."""
    from hlsflow.sparsity.pai import apply_masks
    from hlsflow.sparsity.qap import MaskCallback, TrainConfig, accuracy, fit

    apply_masks(model, masks)
    fit(model, train, TrainConfig(epochs=epochs, batch_size=64, learning_rate=3e-3, patience=0), [MaskCallback(masks)])
    return accuracy(model, test)


#: network values printed for every run (the mean layer density control first)
METRICS: tuple[str, ...] = (
    "mean_layer_density",
    "lambda1",
    "mu",
    "spectral_gap",
    "spectral_gap_norm",
    "ramanujan_gap",
    "ramanujan_gap_norm",
    "narc_as_coded",
    "narc_corrected",
    "imdb",
    "weighted_gap",
    "imdb_mask",
    "imdb_weighted",
    "full_spectrum_norm",
    "full_spectrum_norm_std",
)


def network_metrics(
    masks: Mapping[str, np.ndarray], weights: Mapping[str, np.ndarray], relaxed: bool = False
) -> dict[str, float]:
    """Every network-level spectral value of ``masks`` with ``weights`` (undefined: NaN),
    and how many layers have a defined Ramanujan gap (``defined``)."""
    from hlsflow.sparsity import spectral as S

    rules = {"iclr_rules": S.RELAXED_RULES} if relaxed else {}
    rep = S.spectral_report({n: (masks[n], weights[n]) for n in masks}, **rules)
    summ = rep.summary()
    out = {k: (float(v) if S.is_defined(v) else math.nan) for k, v in summ.items() if k in METRICS}
    out["defined"] = float(sum(S.is_defined(r.iclr.ramanujan_gap) for r in rep.layers))
    return out


def kendall(x: Sequence[float], y: Sequence[float]) -> float:
    """Kendall tau-b over the pairs where both are numbers (NaN when fewer than 3 or
    when either side is constant)."""
    from scipy.stats import kendalltau

    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3 or np.ptp(a[ok]) == 0 or np.ptp(b[ok]) == 0:
        return math.nan
    return float(kendalltau(a[ok], b[ok]).statistic)


def fmt(v: float, width: int = 7, digits: int = 3) -> str:
    return f"{'undef':>{width}}" if not np.isfinite(v) else f"{v:>{width}.{digits}f}"


class Clock:
    """Wall time since construction, for progress lines."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __str__(self) -> str:
        return f"{time.perf_counter() - self.start:6.1f}s"
