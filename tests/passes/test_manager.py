"""Pass manager: pipeline parsing, verification after each pass, timing, IR dumps."""

from __future__ import annotations

import numpy as np
import pytest

from hlsflow.config import Config
from hlsflow.ir import Constant, Graph, TensorType
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.types import FloatType
from hlsflow.passes.base import Pass, PassContext
from hlsflow.passes.manager import PIPELINES, PassError, PassManager, parse_pipeline


def _graph() -> Graph:
    g = Graph("m")
    x = g.add_input("x", TensorType((3,), FloatType()))
    d = g.add_node(Dense(2), [x], name="fc", params={"kernel": Constant.from_array(np.ones((3, 2)))})
    g.set_outputs([d.output])
    return g


def test_named_pipelines_parse() -> None:
    names = [p.name for p in parse_pipeline("default")]
    assert names[-2:] == ["infer-precision", "fuse-quantize"]
    assert [p.name for p in parse_pipeline(PIPELINES["float"])] == [p.name for p in parse_pipeline("float")]


def test_unknown_pass_and_option_errors() -> None:
    with pytest.raises(PassError, match="unknown pass 'fold-bn'"):
        parse_pipeline("remove-identity,fold-bn")
    with pytest.raises(PassError, match="has no option 'x'"):
        parse_pipeline("remove-identity{x=1}")


def test_records_timing_and_dumps(tmp_path) -> None:
    g = _graph()
    recs = PassManager("default", dump_dir=tmp_path).run(g, PassContext(Config()))
    assert [r.name for r in recs] == [p.name for p in parse_pipeline("default")]
    assert all(r.seconds >= 0 for r in recs)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files[0] == "00-input.ir" and files[-1].endswith("fuse-quantize.ir")
    assert "fixed<16,6>" in (tmp_path / files[-1]).read_text()


class _Breaks(Pass):
    name = "breaks"

    def apply(self, graph: Graph, ctx: PassContext) -> bool:
        n = graph.node("fc")
        graph.set_type(n.output, TensorType((7,), n.output.type.elem))
        return True


def test_invalid_graph_names_pass_and_history() -> None:
    g = _graph()
    passes = parse_pipeline("remove-identity") + [_Breaks()]
    with pytest.raises(PassError, match=r"pass 'breaks' left an invalid graph.*passes run before it: remove-identity"):
        PassManager(passes).run(g, PassContext(Config()))
