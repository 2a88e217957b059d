"""Shared test setup.

QKeras needs tf_keras, which TensorFlow only uses when TF_USE_LEGACY_KERAS is set before
TensorFlow is first imported, so it is set here, before any test module loads.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from hypothesis import settings  # noqa: E402

settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile("deep", max_examples=1000, deadline=None)
# CI (.ci/run): the same cases on every run of one commit, so a red run is reproducible
# and belongs to the change that caused it; local runs keep drawing fresh random cases.
settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # csim tests need a C++ compiler; in CI (CI=true) a missing compiler is an error,
    # never a silent skip.
    if shutil.which("g++") is None and not os.environ.get("CI"):
        skip = pytest.mark.skip(reason="g++ not found on PATH")
        for item in items:
            if "csim" in item.keywords:
                item.add_marker(skip)


def official_headers(rel: str, header: str) -> Path | None:
    """A vendor header folder shipped in the hls4ml wheel (found without importing hls4ml)."""
    spec = importlib.util.find_spec("hls4ml")
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(list(spec.submodule_search_locations)[0]) / "templates" / rel
    return p if (p / header).exists() else None


def official_ap_types() -> Path | None:
    return official_headers("vivado/ap_types", "ap_fixed.h")


def _oracle(p: Path | None, what: str) -> Path:
    if p is None:
        if os.environ.get("CI"):
            pytest.fail(f"hls4ml (dev extra) is not installed: the official {what} oracle is missing in CI")
        pytest.skip(f"hls4ml not installed: no official {what} headers to compare against")
    return p


@pytest.fixture(scope="session")
def ap_types() -> Path:
    return _oracle(official_ap_types(), "ap_types")


@pytest.fixture(scope="session")
def ac_types() -> Path:
    return _oracle(official_headers("catapult/ac_types/include", "ac_fixed.h"), "ac_types")


@pytest.fixture(autouse=True)
def _csim_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # keep test builds out of the user's cache, shared across one session
    monkeypatch.setenv("HLSFLOW_CACHE", str(tmp_path_factory.getbasetemp() / "csim-cache"))
