"""Fixtures for backend tests: the official Xilinx ap_types headers shipped in the hls4ml
wheel (a dev dependency, used as a test oracle and never copied into the repo)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest


def official_ap_types() -> Path | None:
    spec = importlib.util.find_spec("hls4ml")
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(list(spec.submodule_search_locations)[0]) / "templates" / "vivado" / "ap_types"
    return p if (p / "ap_fixed.h").exists() else None


@pytest.fixture(scope="session")
def ap_types() -> Path:
    p = official_ap_types()
    if p is None:
        if os.environ.get("CI"):
            pytest.fail("hls4ml (dev extra) is not installed: the official ap_types oracle is missing in CI")
        pytest.skip("hls4ml not installed: no official ap_types headers to compare against")
    return p


@pytest.fixture(autouse=True)
def _csim_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # keep test builds out of the user's cache, shared across one session
    monkeypatch.setenv("HLSFLOW_CACHE", str(tmp_path_factory.getbasetemp() / "csim-cache"))
