"""Helpers shared by the backend csim tests: sparse quantised weights, narrowed output
types, inputs over the input type's range and the bit-for-bit comparison of C-simulation
with the emulator."""

from __future__ import annotations

import numpy as np

from hlsflow.emulate import run
from hlsflow.ir import Constant, FixedType, Graph, Node, TensorType, Value
from hlsflow.ir.ops.conv2d import Conv2D
from hlsflow.project import Project


def sparse_const(rng: np.random.Generator, shape: tuple[int, ...], t: FixedType, sparsity: float) -> Constant:
    """Normal weights with about ``sparsity`` of them exactly zero, quantised to ``t``."""
    w = rng.normal(size=shape)
    w[rng.random(shape) < sparsity] = 0
    return Constant.from_array(w).quantize(t)


def conv3x3(g: Graph, x: Value, rng: np.random.Generator, filters: int, t: FixedType, name: str = "conv") -> Node:
    """A valid 3x3 Conv2D of ``x`` with ``filters`` outputs: kernel quantised to
    FixedType(8, 2) with ~30% zeros, bias FixedType(8, 3); its output typed ``t``."""
    n = g.add_node(
        Conv2D(filters, (3, 3), (1, 1), "valid"),
        [x],
        name=name,
        params={
            "kernel": sparse_const(rng, (3, 3, x.type.shape[-1], filters), FixedType(8, 2), 0.3),
            "bias": sparse_const(rng, (filters,), FixedType(8, 3), 0),
        },
    )
    narrow(g, n, t)
    return n


def narrow(g: Graph, n: Node, t: FixedType) -> Value:
    """Give ``n``'s output the (narrower) type ``t``; returns the output."""
    g.set_type(n.output, TensorType(n.output.type.shape, t))
    return n.output


def csim_inputs(g: Graph, seed: int, n: int = 1200, mixed_extremes: bool = False) -> np.ndarray:
    """Random data over (and beyond) the input range, with all-max, all-min and all-zero
    samples (and, with ``mixed_extremes``, samples mixing min and max elementwise)."""
    t = g.inputs[0].type
    rng = np.random.default_rng(seed)
    lo, hi = t.elem.min_value, t.elem.max_value
    x = rng.uniform(lo - 1, hi + 1, size=(n,) + t.shape) * rng.random((n,) + (1,) * len(t.shape))
    x[:10] = hi
    x[10:20] = lo
    x[20:30] = 0.0
    if mixed_extremes:
        x[30:60] = rng.choice([lo, hi], size=(30,) + t.shape)
    return x


def assert_csim_matches(prj: Project, x: np.ndarray, include_dir: object = None) -> None:
    """Every graph output of the C-simulation equals the emulator's, bit for bit."""
    want = run(prj.graph, x)[0]
    got = prj.csim_raw(x, include_dir=include_dir)
    assert len(got) == len(want)
    for v, a, b in zip(prj.graph.outputs, got, want):
        assert a.mant.shape == b.mant.shape, v.name
        bad = int(np.count_nonzero(a.mant != b.mant))
        assert bad == 0, f"{v.name}: {bad} of {b.mant.size} values differ from the emulator"
