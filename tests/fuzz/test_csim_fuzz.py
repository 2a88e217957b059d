"""Property: for random models and configs, C-simulation equals the emulator bit for bit.

The default run draws a handful of cases (HLSFLOW_FUZZ_CASES, default 6); CI's slow
profile draws many more (see test_csim_fuzz_deep). Every failure found is kept as an
explicit regression case in test_regressions.py.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from fuzz_models import Case, models
from hypothesis import HealthCheck, given, settings

import hlsflow
from hlsflow.emulate import run

SUPPRESS = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]


def clamp_reuse(prj: hlsflow.Project) -> None:
    """Reuse factors are drawn before conversion; cap them at the non-zero weight count."""
    for node in prj.graph.nodes:
        k = node.params.get("kernel")
        if k is not None and node.name in prj.config.layer_name:
            lc = prj.config.layer_name[node.name]
            if lc.reuse_factor is not None:
                lc.reuse_factor = max(1, min(lc.reuse_factor, k.nonzero))


def check_case(case: Case, out_dir, include_dir=None) -> int:
    prj = hlsflow.convert(case.graph, config=case.config)
    clamp_reuse(prj)
    prj.write(out_dir, force=True)
    got = prj.csim_raw(case.x, include_dir=include_dir)
    want, _ = run(prj.graph, case.x)
    diff = sum(int(np.count_nonzero(a.mant != b.mant)) for a, b in zip(got, want))
    assert diff == 0, f"{diff} values differ for {case.description}\n{prj.graph}"
    return len(case.x)


@pytest.mark.csim
@settings(max_examples=int(os.environ.get("HLSFLOW_FUZZ_CASES", "6")), deadline=None, suppress_health_check=SUPPRESS)
@given(case=models())
def test_csim_equals_emulate(case: Case, tmp_path_factory: pytest.TempPathFactory) -> None:
    check_case(case, tmp_path_factory.mktemp("fuzz") / "prj")


@pytest.mark.csim
@settings(max_examples=int(os.environ.get("HLSFLOW_FUZZ_AP", "3")), deadline=None, suppress_health_check=SUPPRESS)
@given(case=models(max_layers=3))
def test_csim_equals_emulate_official_headers(case: Case, tmp_path_factory: pytest.TempPathFactory, ap_types) -> None:
    check_case(case, tmp_path_factory.mktemp("fuzzap") / "prj", include_dir=ap_types)


@pytest.mark.csim
@settings(max_examples=int(os.environ.get("HLSFLOW_FUZZ_CASES", "6")), deadline=None, suppress_health_check=SUPPRESS)
@given(case=models())
def test_csim_equals_emulate_catapult(case: Case, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The same property through the Catapult backend (ac_fixed, own headers)."""
    case.config.backend = "catapult"
    check_case(case, tmp_path_factory.mktemp("fuzzac") / "prj")


@pytest.mark.slow
@pytest.mark.csim
@settings(max_examples=int(os.environ.get("HLSFLOW_FUZZ_DEEP", "40")), deadline=None, suppress_health_check=SUPPRESS)
@given(case=models())
def test_csim_fuzz_deep(case: Case, tmp_path_factory: pytest.TempPathFactory) -> None:
    """CI's deeper profile (HLSFLOW_FUZZ_DEEP cases, default 40)."""
    check_case(case, tmp_path_factory.mktemp("fuzzdeep") / "prj")
