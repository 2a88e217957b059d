"""Fixtures of the pruning tests: tf_keras, QKeras and scikit-learn digits (each skips
its test when the package is missing). TF_USE_LEGACY_KERAS is set by the root conftest."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest


@pytest.fixture(scope="session")
def K() -> Any:
    pytest.importorskip("tensorflow")
    return pytest.importorskip("tf_keras")


@pytest.fixture(scope="session")
def Q(K: Any) -> Any:
    return pytest.importorskip("qkeras")


@pytest.fixture(scope="session")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn digits, 8x8 scaled to [0, 1] and flattened, integer labels."""
    datasets = pytest.importorskip("sklearn.datasets")
    d = datasets.load_digits()
    return (d.data / 16.0).astype(np.float32), d.target.astype(np.int64)
