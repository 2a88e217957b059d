"""Dense lowering: csim == emulate bit for bit (official and own headers, both io types,
both strategies), zero weights have no multiplier, reuse-factor rule errors."""

from __future__ import annotations

import numpy as np
import pytest
from hlsflow.backends.common.lowering import LoweringError, lower_graph

from hlsflow.config import Config
from hlsflow.emulate import run
from hlsflow.ir import Constant, FixedType, Graph, TensorType
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.types import Overflow, Rounding
from hlsflow.project import Project


def _mlp(seed: int, sparsity: float = 0.7) -> Graph:
    rng = np.random.default_rng(seed)
    g = Graph("m")
    x = g.add_input("x", TensorType((16,), FixedType(16, 6)))
    w = rng.normal(size=(16, 8))
    w[rng.random(w.shape) < sparsity] = 0
    d1 = g.add_node(
        Dense(8),
        [x],
        name="fc1",
        params={
            "kernel": Constant.from_array(w).quantize(FixedType(8, 2)),
            "bias": Constant.from_array(rng.normal(size=8)).quantize(FixedType(8, 3)),
        },
    )
    g.set_type(d1.output, TensorType((8,), FixedType(12, 4, True, Rounding.RND, Overflow.SAT)))
    d2 = g.add_node(Dense(4), [d1.output], name="fc2", params={"kernel": Constant.from_array(rng.normal(size=(8, 4))).quantize(FixedType(6, 1))})
    g.set_type(d2.output, TensorType((4,), FixedType(10, 3, True, Rounding.RND_CONV, Overflow.WRAP)))
    g.set_outputs([d2.output])
    g.verify()
    return g


def _inputs(seed: int, n: int = 1500) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 16)) * 8
    x[:10] = 31.999  # extremes of fixed<16,6>
    x[10:20] = -32.0
    x[20:30] = 0.0
    return x


@pytest.mark.csim
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("strategy,rf", [("Latency", 1), ("Resource", 3)])
def test_dense_csim_matches_emulator_official_headers(tmp_path, ap_types, io_type: str, strategy: str, rf: int) -> None:
    g = _mlp(1)
    cfg = Config(project_name="dense_t", io_type=io_type, strategy=strategy, reuse_factor=rf)
    prj = Project(g, cfg)
    prj.write(tmp_path / "prj")
    x = _inputs(2)
    got = prj.csim_raw(x, include_dir=ap_types)[0].mant
    want = run(g, x)[0][0].mant
    assert got.shape == want.shape
    assert int(np.count_nonzero(got != want)) == 0


@pytest.mark.csim
def test_dense_csim_matches_emulator_own_headers(tmp_path) -> None:
    g = _mlp(3)
    prj = Project(g, Config(project_name="dense_own"))
    prj.write(tmp_path / "prj")
    if not (tmp_path / "prj" / "sim" / "ap_fixed.h").exists():
        pytest.fail("hlsflow's own ap_fixed simulation headers are missing from the project")
    x = _inputs(4)
    assert np.array_equal(prj.csim_raw(x)[0].mant, run(g, x)[0][0].mant)


def test_zero_weights_have_no_multiplier() -> None:
    dense, sparse = _mlp(5, 0.0), _mlp(5, 0.7)
    m_dense = lower_graph(dense, Config(), "vitis").layers[0].multipliers
    m_sparse = lower_graph(sparse, Config(), "vitis").layers[0].multipliers
    assert m_dense == 128
    assert m_sparse == int(np.count_nonzero(sparse.node("fc1").params["kernel"].mant))
    assert 0.2 < m_sparse / m_dense < 0.4


def test_invalid_reuse_factor_explains_rule() -> None:
    g = _mlp(6, 0.7)
    cfg = Config()
    cfg.layer("fc1").reuse_factor = 1000
    with pytest.raises(LoweringError, match=r"ReuseFactor 1000 for layer 'fc1' is invalid.*valid values are 1\.\.\d+"):
        lower_graph(g, cfg, "vitis")
