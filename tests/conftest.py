"""Shared test setup.

QKeras needs tf_keras, which TensorFlow only uses when TF_USE_LEGACY_KERAS is set before
TensorFlow is first imported, so it is set here, before any test module loads.
"""

from __future__ import annotations

import os
import shutil

import pytest

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from hypothesis import settings  # noqa: E402

settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile("deep", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # csim tests need a C++ compiler; in CI (CI=true) a missing compiler is an error,
    # never a silent skip.
    if shutil.which("g++") is None and not os.environ.get("CI"):
        skip = pytest.mark.skip(reason="g++ not found on PATH")
        for item in items:
            if "csim" in item.keywords:
                item.add_marker(skip)
