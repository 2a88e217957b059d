"""C-simulation on several threads: a batch is cut into contiguous slices run at once.
The outputs must not depend on the slicing (same bits as one thread and as the
emulator, for every slice count, both io types and both backends, and with two graph
outputs); vendor headers always run on one thread; the thread count follows the
argument, then ``$HLSFLOW_CSIM_THREADS``, then the usable cores, and bad values are one
clear error."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from csim_helpers import conv3x3, csim_inputs, narrow, sparse_const

from hlsflow.config import Config, ConfigError
from hlsflow.emulate import run
from hlsflow.ir import FixedType, Graph, TensorType
from hlsflow.ir.ops.activation import Activation
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.ops.flatten import Flatten
from hlsflow.ir.types import Overflow, Rounding
from hlsflow.project import Project
from hlsflow.sim import csim


def _graph(seed: int) -> Graph:
    """conv2d (line buffers in io_stream), fanned out to relu (graph output 1) and to
    tanh table -> flatten -> dense (graph output 2)."""
    rng = np.random.default_rng(seed)
    g = Graph("thr")
    x = g.add_input("x", TensorType((5, 5, 2), FixedType(10, 4)))
    c = conv3x3(g, x, rng, 3, FixedType(11, 4, True, Rounding.RND, Overflow.SAT)).output
    t = g.add_node(Activation("tanh"), [c], name="tanh").output
    f = g.add_node(Flatten(), [t], name="flat").output
    d = g.add_node(Dense(4), [f], name="fc", params={"kernel": sparse_const(rng, (27, 4), FixedType(7, 2), 0.2)})
    o = narrow(g, d, FixedType(12, 5, True, Rounding.RND_CONV, Overflow.SAT_SYM))
    r = g.add_node(Activation("relu"), [c], name="relu").output
    g.set_outputs([r, o])
    g.verify()
    return g


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Record (thread name, samples) of every ctypes call into the library."""
    seen: list[tuple[str, int]] = []
    real = csim._call

    def spy(fn: Any, ins: list[np.ndarray], outs: list[np.ndarray], first: int = 0) -> None:
        seen.append((threading.current_thread().name, len(ins[0])))
        real(fn, ins, outs, first)

    monkeypatch.setattr(csim, "_call", spy)
    return seen


@pytest.mark.csim
@pytest.mark.parametrize("backend", ["vitis", "catapult"])
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_outputs_do_not_depend_on_thread_count(
    tmp_path: Path, calls: list[tuple[str, int]], backend: str, io_type: str
) -> None:
    g = _graph(3)
    prj = Project(g, Config(project_name="thr", backend=backend, io_type=io_type))
    prj.write(tmp_path / "prj")
    x = csim_inputs(g, 4, n=1001)  # 1001: slices of unequal length
    want = [a.mant for a in run(g, x)[0]]
    for k in (1, 2, 3, 7):
        calls.clear()
        got = prj.csim_raw(x, threads=k)
        assert len(calls) == k  # one call per slice
        assert sum(n for _, n in calls) == len(x)
        if k > 1:
            assert all(name.startswith("hlsflow-csim") for name, _ in calls)
        for v, a, b in zip(g.outputs, got, want):
            bad = int(np.count_nonzero(a.mant != b))
            assert bad == 0, f"threads={k}, {v.name}: {bad} values differ from the emulator"


@pytest.mark.csim
def test_vendor_headers_run_on_one_thread(tmp_path: Path, ap_types: Path, calls: list[tuple[str, int]]) -> None:
    g = _graph(5)
    prj = Project(g, Config(project_name="thr_v", io_type="io_stream"))
    prj.write(tmp_path / "prj")
    x = csim_inputs(g, 6, n=400)
    got = prj.csim_raw(x, include_dir=ap_types, threads=4)
    assert calls == [(threading.current_thread().name, 400)]
    assert not prj._lib.own_headers
    assert all(np.array_equal(a.mant, b.mant) for a, b in zip(got, run(g, x)[0]))


@pytest.mark.csim
def test_default_uses_the_usable_cores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, calls: list[tuple[str, int]]
) -> None:
    monkeypatch.delenv(csim.THREADS_ENV, raising=False)
    monkeypatch.setattr(csim, "usable_cores", lambda: 3)
    g = _graph(7)
    prj = Project(g, Config(project_name="thr_d"))
    prj.write(tmp_path / "prj")
    x = csim_inputs(g, 8, n=300)
    prj.csim_raw(x)
    assert sorted(n for _, n in calls) == [100, 100, 100]
    calls.clear()
    monkeypatch.setenv(csim.THREADS_ENV, "2")
    prj.csim_raw(x)
    assert sorted(n for _, n in calls) == [150, 150]
    calls.clear()
    prj.csim_raw(x[:40])  # too few samples to be worth a second thread
    assert [n for _, n in calls] == [40]


@pytest.mark.parametrize(
    ("n", "requested", "env", "want"),
    [
        (1000, 4, None, 4),
        (1000, None, "3", 3),
        (1000, 2, "5", 2),  # the argument wins over the environment
        (10, 8, None, 1),
        (csim.MIN_SAMPLES_PER_THREAD * 3, 8, None, 3),
        (csim.MIN_SAMPLES_PER_THREAD * 3 - 1, 8, None, 2),
        (1000, None, " 1 ", 1),
    ],
)
def test_thread_count(
    monkeypatch: pytest.MonkeyPatch, n: int, requested: int | None, env: str | None, want: int
) -> None:
    if env is None:
        monkeypatch.delenv(csim.THREADS_ENV, raising=False)
    else:
        monkeypatch.setenv(csim.THREADS_ENV, env)
    assert csim.thread_count(n, requested) == want


@pytest.mark.parametrize("env", ["zero", "0", "-2", "1.5"])
def test_bad_thread_setting_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, env: str) -> None:
    monkeypatch.setenv(csim.THREADS_ENV, env)
    with pytest.raises(ConfigError, match=csim.THREADS_ENV):
        csim.thread_count(1000)


def test_bad_thread_argument_is_one_clear_error() -> None:
    with pytest.raises(ConfigError, match="threads=0"):
        csim.thread_count(1000, 0)
