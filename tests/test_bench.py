"""The benchmark script runs end to end and prints every row it promises (never a timing
assert: a bench reports, tests only check that it still works)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench" / "compare_hls4ml.py"
ROWS = (
    "conversion [s]",
    "project write [s]",
    "csim build [s]",
    "csim [samples/s]",
    "csim 1 thread [/s]",
    "emulate [samples/s]",
    "argmax agreement",
    "csim != emulate",
)


@pytest.mark.csim
@pytest.mark.keras
def test_quick_bench_prints_the_table(tmp_path: Path) -> None:
    pytest.importorskip("tf_keras")
    pytest.importorskip("hls4ml")
    env = dict(os.environ, HOME=str(tmp_path), TF_USE_LEGACY_KERAS="1")  # hls4ml and hlsflow caches stay here
    res = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--models", "jet_mlp", "--samples", "300"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = res.stdout
    assert res.returncode == 0, res.stderr[-3000:]
    assert "hlsflow csim threads" in out and "C++ compiler" in out  # the machine block
    rows = [line for line in out.splitlines() if line.startswith("jet_mlp ")]
    for label in ROWS:
        assert any(label in line for line in rows), f"no {label!r} row:\n{out}"
    mismatch = next(line for line in rows if "csim != emulate" in line)
    assert mismatch.split()[4] == "0", mismatch  # hlsflow's csim equals its emulator
    assert "failed" not in out and "refused" not in out, out
    assert "targets missed:" in out
