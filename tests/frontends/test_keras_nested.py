"""Keras models nested in a model (a Sequential or Functional model used as a layer) are
inlined: their layers become nodes named ``<model>_<layer>``, for any depth, multiple
inputs/outputs and a nested model called twice (shared weights); numerics equal
model(x), through a saved .h5 too, and csim equals the emulator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hlsflow.frontends import from_keras

keras = pytest.mark.keras


def _x(shape: tuple[int, ...], n: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, *shape)).astype(np.float32)


@keras
def test_sequential_inside_functional(K, helpers):
    L = K.layers
    inner = K.Sequential([K.Input((6,)), L.Dense(5, activation="relu", name="fc")], name="feat")
    i = K.Input((6,), name="x")
    o = L.Dense(3, name="head")(inner(i))
    m = helpers.randomize(K.Model(i, o), seed=1)
    g = helpers.reference_matches(m, _x((6,)))
    names = [n.name for n in g.nodes]
    assert names == ["x", "feat_fc_linear", "feat_fc", "head"]
    assert g.node("feat_fc_linear").meta["keras_layer"] == "feat_fc"


@keras
def test_nested_without_input_layer_and_two_levels(K, helpers):
    L = K.layers
    deepest = K.Sequential([L.Dense(4, activation="tanh", name="d")], name="deep")
    middle = K.Sequential([L.Dense(6, name="m"), deepest], name="mid")
    outer = K.Sequential([K.Input((5,)), middle, L.Dense(2, name="out")], name="outer")
    m = helpers.randomize(outer, seed=2)
    g = helpers.reference_matches(m, _x((5,)))
    assert "mid_deep_d" in [n.name for n in g.nodes]


@keras
def test_functional_with_two_inputs_and_outputs_called_twice(K, helpers):
    L = K.layers
    a, b = K.Input((4,), name="a"), K.Input((4,), name="b")
    s = L.Add(name="sum")([L.Dense(3, name="pa")(a), L.Dense(3, name="pb")(b)])
    block = K.Model([a, b], [L.Activation("relu", name="r")(s), L.Dense(2, name="side")(s)], name="block")
    x1, x2 = K.Input((4,), name="x1"), K.Input((4,), name="x2")
    r1, s1 = block([x1, x2])
    r2, s2 = block([x2, x1])  # the same block (same weights) again, inputs swapped
    y = L.Concatenate(name="cat")([r1, r2, s1, s2])
    m = helpers.randomize(K.Model([x1, x2], [y, s2]), seed=3)
    x = [_x((4,), seed=4), _x((4,), seed=5)]
    g = helpers.reference_matches(m, x)
    names = [n.name for n in g.nodes]
    assert "block_pa" in names and "block_1_pa" in names  # one copy per call
    w0 = g.node("block_pa").params["kernel"].values
    w1 = g.node("block_1_pa").params["kernel"].values
    assert np.array_equal(w0, w1)


@keras
@pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")
def test_nested_model_saved_as_h5(K, helpers, tmp_path: Path):
    L = K.layers
    inner = K.Sequential([K.Input((6,)), L.Dense(5, activation="relu", name="fc")], name="feat")
    i = K.Input((6,), name="x")
    o = L.Dense(3, activation="softmax", name="head")(inner(i))
    m = helpers.randomize(K.Model(i, o), seed=6)
    path = tmp_path / "nested.h5"
    m.save(path)
    x = _x((6,))
    g_live, g_file = from_keras(m), from_keras(str(path))
    assert [n.name for n in g_live.nodes] == [n.name for n in g_file.nodes]
    from hlsflow.emulate import reference

    assert np.array_equal(reference(g_live, x), reference(g_file, x))


@keras
@pytest.mark.csim
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_nested_model_csim(K, helpers, tmp_path: Path, io_type: str):
    import hlsflow

    L = K.layers
    inner = K.Sequential([K.Input((8,)), L.Dense(6, activation="relu", name="fc")], name="feat")
    i = K.Input((8,), name="x")
    f = inner(i)
    o = L.Dense(3, name="head")(L.Concatenate(name="cat")([f, L.Dense(2, name="skip")(i)]))
    m = helpers.randomize(K.Model(i, [o, f]), seed=7)
    prj = hlsflow.convert(m, config={"IOType": io_type})
    prj.write(tmp_path / "prj")
    x = _x((8,), n=500, seed=8)
    for a, b in zip(prj.csim(x), prj.emulate(x)):
        assert np.array_equal(a, b)
