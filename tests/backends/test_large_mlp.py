"""The 1M-parameter MLP 16x500x500x500x500x500x5 builds and C-simulates bit-exactly
(the constant-folding explosion that stops the incumbent's csim build must not happen:
weights are plain integer arrays and loops stay loops for g++)."""

from __future__ import annotations

import numpy as np
import pytest

import hlsflow
from hlsflow.emulate import run
from hlsflow.ir import Constant, Graph, TensorType
from hlsflow.ir.ops.activation import Activation
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.types import FloatType

SIZES = (16, 500, 500, 500, 500, 500, 5)


def big_mlp() -> Graph:
    rng = np.random.default_rng(0)
    g = Graph("big_mlp")
    v = g.add_input("x", TensorType((SIZES[0],), FloatType()))
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        params = {
            "kernel": Constant.from_array(rng.normal(size=(n_in, n_out)) / np.sqrt(n_in)),
            "bias": Constant.from_array(rng.normal(size=n_out) * 0.1),
        }
        v = g.add_node(Dense(n_out), [v], name=f"fc{i}", params=params).output
        if i < len(SIZES) - 2:
            v = g.add_node(Activation("relu"), [v], name=f"relu{i}").output
    g.set_outputs([v])
    return g


@pytest.mark.slow
@pytest.mark.csim
def test_million_parameter_mlp_csim_is_bit_exact(tmp_path) -> None:
    g = big_mlp()
    prj = hlsflow.convert(g, project_name="big_mlp")
    assert sum(n.params["kernel"].values.size for n in prj.graph.nodes if "kernel" in n.params) > 1_000_000
    prj.write(tmp_path / "prj")
    x = np.random.default_rng(1).normal(size=(1000, SIZES[0]))
    got = prj.csim_raw(x)[0].mant
    want = run(prj.graph, x)[0][0].mant
    assert int(np.count_nonzero(got != want)) == 0
