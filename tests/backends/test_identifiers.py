"""Graph names that meet C++ or another generated identifier (backends/common/lowering/
identifiers.py): clashing input arguments are renamed, other clashes are one error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from csim_helpers import assert_csim_matches
from hlsflow.backends.common.lowering import LoweringError, lower_graph

import hlsflow
from hlsflow.config import Config
from hlsflow.ir import Constant, FixedType, Graph, TensorType
from hlsflow.ir.ops.activation import Activation
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.ops.merge import Merge

T = FixedType(8, 3)


def _graph(names: list[str], project: str = "m") -> Graph:
    """Inputs ``names`` (4 values each) summed, then a dense layer ``fc``."""
    g = Graph(project)
    xs = [g.add_input(n, TensorType((4,), T)) for n in names]
    h = g.add_node(Merge("add"), xs, name="sum").output if len(xs) > 1 else xs[0]
    w = Constant.from_array(np.arange(12).reshape(4, 3) / 8 - 0.5).quantize(FixedType(6, 1))
    g.set_outputs([g.add_node(Dense(3), [h], name="fc", params={"kernel": w}).output])
    return g


def _ports(names: list[str], project: str = "m") -> list[str]:
    prj = hlsflow.convert(_graph(names, project), config=Config(project_name=project))
    return [v.name for v in lower_graph(prj.graph, prj.config, "vitis").inputs]


def test_ordinary_names_are_kept() -> None:
    assert _ports(["x", "X", "dense_input", "input_1", "fc_in"]) == ["x", "X", "dense_input", "input_1", "fc_in"]


@pytest.mark.parametrize(
    "name,port",
    [
        ("int", "int_in"),  # keyword
        ("EOF", "EOF_in"),  # macro (every all-caps name of 2+ characters may be one)
        ("stdin", "stdin_in"),
        ("s", "s_in"),  # a local of the csim bridge
        ("in", "in_in"),  # ... and of the testbench
        ("m", "m_in"),  # the project (top function)
        ("fc_w", "fc_w_in"),  # the weights of layer fc
        ("fc_out", "fc_out_in"),  # the output of layer fc
        ("config_fc", "config_fc_in"),  # layer fc's config struct
        ("sum_t", "sum_t_in"),  # the typedef of the merge's output
    ],
)
def test_clashing_input_arguments_get_in_appended(name: str, port: str) -> None:
    assert _ports(["x", name]) == ["x", port]


def test_a_renamed_argument_avoids_the_next_clash() -> None:
    """fc_w clashes with the weights; fc_w_in is another input's name."""
    assert _ports(["fc_w", "fc_w_in"]) == ["fc_w_in_in", "fc_w_in"]
    assert _ports(["fc_w_in", "fc_w"]) == ["fc_w_in", "fc_w_in_in"]


def test_layers_whose_derived_names_meet_are_one_error() -> None:
    """A 3-input merge ``a`` has a first stage ``a_stage1``; a layer of that name too."""
    g = Graph("m")
    xs = [g.add_input(f"x{i}", TensorType((4,), T)) for i in range(3)]
    a = g.add_node(Merge("add"), xs, name="a").output
    g.set_outputs([g.add_node(Merge("add"), [a, xs[0], xs[1]], name="a_stage1").output])
    prj = hlsflow.convert(g, config=Config(project_name="m"))
    with pytest.raises(LoweringError, match=r"identifiers clash: 'a_stage1_out' \(layer a_stage1\)") as err:
        lower_graph(prj.graph, prj.config, "vitis")
    assert "config_a_stage1" in str(err.value) and "Rename one of the layers" in str(err.value)


@pytest.mark.csim
@pytest.mark.parametrize("backend", ["vitis", "catapult"])
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_renamed_arguments_simulate(tmp_path: Path, backend: str, io_type: str) -> None:
    """Inputs named like a keyword, a macro, bridge and testbench locals, the project and
    the dense layer's weights: the project compiles and matches the emulator. (Before,
    ``fc_w`` compiled and silently read the input as weights.)"""
    names = ["int", "EOF", "s", "in", "n", "m", "fc_w"]
    prj = hlsflow.convert(_graph(names), config=Config(project_name="m", io_type=io_type, backend=backend))
    out = prj.write(tmp_path / "prj")
    top = (out / "firmware" / "m.cpp").read_text()
    assert "fc_w_in" in top and "EOF_in" in top
    x = [np.random.default_rng(i).uniform(-16, 16, size=(300, 4)) for i in range(len(names))]
    assert_csim_matches(prj, x)


@pytest.mark.csim
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_an_input_named_like_a_layer_output(tmp_path: Path, io_type: str) -> None:
    """Input ``l0_out`` read by layers l0 and l1, and l0's own output ``l0_out`` read by
    l2 and l3: only the input argument is renamed (the deep fuzz found l2 reading the
    input when renaming went by name), and in io_stream the two fan-outs' stream copies
    are named after the values (``l0_out_cpy0`` and ``l0_cpy0``), so they do not meet."""
    g = Graph("m")
    x = g.add_input("l0_out", TensorType((4,), T))
    a = g.add_node(Activation("relu"), [x], name="l0").output
    w = Constant.from_array(np.arange(16).reshape(4, 4) / 16 - 0.5).quantize(FixedType(6, 1))
    d = g.add_node(Dense(4), [x], name="l1", params={"kernel": w}).output
    s = g.add_node(Merge("add"), [a, d], name="l2").output
    g.set_outputs([s, g.add_node(Activation("relu"), [a], name="l3").output])
    prj = hlsflow.convert(g, config=Config(project_name="m", io_type=io_type))
    reads = {lay.name: [v.name for v in lay.inputs] for lay in lower_graph(prj.graph, prj.config, "vitis").layers}
    if io_type == "io_stream":
        assert reads["l0_out_clone"] == ["l0_out_in"] and reads["l0_clone"] == ["l0_out"]
        assert reads["l2"] == ["l0_cpy0", "l1_out"] and reads["l1"] == ["l0_out_cpy1"]
    else:
        assert reads["l0"] == ["l0_out_in"] and reads["l2"] == ["l0_out", "l1_out"]
    prj.write(tmp_path / "prj")
    assert_csim_matches(prj, np.random.default_rng(1).uniform(-16, 16, size=(300, 4)))
