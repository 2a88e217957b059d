"""`import hlsflow` stays light: no TensorFlow, no heavy module at import time."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_import_does_not_pull_tensorflow() -> None:
    out = _run(
        "import sys, hlsflow; hlsflow.convert; hlsflow.Config; "
        "print(sorted(m for m in ('tensorflow', 'tf_keras', 'keras', 'qkeras', 'torch', 'onnx') if m in sys.modules))"
    )
    assert out == "[]"


def test_import_loads_no_heavy_module() -> None:
    # Import time is benchmarked in bench/import_time.py (tests assert no timings); what
    # makes it slow is a heavy dependency imported eagerly, which this test catches.
    out = _run(
        "import sys, hlsflow; hlsflow.convert; "
        "print(sorted(m for m in ('scipy', 'matplotlib', 'jinja2', 'h5py', 'rich', 'click', 'hypothesis') if m in sys.modules))"
    )
    assert out == "[]"
