"""Property: for random models and configs, C-simulation equals the emulator bit for bit.

The default run draws a handful of cases per backend (HLSFLOW_FUZZ_CASES, default 6);
CI's slow profile ``test_csim_fuzz_deep`` draws HLSFLOW_FUZZ_DEEP (default 500) cases
over both backends and both io types, and the session summary prints how many cases
and values it compared. Every failure found is kept as an explicit regression case in
test_regressions.py.

Cost: g++ dominates (two translation units per case, each mostly parsing the
fixed-point and standard headers): about 1.4 s of CPU per case at ``-O0`` (Vitis ~1.9,
Catapult ~0.85) against ~1.9 at ``-O2``; Python's share is ~0.05 s. The deep profile
therefore builds with ``-O0`` (integer code: the same bits at every level), runs 200
samples per case (other tests cover batches of 1000+), keeps models to 4 layers per
section, and builds the two cases of one example concurrently so that one case's
serial steps (Python, link) overlap the other's compilation.
"""

from __future__ import annotations

import itertools
import math
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from fuzz_models import BACKENDS, Case, models
from fuzz_tally import tally
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hlsflow
from hlsflow.emulate import run

SUPPRESS = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]
#: Cases of the deep profile (CI); at least 500.
DEEP_CASES = int(os.environ.get("HLSFLOW_FUZZ_DEEP", "500"))
#: Cases per hypothesis example in the deep profile, checked concurrently.
DEEP_BATCH = 2


def clamp_reuse(prj: hlsflow.Project) -> None:
    """Reuse factors are drawn before conversion; cap them at the non-zero weight count."""
    for node in prj.graph.nodes:
        k = node.params.get("kernel")
        if k is not None and node.name in prj.config.layer_name:
            lc = prj.config.layer_name[node.name]
            if lc.reuse_factor is not None:
                lc.reuse_factor = max(1, min(lc.reuse_factor, k.nonzero))


def check_case(case: Case, out_dir: Path, include_dir: Path | None = None, opt: str | None = None) -> int:
    """Convert, write, build and C-simulate ``case``; assert every output bit equals the
    emulator's. Returns the number of values compared."""
    prj = hlsflow.convert(case.graph, config=case.config)
    clamp_reuse(prj)
    prj.write(out_dir, force=True)
    got = prj.csim_raw(case.x, include_dir=include_dir, opt=opt)
    want, _ = run(prj.graph, case.x)
    diff = sum(int(np.count_nonzero(a.mant != b.mant)) for a, b in zip(got, want))
    assert diff == 0, f"{diff} values differ for {case.description}\n{prj.graph}"
    return sum(int(a.mant.size) for a in want)


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
@given(case=models(backends=("catapult",)))
def test_csim_equals_emulate_catapult(case: Case, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The same property through the Catapult backend (ac_fixed, own headers)."""
    check_case(case, tmp_path_factory.mktemp("fuzzac") / "prj")


@pytest.mark.slow
@pytest.mark.csim
def test_csim_fuzz_deep(tmp_path_factory: pytest.TempPathFactory) -> None:
    """CI's deep profile: HLSFLOW_FUZZ_DEEP cases (default 500), backend and io type
    drawn per case, built with -O0, two at a time. The session summary prints the count."""
    counts = tally("csim == emulate, deep profile")
    root = tmp_path_factory.mktemp("fuzzdeep")
    serial = itertools.count()  # one project folder per case (threads share the root)

    def one(case: Case) -> None:
        out = Path(root) / f"case{next(serial)}"
        values = check_case(case, out, opt="-O0")
        shutil.rmtree(out)  # 500 projects add up; a failing case's folder stays for inspection
        counts.add(values, case.config.backend, case.config.io_type)

    @settings(max_examples=math.ceil(DEEP_CASES / DEEP_BATCH), deadline=None, suppress_health_check=SUPPRESS)
    @given(
        cases=st.lists(models(max_layers=4, samples=200, backends=BACKENDS), min_size=DEEP_BATCH, max_size=DEEP_BATCH)
    )
    def prop(cases: list[Case]) -> None:
        with ThreadPoolExecutor(len(cases)) as pool:
            for f in [pool.submit(one, c) for c in cases]:
                f.result()  # re-raises a case's failure here, for hypothesis to shrink

    prop()
    assert counts.cases >= DEEP_CASES, f"hypothesis ran {counts.cases} of the {DEEP_CASES} cases asked for"
    if DEEP_CASES >= 100:  # each backend and io type is drawn with probability 1/2 per case
        assert set(counts.kinds) >= {*BACKENDS, "io_parallel", "io_stream"}, counts.line()
