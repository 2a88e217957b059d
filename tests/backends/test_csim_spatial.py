"""Convolution, pooling and zero-padding lowerings: csim == emulate bit for bit.

Each graph chains several spatial layers (io_parallel and io_stream, Latency and
Resource with per-layer reuse factors, narrowed outputs with assorted rounding and
overflow modes) and exposes intermediate results through zero-width zero_padding taps
(which in io_stream also exercise stream fan-out). Compiled against the official
ap_types headers, once against hlsflow's own; plus pruning -> multiplier counts and
reuse-factor validation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from csim_helpers import assert_csim_matches, csim_inputs, narrow, sparse_const
from hlsflow.backends.common.lowering import LoweringError, lower_graph

from hlsflow.config import Config
from hlsflow.emulate import trace
from hlsflow.ir import FixedType, Graph, TensorType
from hlsflow.ir.graph import Value
from hlsflow.ir.ops.conv1d import Conv1D
from hlsflow.ir.ops.conv2d import Conv2D
from hlsflow.ir.ops.depthwise_conv2d import DepthwiseConv2D
from hlsflow.ir.ops.global_pool import GlobalPool
from hlsflow.ir.ops.pointwise_conv import PointwiseConv
from hlsflow.ir.ops.pool import Pool
from hlsflow.ir.ops.zero_padding import ZeroPadding
from hlsflow.ir.types import Overflow, Rounding
from hlsflow.project import Project


def _tap(g: Graph, v: Value) -> Value:
    """An exact copy of ``v`` (zero padding by nothing) to expose it as a graph output."""
    return g.add_node(ZeroPadding(((0, 0),) * (len(v.type.shape) - 1)), [v], name=f"tap_{v.name}").output


def _graph_2d(seed: int) -> Graph:
    """pad -> conv2d (same, strided) -> avg pool (same) -> depthwise (dilated) ->
    pointwise -> max pool (same) -> global avg, with taps after each stage."""
    rng = np.random.default_rng(seed)
    g = Graph("spatial2d")
    x = g.add_input("x", TensorType((9, 8, 3), FixedType(10, 4)))
    pad = g.add_node(ZeroPadding(((1, 0), (2, 1))), [x], name="pad")
    conv = g.add_node(
        Conv2D(4, (3, 3), (2, 1), "same"),
        [pad.output],
        name="conv",
        params={"kernel": sparse_const(rng, (3, 3, 3, 4), FixedType(8, 2), 0.5), "bias": sparse_const(rng, (4,), FixedType(8, 3), 0)},
    )
    c = narrow(g, conv, FixedType(11, 5, True, Rounding.RND, Overflow.SAT))
    ap = narrow(
        g,
        g.add_node(Pool("avg", (3, 3), (1, 2), "same"), [c], name="avgpool"),
        FixedType(10, 3, True, Rounding.RND_CONV, Overflow.WRAP),
    )
    dw = g.add_node(
        DepthwiseConv2D((2, 2), (1, 1), "same", 2, (2, 1)),
        [ap],
        name="dw",
        params={"kernel": sparse_const(rng, (2, 2, 4, 2), FixedType(6, 1), 0.5), "bias": sparse_const(rng, (8,), FixedType(6, 2), 0.5)},
    )
    d = narrow(g, dw, FixedType(9, 3, True, Rounding.TRN, Overflow.WRAP))
    pw = g.add_node(PointwiseConv(5), [d], name="pw", params={"kernel": sparse_const(rng, (8, 5), FixedType(7, 2), 0.5)})
    p = narrow(g, pw, FixedType(12, 4, True, Rounding.RND_ZERO, Overflow.SAT_SYM))
    mp = g.add_node(Pool("max", (2, 3), (2, 2), "same"), [p], name="maxpool")
    m = narrow(g, mp, FixedType(8, 2, True, Rounding.TRN, Overflow.SAT))
    gap = g.add_node(GlobalPool("avg"), [m], name="gap")
    out = narrow(g, gap, FixedType(12, 3, True, Rounding.RND, Overflow.SAT))
    g.set_outputs([_tap(g, c), _tap(g, ap), _tap(g, d), _tap(g, p), out])
    g.verify()
    return g


def _graph_1d(seed: int) -> Graph:
    """Unsigned 1D input: conv1d (dilated) -> max pool -> pad -> conv1d (same, strided)
    -> avg pool (valid) -> global max, plus a global avg branch straight off the input."""
    rng = np.random.default_rng(seed)
    g = Graph("spatial1d")
    x = g.add_input("x", TensorType((20, 2), FixedType(9, 3, False)))
    c1 = g.add_node(
        Conv1D(3, 3, 1, "valid", 2),
        [x],
        name="c1",
        params={"kernel": sparse_const(rng, (3, 2, 3), FixedType(7, 1), 0.5), "bias": sparse_const(rng, (3,), FixedType(6, 2), 0.5)},
    )
    a = narrow(g, c1, FixedType(10, 4, True, Rounding.RND_INF, Overflow.SAT))
    mp = g.add_node(Pool("max", (2,), (2,), "valid"), [a], name="mp")
    pad = g.add_node(ZeroPadding(((2, 1),)), [mp.output], name="pad1")
    c2 = g.add_node(
        Conv1D(4, 4, 2, "same"), [pad.output], name="c2", params={"kernel": sparse_const(rng, (4, 3, 4), FixedType(6, 2), 0.5)}
    )
    b = narrow(g, c2, FixedType(9, 4, True, Rounding.RND_MIN_INF, Overflow.WRAP))
    ap = g.add_node(Pool("avg", (3,), (2,), "valid"), [b], name="ap")
    e = narrow(g, ap, FixedType(8, 3, True, Rounding.RND, Overflow.SAT_ZERO))
    gmax = g.add_node(GlobalPool("max"), [e], name="gmax")
    gavg = narrow(
        g, g.add_node(GlobalPool("avg"), [x], name="gavg"), FixedType(8, 2, False, Rounding.RND, Overflow.SAT)
    )
    g.set_outputs([_tap(g, a), _tap(g, pad.output), _tap(g, b), gmax.output, gavg])
    g.verify()
    return g


def _config(name: str, io_type: str, strategy: str, reuse: dict[str, int]) -> Config:
    cfg = Config(project_name=name, io_type=io_type, strategy=strategy)
    for layer, rf in reuse.items():
        cfg.layer(layer).reuse_factor = rf
    return cfg


def _overflowing(g: Graph, x: np.ndarray, names: Sequence[str]) -> None:
    """The narrowed outputs really overflow on these inputs (so SAT/WRAP are exercised)."""
    tr = trace(g, x)
    for n in names:
        assert tr[n].overflows > 0, n


GRAPH_2D_REUSE = {"conv": 7, "dw": 3, "pw": 4}
GRAPH_1D_REUSE = {"c1": 2, "c2": 5}


@pytest.mark.csim
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("strategy", ["Latency", "Resource"])
def test_spatial_2d_matches_emulator(tmp_path, ap_types, io_type: str, strategy: str) -> None:
    g = _graph_2d(1)
    reuse = GRAPH_2D_REUSE if strategy == "Resource" else {}
    prj = Project(g, _config("sp2d", io_type, strategy, reuse))
    prj.write(tmp_path / "prj")
    x = csim_inputs(g, 2, mixed_extremes=True)
    _overflowing(g, x, ["conv", "avgpool", "pw", "maxpool"])
    assert_csim_matches(prj, x, ap_types)


@pytest.mark.csim
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_spatial_1d_matches_emulator(tmp_path, ap_types, io_type: str) -> None:
    g = _graph_1d(3)
    prj = Project(g, _config("sp1d", io_type, "Resource", GRAPH_1D_REUSE))
    prj.write(tmp_path / "prj")
    x = csim_inputs(g, 4, mixed_extremes=True)
    _overflowing(g, x, ["c1", "c2", "gavg"])
    assert_csim_matches(prj, x, ap_types)


@pytest.mark.csim
def test_spatial_own_headers(tmp_path) -> None:
    g = _graph_2d(5)
    prj = Project(g, _config("sp_own", "io_stream", "Resource", GRAPH_2D_REUSE))
    prj.write(tmp_path / "prj")
    if not (tmp_path / "prj" / "sim" / "ap_fixed.h").exists():
        pytest.fail("hlsflow's own ap_fixed simulation headers are missing from the project")
    assert_csim_matches(prj, csim_inputs(g, 6, 1000, mixed_extremes=True))


def _conv_model(sparsity: float) -> Graph:
    rng = np.random.default_rng(7)
    g = Graph("pruned")
    x = g.add_input("x", TensorType((8, 8, 8), FixedType(8, 3)))
    c = g.add_node(
        Conv2D(16, (3, 3)), [x], name="conv", params={"kernel": sparse_const(rng, (3, 3, 8, 16), FixedType(8, 2), sparsity)}
    )
    dw = g.add_node(
        DepthwiseConv2D((3, 3), depth_multiplier=2),
        [c.output],
        name="dw",
        params={"kernel": sparse_const(rng, (3, 3, 16, 2), FixedType(8, 2), sparsity)},
    )
    g.set_outputs([dw.output])
    return g


def test_pruning_removes_multipliers() -> None:
    dense, pruned = _conv_model(0.0), _conv_model(0.7)
    for idx, layer in enumerate(("conv", "dw")):
        m_dense = lower_graph(dense, Config(), "vitis").layers[idx].multipliers
        m_pruned = lower_graph(pruned, Config(), "vitis").layers[idx].multipliers
        # one multiplier per non-zero stored weight (a few unpruned ones quantise to 0)
        assert (
            m_dense
            == dense.node(layer).params["kernel"].nonzero
            > 0.97 * dense.node(layer).params["kernel"].values.size
        )
        assert m_pruned == pruned.node(layer).params["kernel"].nonzero
        assert 0.25 < m_pruned / m_dense < 0.35
    r_dense = Project(dense, Config()).report().multipliers
    r_pruned = Project(pruned, Config()).report().multipliers
    assert 0.25 < r_pruned / r_dense < 0.35
    cfg = Config()
    cfg.layer("conv").reuse_factor = 4
    lay = lower_graph(pruned, cfg, "vitis").layers[0]
    assert lay.multipliers == -(-pruned.node("conv").params["kernel"].nonzero // 4)


def test_conv_reuse_factor_is_validated() -> None:
    g = _conv_model(0.7)
    cfg = Config()
    cfg.layer("dw").reuse_factor = 10_000
    with pytest.raises(LoweringError, match=r"ReuseFactor 10000 for layer 'dw' is invalid"):
        lower_graph(g, cfg, "vitis")
