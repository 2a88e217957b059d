"""The generated testbench (tb/<name>_test.cpp), built and run the way a vendor's C
simulation runs it: with the top function, from the project folder. It reads
tb_data/tb_input_features.dat, writes tb_data/csim_results.log and counts the samples
that differ from tb_data/tb_output_predictions.dat (the emulator's outputs)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

import hlsflow
from hlsflow.config import Config
from hlsflow.ir import Constant, Graph, TensorType
from hlsflow.ir.ops.activation import Activation
from hlsflow.ir.ops.conv2d import Conv2D
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.ops.flatten import Flatten
from hlsflow.ir.ops.merge import Merge
from hlsflow.ir.types import FloatType

N = 40


def _graph() -> Graph:
    """Two inputs (an image and a vector), two outputs: conv -> relu -> flatten -> dense
    added to a dense of the vector; the relu output is also a graph output."""
    rng = np.random.default_rng(7)
    g = Graph("tbm")
    img = g.add_input("img", TensorType((5, 5, 2), FloatType()))
    vec = g.add_input("in", TensorType((6,), FloatType()))  # "in" is also a testbench local
    k = Constant.from_array(rng.normal(size=(3, 3, 2, 3)))
    c = g.add_node(Conv2D(3, (3, 3), (1, 1), "valid"), [img], name="conv", params={"kernel": k}).output
    r = g.add_node(Activation("relu"), [c], name="relu").output
    f = g.add_node(Flatten(), [r], name="flat").output
    d1 = g.add_node(Dense(4), [f], name="fc1", params={"kernel": Constant.from_array(rng.normal(size=(27, 4)))})
    d2 = g.add_node(Dense(4), [vec], name="fc2", params={"kernel": Constant.from_array(rng.normal(size=(6, 4)))})
    s = g.add_node(Merge("add"), [d1.output, d2.output], name="sum").output
    g.set_outputs([s, r])
    return g


def _inputs() -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    return [rng.uniform(-4, 4, size=(N, 5, 5, 2)), rng.uniform(-4, 4, size=(N, 6))]


def _build_and_run(out: Path, include: Path) -> subprocess.CompletedProcess[str]:
    exe = out / "tb_exe"
    cmd = [
        "g++", "-std=c++14", "-O1", "-w", "-DNDEBUG",
        f"-I{include}", f"-I{out / 'firmware'}", f"-I{out}",
        str(out / "tb" / "tbm_test.cpp"), str(out / "firmware" / "tbm.cpp"), "-o", str(exe),
    ]  # fmt: skip
    built = subprocess.run(cmd, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    return subprocess.run([str(exe)], cwd=out, capture_output=True, text=True)


def _check(prj: hlsflow.Project, out: Path, include: Path) -> None:
    run = _build_and_run(out, include)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip() == f"{N} samples simulated, 0 differ from the emulator"
    want = np.concatenate([y.reshape(N, -1) for y in prj.emulate(_inputs())], axis=1)
    lines = (out / "tb_data" / "csim_results.log").read_text().splitlines()
    got = np.array([[float.fromhex(t) for t in line.split()] for line in lines])
    assert got.shape == want.shape and np.array_equal(got, want)


@pytest.mark.csim
@pytest.mark.parametrize("backend", ["vitis", "catapult"])
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_testbench_own_headers(tmp_path: Path, backend: str, io_type: str) -> None:
    prj = hlsflow.convert(_graph(), config=Config(project_name="tbm", backend=backend, io_type=io_type))
    out = prj.write(tmp_path / "prj", tb_inputs=_inputs())
    _check(prj, out, out / "sim")


@pytest.mark.csim
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_testbench_official_ap_headers(tmp_path: Path, io_type: str, ap_types: Path) -> None:
    prj = hlsflow.convert(_graph(), config=Config(project_name="tbm", backend="vitis", io_type=io_type))
    out = prj.write(tmp_path / "prj", tb_inputs=_inputs())
    _check(prj, out, ap_types)


@pytest.mark.csim
def test_testbench_counts_a_difference(tmp_path: Path) -> None:
    """A reference line changed by one lsb: the testbench reports it and fails."""
    prj = hlsflow.convert(_graph(), config=Config(project_name="tbm"))
    out = prj.write(tmp_path / "prj", tb_inputs=_inputs())
    ref = out / "tb_data" / "tb_output_predictions.dat"
    lines = ref.read_text().splitlines()
    first = lines[5].split()
    first[0] = repr(float(first[0]) + 2.0**-20)
    lines[5] = " ".join(first)
    ref.write_text("\n".join(lines) + "\n")
    run = _build_and_run(out, out / "sim")
    assert run.returncode == 1
    assert run.stdout.strip() == f"{N} samples simulated, 1 differ from the emulator"
