"""Dataflow faults in a simulated design (a stream read while empty, words left unread)
are one SimulationError naming the sample and the stream, on both backends' own stream
models (sim/hlsflow_sim_fault.h), instead of a process abort or a stderr warning. The
faults are made by editing a generated top function: generated code never has them."""

from __future__ import annotations

import ctypes
import re
from pathlib import Path

import numpy as np
import pytest

import hlsflow
from hlsflow.config import Config
from hlsflow.ir import Constant, Graph, TensorType
from hlsflow.ir.ops.activation import Activation
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.types import FloatType
from hlsflow.sim import csim


def _project(tmp_path: Path, backend: str) -> tuple[hlsflow.Project, Path]:
    g = Graph("flt")
    x = g.add_input("x", TensorType((6,), FloatType()))
    w = Constant.from_array(np.random.default_rng(0).normal(size=(6, 4)))
    h = g.add_node(Dense(4), [x], name="fc", params={"kernel": w}).output
    g.set_outputs([g.add_node(Activation("relu"), [h], name="act").output])
    prj = hlsflow.convert(g, config=Config(project_name="flt", backend=backend, io_type="io_stream"))
    out = prj.write(tmp_path / "prj")
    return prj, out / "firmware" / "flt.cpp"


def _x() -> np.ndarray:
    return np.random.default_rng(1).uniform(-2, 2, size=(80, 6))


@pytest.mark.csim
@pytest.mark.parametrize("backend", ["vitis", "catapult"])
def test_unedited_project_runs(tmp_path: Path, backend: str) -> None:
    prj, _ = _project(tmp_path, backend)
    assert np.array_equal(prj.csim(_x()), prj.emulate(_x()))


@pytest.mark.csim
@pytest.mark.parametrize("backend", ["vitis", "catapult"])
def test_read_from_an_empty_stream(tmp_path: Path, backend: str) -> None:
    """The dense layer's call removed: the activation reads fc_out while it is empty."""
    prj, top = _project(tmp_path, backend)
    src = top.read_text()
    call = re.search(r"^\s*nnet::dense_stream<.*;$", src, re.M)
    assert call is not None
    top.write_text(src.replace(call.group(0), ""))
    stream = "stream 'fc_out'" if backend == "vitis" else "ac_channel"
    with pytest.raises(hlsflow.SimulationError, match=rf"at sample 0: read from (empty|an empty) {stream}") as err:
        prj.csim(_x(), threads=1)
    assert "bug in hlsflow" in str(err.value)


@pytest.mark.csim
@pytest.mark.parametrize("backend", ["vitis", "catapult"])
@pytest.mark.parametrize("threads", [1, 2])
def test_words_left_unread(tmp_path: Path, backend: str, threads: int) -> None:
    """One extra word written to fc_out after the activation has read it: the stream is
    destroyed holding it."""
    prj, top = _project(tmp_path, backend)
    src = top.read_text()
    word = re.search(r"hlsflow::stream<(.*)> fc_out\b", src)
    assert word is not None
    body_end = src.rindex("}")
    top.write_text(src[:body_end] + f"    {{ {word.group(1)} extra; fc_out.write(extra); }}\n" + src[body_end:])
    what = "stream 'fc_out' destroyed with 1 unread" if backend == "vitis" else "ac_channel destroyed with 1 unread"
    with pytest.raises(hlsflow.SimulationError, match=f"at sample 0: .*{what}"):
        prj.csim(_x(), threads=threads)


def test_a_slice_numbers_its_samples_within_the_batch() -> None:
    """The bridge counts samples from 0 in each slice; the error counts from the batch's start."""

    def bridge(ins: object, outs: object, n: int, err: ctypes.Array, size: int) -> int:
        err.value = b"read from empty stream 'h_out' (the hardware would stall here)"
        return 3  # samples completed before the fault

    ins, outs = [np.zeros((5, 2), dtype=np.int64)], [np.zeros((5, 1), dtype=np.int64)]
    with pytest.raises(hlsflow.SimulationError, match=r"at sample 43: read from empty stream 'h_out'"):
        csim._call(bridge, ins, outs, first=40)
