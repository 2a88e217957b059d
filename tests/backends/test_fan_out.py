"""Fan-out in io_stream: a stream is read once, so each reader (a layer reading a tensor
in two inputs counts twice) gets its own copy from
``clone`` layers (at most four copies each, chained beyond that), and a graph output
that other layers also read is written through a clone (the design cannot read its own
output port). csim equals the emulator on both backends and both io types."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from csim_helpers import assert_csim_matches, csim_inputs, narrow, sparse_const
from hlsflow.backends.common.lowering import MAX_CLONE_COPIES, lower_graph

from hlsflow.config import Config
from hlsflow.ir import FixedType, Graph, TensorType
from hlsflow.ir.ops.activation import Activation
from hlsflow.ir.ops.concatenate import Concatenate
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.ops.merge import Merge
from hlsflow.ir.types import Overflow, Rounding
from hlsflow.project import Project

KINDS = ("relu", "sigmoid", "tanh", "linear", "relu", "sigmoid")


def _graph(n_branches: int, hidden_is_output: bool, seed: int = 1) -> Graph:
    """x -> dense h -> ``n_branches`` activations of h -> concatenate -> dense y; outputs
    y (and h itself when ``hidden_is_output``), plus h + y's first slice as a merge so
    h is read by a merge as well."""
    rng = np.random.default_rng(seed)
    g = Graph("fan")
    x = g.add_input("x", TensorType((6,), FixedType(10, 3)))
    d = g.add_node(
        Dense(4),
        [x],
        name="h",
        params={"kernel": sparse_const(rng, (6, 4), FixedType(8, 2), 0.2), "bias": sparse_const(rng, (4,), FixedType(8, 3), 0)},
    )
    h = narrow(g, d, FixedType(12, 4, True, Rounding.RND, Overflow.SAT))
    branches = [g.add_node(Activation(KINDS[i % len(KINDS)]), [h], name=f"a{i}").output for i in range(n_branches)]
    cat = g.add_node(Concatenate(0), branches, name="cat").output
    y = g.add_node(Dense(4), [cat], name="y", params={"kernel": sparse_const(rng, (4 * n_branches, 4), FixedType(7, 2), 0.3)})
    yv = narrow(g, y, FixedType(14, 6, True, Rounding.RND_CONV, Overflow.SAT_SYM))
    m = g.add_node(Merge("add"), [h, yv], name="m")
    out = narrow(g, m, FixedType(14, 6, True, Rounding.RND, Overflow.SAT))
    g.set_outputs([out, h] if hidden_is_output else [out])
    g.verify()
    return g


@pytest.mark.parametrize("n_branches", [2, 3, 4, 6, 9])
@pytest.mark.parametrize("hidden_is_output", [False, True])
def test_clone_layers_give_every_reader_one_copy(n_branches: int, hidden_is_output: bool) -> None:
    g = _graph(n_branches, hidden_is_output)
    view = lower_graph(g, Config(project_name="fan", io_type="io_stream"), "vitis")
    clones = [lay for lay in view.layers if lay.op == "clone" and lay.name.startswith("h_clone")]
    readers = n_branches + 1 + int(hidden_is_output)  # the activations, the merge, the port
    copies = [o for lay in clones for o in lay.outputs]
    forwarded = [o for o in copies if any(o in lay.inputs for lay in clones)]
    assert len(copies) - len(forwarded) == readers
    assert all(len(lay.outputs) <= MAX_CLONE_COPIES for lay in clones)
    assert len(clones) == max(1, -(-(readers - 1) // (MAX_CLONE_COPIES - 1)))
    # every stream is written by exactly one layer and read by exactly one layer (or is a port)
    written = [o.name for lay in view.layers for o in lay.outputs]
    read = [i.name for lay in view.layers for i in lay.inputs] + [o.name for o in view.outputs]
    assert len(written) == len(set(written))
    for name in written:
        assert read.count(name) == 1, name
    if hidden_is_output:
        h_port = view.outputs[1]
        assert any(h_port in lay.outputs for lay in clones)  # the port is written by a clone
        producer = next(lay for lay in view.layers if lay.name.startswith("h") and lay.op != "clone")
        assert h_port not in producer.outputs


@pytest.mark.csim
@pytest.mark.parametrize("backend", ["vitis", "catapult"])
@pytest.mark.parametrize("io_type", ["io_stream", "io_parallel"])
def test_fan_out_csim_matches_emulator(tmp_path: Path, backend: str, io_type: str) -> None:
    g = _graph(6, hidden_is_output=True, seed=3)
    prj = Project(g, Config(project_name="fan", backend=backend, io_type=io_type))
    prj.write(tmp_path / "prj")
    assert_csim_matches(prj, csim_inputs(g, 4, n=1000))


@pytest.mark.csim
def test_fan_out_official_headers(tmp_path: Path, ap_types: Path) -> None:
    g = _graph(9, hidden_is_output=True, seed=5)
    prj = Project(g, Config(project_name="fan_v", io_type="io_stream"))
    prj.write(tmp_path / "prj")
    assert_csim_matches(prj, csim_inputs(g, 6, n=600), ap_types)


def _same_tensor_twice(seed: int) -> Graph:
    """Layers reading one tensor in several inputs: h * h, concatenate(h, r, h, h) and
    average(h, h, r) -- each reading needs its own stream copy in io_stream."""
    rng = np.random.default_rng(seed)
    g = Graph("twice")
    x = g.add_input("x", TensorType((5,), FixedType(10, 3)))
    d = g.add_node(Dense(4), [x], name="h", params={"kernel": sparse_const(rng, (5, 4), FixedType(8, 2), 0.2)})
    h = narrow(g, d, FixedType(11, 4, True, Rounding.RND, Overflow.SAT))
    r = g.add_node(Activation("relu"), [h], name="r").output
    sq = g.add_node(Merge("multiply"), [h, h], name="sq").output
    cat = g.add_node(Concatenate(0), [h, r, h, h], name="cat").output
    avg = g.add_node(Merge("average"), [h, h, r], name="avg").output
    out = g.add_node(Concatenate(0), [sq, cat, avg, avg], name="out").output
    g.set_outputs([out])
    g.verify()
    return g


def test_each_reading_of_a_tensor_gets_its_own_copy() -> None:
    view = lower_graph(_same_tensor_twice(1), Config(project_name="twice", io_type="io_stream"), "vitis")
    read = [i.name for lay in view.layers for i in lay.inputs] + [o.name for o in view.outputs]
    written = [o.name for lay in view.layers for o in lay.outputs]
    assert len(written) == len(set(written))
    for name in written:
        assert read.count(name) == 1, name  # every stream read exactly once


@pytest.mark.csim
@pytest.mark.parametrize("backend", ["vitis", "catapult"])
@pytest.mark.parametrize("io_type", ["io_stream", "io_parallel"])
def test_same_tensor_twice_csim_matches_emulator(tmp_path: Path, backend: str, io_type: str) -> None:
    g = _same_tensor_twice(2)
    prj = Project(g, Config(project_name="twice", backend=backend, io_type=io_type))
    prj.write(tmp_path / "prj")
    assert_csim_matches(prj, csim_inputs(g, 3, n=800))
