"""Graph edit API, verify(), and the printer."""

from __future__ import annotations

import numpy as np
import pytest

from hlsflow.ir import Constant, FixedType, Graph, IRError, TensorType
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.types import FloatType


def _mlp() -> tuple[Graph, list]:
    g = Graph("m")
    x = g.add_input("x", TensorType((4,), FixedType(8, 3)))
    rng = np.random.default_rng(1)
    w1 = Constant.from_array(rng.normal(size=(4, 3))).quantize(FixedType(8, 2))
    w2 = Constant.from_array(rng.normal(size=(3, 2))).quantize(FixedType(8, 2))
    d1 = g.add_node(Dense(3), [x], name="d1", params={"kernel": w1})
    d2 = g.add_node(Dense(2), [d1.output], name="d2", params={"kernel": w2})
    g.set_outputs([d2.output])
    return g, [d1, d2]


def test_build_verify_and_print() -> None:
    g, (d1, d2) = _mlp()
    g.verify()
    text = str(g)
    assert text.splitlines()[0] == "graph m:"
    assert "%d1: " in text and "= dense(%x) {units=3}" in text
    assert text.splitlines()[-1] == "  return %d2"
    assert d1.output.users == (d2,)


def test_unique_names_and_sanitising() -> None:
    g = Graph("my model/1")
    assert g.name == "my_model_1"
    a = g.add_input("in put", TensorType((2,), FixedType(8, 3)))
    b = g.add_input("in put", TensorType((2,), FixedType(8, 3)))
    assert a.name == "in_put" and b.name == "in_put_1"


def test_replace_uses_and_remove() -> None:
    g, (d1, d2) = _mlp()
    x = g.inputs[0]
    w = Constant.from_array(np.ones((4, 3))).quantize(FixedType(4, 2))
    d1b = g.add_node(Dense(3), [x], name="d1b", params={"kernel": w})
    g.replace_uses(d1.output, d1b.output)
    assert d2.inputs[0] is d1b.output
    assert d1.output.users == ()
    g.remove_node(d1)
    g.verify()
    with pytest.raises(IRError, match="still used"):
        g.remove_node(d1b)


def test_topological_order_kept_after_rewiring() -> None:
    g, (d1, d2) = _mlp()
    x = g.inputs[0]
    # A node added at the end and then used by d1's consumer must move before it.
    w = Constant.from_array(np.ones((4, 3))).quantize(FixedType(4, 2))
    late = g.add_node(Dense(3), [x], name="late", params={"kernel": w})
    g.set_input(d2, 0, late.output)
    g.verify()
    assert g.nodes.index(late) < g.nodes.index(d2)


def test_verify_catches_bad_shapes_and_missing_params() -> None:
    g, (d1, d2) = _mlp()
    g.set_type(d1.output, TensorType((5,), d1.output.type.elem))
    with pytest.raises(IRError, match="d1"):
        g.verify()
    g2, (e1, _) = _mlp()
    del e1.params["kernel"]
    with pytest.raises(IRError, match="kernel"):
        g2.verify()


def test_verify_rejects_float_output_of_fixed_node() -> None:
    g, (d1, _) = _mlp()
    g.set_type(d1.output, TensorType((3,), FloatType()))
    with pytest.raises(IRError, match="float output"):
        g.verify()


def test_dead_code_elimination_and_bypass() -> None:
    g, (d1, d2) = _mlp()
    w = Constant.from_array(np.ones((3, 2))).quantize(FixedType(4, 2))
    g.add_node(Dense(2), [d1.output], name="dead", params={"kernel": w})
    assert g.dead_code_elimination() == 1
    g.verify()
    assert [n.name for n in g.nodes] == ["x", "d1", "d2"]


def test_constant_mask_and_sparsity() -> None:
    c = Constant.from_array(np.array([[0.0, 0.5], [0.25, 0.0]]))
    assert c.mask.tolist() == [[False, True], [True, False]]
    q = c.quantize(FixedType(4, 1))
    assert q.nonzero == 2 and q.sparsity == 0.5
    # a value that quantises to zero costs no multiplier either
    q2 = Constant.from_array(np.array([0.01, 0.5])).quantize(FixedType(4, 1))
    assert q2.nonzero == 1
