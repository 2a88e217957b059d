"""Element-wise, table, merge and reshaping layers: C-simulation == emulator, bit for bit.

Two graphs hold every op (activation functions with default and unusual tables, softmax,
batch_norm, quantize, dropout, flatten, reshape, merge of 2-4 inputs in every mode,
concatenate on every axis), with seeded random output types that use every rounding
and overflow mode, and input types from 1 bit to 64 bits wide. Each graph is compiled
for io_parallel and io_stream against the official Xilinx headers, and with hlsflow's
own headers; the builds run concurrently (g++ takes seconds per project) and every
output of every sample must match the emulator's mantissas.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hlsflow.backends.common.lowering import LoweringError, lower_graph

from hlsflow.config import Config
from hlsflow.emulate import run
from hlsflow.ir import Constant, FixedType, Graph, TensorType
from hlsflow.ir.graph import Value
from hlsflow.ir.ops.activation import Activation
from hlsflow.ir.ops.base import Op
from hlsflow.ir.ops.batch_norm import BatchNorm
from hlsflow.ir.ops.concatenate import Concatenate
from hlsflow.ir.ops.dropout import Dropout
from hlsflow.ir.ops.flatten import Flatten
from hlsflow.ir.ops.merge import Merge
from hlsflow.ir.ops.quantize import Quantize
from hlsflow.ir.ops.reshape import Reshape
from hlsflow.ir.ops.softmax import Softmax
from hlsflow.ir.types import Overflow, Rounding, as_fixed
from hlsflow.numerics.fixed import union_type
from hlsflow.project import Project

IO_TYPES = ("io_parallel", "io_stream")
N_SAMPLES = 1200


class _Builder:
    """A graph under construction: every node's output is a graph output, with a seeded
    random declared type (every rounding and overflow mode) unless one is given."""

    def __init__(self, name: str, seed: int) -> None:
        self.g = Graph(name)
        self.rng = np.random.default_rng(seed)
        self.outs: list[Value] = []

    def input(self, name: str, shape: tuple[int, ...], t: FixedType) -> Value:
        return self.g.add_input(name, TensorType(shape, t))

    def random_type(self, top: int) -> FixedType:
        """A random type whose lsb is at most ``2**top``. (The official headers abort,
        reading a bit beyond the MSB, when they round a value to a type whose rounding
        bit lies above the MSB of the value's type; such types hold only 0 and the lsb.)"""
        while True:
            width = int(self.rng.integers(1, 17))
            integer = int(self.rng.integers(-2, width + 4))
            if integer - width <= top:
                break
        return FixedType(
            width,
            integer,
            bool(self.rng.integers(2)),
            list(Rounding)[int(self.rng.integers(len(Rounding)))],
            list(Overflow)[int(self.rng.integers(len(Overflow)))],
        )

    def add(self, op: Op, inputs: list[Value], t: FixedType | str | None = "random", **params: Constant) -> None:
        nd = self.g.add_node(op, inputs, name=f"{op.name}{len(self.outs)}", params=params or None)
        if t is not None:
            top = min(as_fixed(v.type.elem).integer for v in [*inputs, nd.output])
            elem = self.random_type(top) if isinstance(t, str) else t
            self.g.set_type(nd.output, TensorType(nd.output.type.shape, elem))
        self.outs.append(nd.output)

    def done(self) -> Graph:
        self.g.set_outputs(self.outs)
        self.g.verify()
        return self.g


def _activations() -> Graph:
    b = _Builder("acts", 11)
    x1 = b.input("x1", (3, 5), FixedType(12, 4))
    for op in (
        Activation("relu"),
        Activation("relu", max_value=2.7),
        Activation("leaky_relu", alpha=0.1),
        Activation("hard_sigmoid"),
    ):
        b.add(op, [x1])
    x2 = b.input("x2", (7,), FixedType(10, 6, False))
    b.add(Activation("sigmoid"), [x2], None)
    b.add(Activation("tanh", table_size=64), [x2])
    b.add(Activation("softsign", table_lo=-8.0, table_hi=8.0, table_size=256), [x2], None)
    b.add(Activation("relu6"), [x2])
    x3 = b.input("x3", (2, 4), FixedType(20, 2))
    b.add(Activation("elu", alpha=0.7), [x3])
    b.add(Activation("selu"), [x3], None)
    b.add(Activation("sigmoid", table_lo=-1.0, table_hi=3.0, table_size=8), [x3])
    b.add(Activation("hard_sigmoid"), [x3], None)
    x4 = b.input("x4", (6,), FixedType(8, 8))
    b.add(Activation("tanh", table_lo=-64.0, table_hi=64.0, table_size=16), [x4], None)  # bin wider than 1
    b.add(Activation("elu", table_lo=-0.5, table_hi=0.0, table_size=32), [x4])
    b.add(Activation("leaky_relu"), [x4], None)
    b.add(Activation("linear"), [x4])
    # Table indexing at the edges: tiny, 1-bit, integer-only and 64-bit input types, a
    # table starting above 0, a softmax whose exp table spans only 1/2.
    for i, t in enumerate(
        [FixedType(3, -4, False), FixedType(1, 1), FixedType(8, 12), FixedType(40, 20), FixedType(64, 34)]
    ):
        x = b.input(f"e{i}", (5,), t)
        b.add(Activation("tanh", table_lo=1.0, table_hi=1.5, table_size=4), [x], None)
        if i % 2 == 0:
            b.add(Softmax(exp_table_size=8, exp_range=0.5), [x])
    return b.done()


def _others() -> Graph:
    b = _Builder("others", 12)
    x = b.input("x", (4, 6), FixedType(14, 5))
    b.add(Softmax(), [x], None)
    b.add(Softmax(exp_table_size=64, exp_range=4.0, inv_table_size=32), [x])
    scale = Constant.from_array(b.rng.normal(size=6) * 2).quantize(FixedType(8, 3))
    shift = Constant.from_array(b.rng.normal(size=6)).quantize(FixedType(6, 2, False))
    b.add(BatchNorm(), [x], scale=scale, shift=shift)
    q = FixedType(7, 2, True, Rounding.RND, Overflow.SAT_SYM)
    b.add(Quantize(q), [x], q)
    v = b.input("v", (9,), FixedType(11, 3, False))
    b.add(Softmax(), [v])
    b.add(
        BatchNorm(),
        [v],
        None,
        scale=Constant.from_array(b.rng.normal(size=9)).quantize(FixedType(5, 1)),
        shift=Constant.from_array(b.rng.normal(size=9)).quantize(FixedType(9, 4)),
    )
    t = b.input("t", (2, 3, 4), FixedType(9, 3, True, Rounding.RND, Overflow.SAT))
    b.add(Dropout(0.2), [t], None)
    b.add(Flatten(), [t], None)
    b.add(Reshape((3, 8)), [t])  # io_stream: words of 4 -> words of 8
    b.add(Reshape((6, 4)), [t], None)  # same words
    types = [
        FixedType(10, 4),
        FixedType(8, 2, False),
        FixedType(12, 8),
        FixedType(6, -1),
        FixedType(9, 5),
        FixedType(16, 3),
    ]
    m = [b.input(f"m{i}", (2, 5), ty) for i, ty in enumerate(types)]
    b.add(Merge("add"), [m[0], m[1]])
    b.add(Merge("subtract"), [m[0], m[2]], None)
    b.add(Merge("multiply"), [m[1], m[2], m[3]])
    b.add(Merge("average"), [m[0], m[1], m[3]], None)  # 1/3 quantised
    b.add(Merge("average"), [m[2], m[3]])  # exact halving
    b.add(Merge("maximum"), [m[4], m[5], m[0]], None)
    b.add(Merge("minimum"), [m[4], m[5]])
    b.add(Merge("average"), [m[4], m[5], m[1], m[2]])
    c = [
        b.input(f"c{i}", s, ty)
        for i, (s, ty) in enumerate(
            [
                ((2, 3, 2), FixedType(8, 3)),
                ((2, 1, 2), FixedType(6, 6, False)),
                ((2, 3, 3), FixedType(10, 1)),
                ((1, 3, 2), FixedType(5, 2)),
            ]
        )
    ]
    b.add(Concatenate(1), [c[0], c[1]])  # io_stream: blocks of words
    b.add(Concatenate(2), [c[0], c[2]])  # channels
    b.add(Concatenate(0), [c[0], c[3]], None)
    b.add(Concatenate(1), [c[1], c[0]], None)
    w = [
        b.input(f"w{i}", (n,), ty)
        for i, (n, ty) in enumerate([(5, FixedType(8, 3)), (3, FixedType(12, 2)), (2, FixedType(4, 4, False))])
    ]
    b.add(Concatenate(0), [w[0], w[1], w[2]])  # 1-D: one word each
    _mixed_signedness(b)
    return b.done()


def _mixed_signedness(b: _Builder) -> None:
    """maximum/minimum of an unsigned and a signed input whose common grid is 32+ bits
    wide with the unsigned side the wider: compared directly, ap types order a negative
    value above the unsigned one (the deep fuzz found max(relu(h), h @ w) < 0)."""
    u = b.input("u", (6,), FixedType(22, 17, False))
    s = b.input("s", (6,), FixedType(24, 0))
    b.add(Merge("maximum"), [u, s], FixedType(12, 4))
    b.add(Merge("minimum"), [s, u], FixedType(26, 1))
    b.add(Merge("maximum"), [s, s, u], None)  # the third stage compares a union with u
    b.add(Merge("minimum"), [u, s, u], None)


GRAPHS: dict[str, Callable[[], Graph]] = {"activations": _activations, "others": _others}


def _samples(g: Graph, seed: int) -> list[np.ndarray]:
    """Per input: the type's extremes and zero, then uniform mantissas over the whole
    range, small mantissas, and values of a few units (where the tables change)."""
    rng = np.random.default_rng(seed)
    xs = []
    for v in g.inputs:
        t = as_fixed(v.type.elem)
        shape = (N_SAMPLES,) + v.type.shape
        full = rng.integers(t.min_mant, t.max_mant, size=shape, endpoint=True, dtype=np.int64)
        small = np.clip(rng.integers(-64, 65, size=shape), t.min_mant, t.max_mant)
        units = np.clip(np.round(np.ldexp(rng.normal(scale=3.0, size=shape), t.frac)), t.min_mant, t.max_mant).astype(
            np.int64
        )
        pick = rng.integers(3, size=shape)
        m = np.where(pick == 0, full, np.where(pick == 1, small, units))
        m[0], m[1], m[2] = t.min_mant, t.max_mant, 0
        m[3] = np.where(np.arange(m[3].size).reshape(m[3].shape) % 2, t.min_mant, t.max_mant)
        xs.append(np.ldexp(m.astype(np.float64), -t.frac))
    return xs


@pytest.fixture(scope="module")
def builds(
    tmp_path_factory: pytest.TempPathFactory, ap_types: Path
) -> Iterator[dict[tuple[str, str, str], tuple[Graph, Future]]]:
    """Every (graph, io type, headers) project, written and compiled concurrently."""
    root = tmp_path_factory.mktemp("elementwise")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HLSFLOW_CACHE", str(tmp_path_factory.getbasetemp() / "csim-cache"))
        with ThreadPoolExecutor(max_workers=max(os.cpu_count() or 1, 2)) as pool:
            yield _submit(root, ap_types, pool)


def _submit(root: Path, ap_types: Path, pool: ThreadPoolExecutor) -> dict[tuple[str, str, str], tuple[Graph, Future]]:
    jobs = [(gname, io, "official") for gname in GRAPHS for io in IO_TYPES]
    jobs += [("others", "io_stream", "own"), ("activations", "io_parallel", "own")]
    pool = ThreadPoolExecutor(max_workers=max(os.cpu_count() or 1, 2))
    out = {}
    for gname, io, headers in jobs:
        g = GRAPHS[gname]()
        prj = Project(g, Config(project_name=f"{gname}_{headers}", io_type=io))
        prj.write(root / f"{gname}_{io}_{headers}", force=True)
        inc = ap_types if headers == "official" else None
        out[(gname, io, headers)] = (g, pool.submit(_build, prj, inc))
    return out


def _build(prj: Project, inc: Path | None) -> Project:
    prj.compile(inc)
    return prj


def _mismatches(g: Graph, prj: Project, seed: int) -> dict[str, int]:
    x = _samples(g, seed)
    got = prj.csim_raw(x)
    want = run(g, x)[0]
    bad = {}
    for v, a, e in zip(g.outputs, got, want):
        assert a.mant.shape == e.mant.shape
        n = int(np.count_nonzero(a.mant.astype(object) != e.mant.astype(object)))
        if n:
            bad[v.name] = n
    return bad


@pytest.mark.csim
@pytest.mark.parametrize("graph", sorted(GRAPHS))
@pytest.mark.parametrize("io_type", IO_TYPES)
def test_csim_matches_emulator_official_headers(builds, graph: str, io_type: str) -> None:
    g, fut = builds[(graph, io_type, "official")]
    assert _mismatches(g, fut.result(), 1) == {}


@pytest.mark.csim
@pytest.mark.parametrize("graph,io_type", [("others", "io_stream"), ("activations", "io_parallel")])
def test_csim_matches_emulator_own_headers(builds, graph: str, io_type: str) -> None:
    g, fut = builds[(graph, io_type, "own")]
    assert (fut.result().output_dir / "sim" / "ap_fixed.h").exists()
    assert _mismatches(g, fut.result(), 2) == {}


def test_n_input_merge_and_concatenate_are_chains_of_stages() -> None:
    g = _others()
    layers = {lay.name: lay for lay in lower_graph(g, Config(io_type="io_stream"), "vitis").layers}
    avg4 = [n for n in g.nodes if n.op.name == "merge" and len(n.inputs) == 4][0].name
    assert [f"{avg4}_stage1", f"{avg4}_stage2", avg4] == [k for k in layers if k.startswith(avg4)]
    consts = {c.name: c.value for c in layers[avg4].consts}
    assert consts["op"] == 5 and consts["r_raw"] == 1  # (a + b) * 2**-2, exact
    assert consts["n_pos"] * consts["n_chan"] == 10
    words = [lay for lay in layers.values() if lay.func == "concatenate_words"]
    assert len(words) == 3  # the axis-0 and axis-1 concatenations of rank-3 tensors


def test_softmax_on_another_axis_is_refused() -> None:
    g = Graph("s")
    x = g.add_input("x", TensorType((4, 3), FixedType(8, 3)))
    g.set_outputs([g.add_node(Softmax(axis=0), [x], name="sm").output])
    with pytest.raises(LoweringError, match=r"softmax over axis 0 .* last axis only"):
        lower_graph(g, Config(), "vitis")


@pytest.mark.csim
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_the_same_input_read_twice(tmp_path: Path, io_type: str) -> None:
    """x + x: io_parallel shares the array; io_stream gives each reading its own copy of
    the input stream (a clone), instead of refusing as it once did."""
    g = Graph("d")
    x = g.add_input("x", TensorType((4,), FixedType(8, 3)))
    g.set_outputs([g.add_node(Merge("add"), [x, x], name="dbl").output])
    layers = lower_graph(g, Config(io_type=io_type), "vitis").layers
    assert [lay.op for lay in layers] == (["clone", "merge"] if io_type == "io_stream" else ["merge"])
    prj = Project(g, Config(project_name="dbl", io_type=io_type))
    prj.write(tmp_path / "prj")
    xs = np.random.default_rng(0).uniform(-20, 20, size=(300, 4))
    assert np.array_equal(prj.csim(xs), prj.emulate(xs))


@pytest.mark.csim
@pytest.mark.parametrize("backend", ["vitis", "catapult"])
@pytest.mark.parametrize("io_type", IO_TYPES)
def test_maximum_and_minimum_of_mixed_signedness(tmp_path: Path, backend: str, io_type: str) -> None:
    """The fuzz-found case on both backends' own headers: relu(h) (ufixed<22,17>) against a
    signed fixed<24,0>; each stage compares in the union type of its inputs (cmp_t)."""
    b = _Builder("mixed", 3)
    _mixed_signedness(b)
    g = b.done()
    view = lower_graph(g, Config(io_type=io_type, backend=backend), backend)
    types = {t.name: t.fixed for t in view.value_types}
    merges = [lay for lay in view.layers if lay.op == "merge"]
    assert len(merges) == 6
    for lay in merges:
        cmp_t = {t.name: t.fixed for t in lay.types}["cmp_t"]
        assert cmp_t == union_type([types[v.type_name] for v in lay.inputs]), lay.name
        assert cmp_t.signed
    prj = Project(g, Config(project_name="mixed", io_type=io_type, backend=backend))
    prj.write(tmp_path / "prj")
    assert _mismatches(g, prj, 4) == {}
