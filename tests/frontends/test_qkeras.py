"""QKeras frontend: quantizer -> IR type mapping, bit-exact Quantize semantics against
QKeras itself, quantised weights, per-layer numerics, files, unsupported options."""

from __future__ import annotations

import keras_models
import numpy as np
import pytest

from hlsflow.frontends import UnsupportedModelError, from_keras
from hlsflow.ir.types import FixedType, FloatType, Overflow, Rounding, parse_type

keras = pytest.mark.keras
pytestmark = [
    pytest.mark.filterwarnings("ignore:The `keras.constraints.serialize"),
    pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file"),
]


@pytest.fixture(scope="session")
def Q(K):
    return pytest.importorskip("qkeras")


# quantizer -> exact Quantize type (see the table in hlsflow/frontends/qkeras.py)
TYPES = [
    ("quantized_bits(6,2)", "fixed<6,3,RND_CONV,SAT>"),
    ("quantized_bits(6,2,1)", "fixed<6,3,RND_CONV,SAT_SYM>"),
    ("quantized_bits(5,1,keep_negative=False)", "ufixed<5,1,RND_CONV,SAT>"),
    ("quantized_bits(8,0)", "fixed<8,1,RND_CONV,SAT>"),
    ("quantized_relu(6,2)", "ufixed<6,2,RND_CONV,SAT>"),
    ("quantized_relu(4,0)", "ufixed<4,0,RND_CONV,SAT>"),
    ("quantized_relu(4,2,negative_slope=0.25)", "fixed<4,3,RND_CONV,SAT>"),
    ("quantized_relu(4,1,negative_slope=2.0)", "fixed<5,3,RND_CONV,SAT>"),
    ("quantized_tanh(6)", "fixed<6,1,RND_CONV,SAT>"),
    ("quantized_tanh(5,symmetric=True)", "fixed<5,1,RND_CONV,SAT_SYM>"),
    ("quantized_tanh(6,use_real_tanh=True)", "fixed<6,1,RND_CONV,SAT>"),
    ("quantized_sigmoid(6)", "ufixed<6,0,RND_CONV,SAT>"),
    ("quantized_sigmoid(5,use_real_sigmoid=True)", "ufixed<5,0,RND_CONV,SAT>"),
]
#: Quantizers whose QKeras float32 result is exact on dyadic inputs (no tanh/sigmoid call).
EXACT = [q for q, _ in TYPES if "use_real" not in q]


@keras
def test_activation_type_table(Q):
    from hlsflow.frontends.qkeras import activation_type

    for spec, want in TYPES:
        assert activation_type(spec) == parse_type(want), spec
        assert activation_type(Q.quantizers.get_quantizer(spec)) == parse_type(want), spec
    # serialized dict (as in a model JSON) and a quantizer object
    assert str(activation_type({"class_name": "quantized_relu", "config": {"bits": 6, "integer": 2}})) == (
        "ufixed<6,2,RND_CONV,SAT>"
    )
    t = activation_type(Q.quantized_bits(8, 3, keep_negative=True))
    assert t == FixedType(8, 4, True, Rounding.RND_CONV, Overflow.SAT)


def _activation_model(K, Q, specs):
    return keras_models.qactivations(specs)(K, Q)


def _dyadic_input():
    # k/64 over [-10, 10): exact in float32 and full of rounding ties.
    return (np.arange(-640, 640, dtype=np.float32) / 64.0).reshape(20, 64)


@keras
def test_activation_quantizers_bit_exact(K, Q, helpers):
    """On dyadic inputs QKeras computes exactly in float32, so the IR reference must
    reproduce it bit for bit, including round-half-to-even ties and clip ranges."""
    from hlsflow.emulate import reference

    m = _activation_model(K, Q, EXACT)
    g = from_keras(m)
    x = _dyadic_input()
    for spec, got, want in zip(EXACT, reference(g, x), helpers.keras_outputs(m, x)):
        assert np.array_equal(got, want), (spec, np.flatnonzero(got != want)[:5])
    # the leaky quantized_relu clamps negatives at -s * 2**integer, not at the type minimum
    j = EXACT.index("quantized_relu(4,2,negative_slope=0.25)")
    assert g.node(f"q{j}_neg_relu").op.max_value == 1.0
    assert sorted(n.kind for n in g.nodes if n.meta["keras_layer"] == f"q{j}") == [
        "activation",
        "activation",
        "batch_norm",
        "merge",
        "quantize",
    ]


@keras
def test_activation_quantizers_with_real_functions(K, Q, helpers):
    """tanh / sigmoid: float32 vs float64 may differ by one step next to a boundary."""
    from hlsflow.emulate import reference

    specs = [q for q, _ in TYPES if "use_real" in q]
    m = _activation_model(K, Q, specs)
    g = from_keras(m)
    x = _dyadic_input() / 2.0
    for spec, got, want in zip(specs, reference(g, x), helpers.keras_outputs(m, x)):
        lsb = g.node(f"q{specs.index(spec)}").op.to.lsb
        diff = np.abs(got - want)
        assert np.all(diff <= lsb) and np.mean(diff > 0) < 0.01, spec


@keras
def test_smooth_internal_sigmoid(K, Q, helpers):
    from hlsflow.emulate import reference

    Q.quantizers.set_internal_sigmoid("smooth")
    try:
        m = _activation_model(K, Q, ["quantized_tanh(6)", "quantized_sigmoid(6)"])
        g = from_keras(m)
        x = _dyadic_input()
        for got, want in zip(reference(g, x), helpers.keras_outputs(m, x)):
            assert np.array_equal(got, want)
    finally:
        Q.quantizers.set_internal_sigmoid("hard")
    assert g.node("q0_scale").params["scale"].float_values()[0] == 0.375


@pytest.fixture(scope="module")
def qmodel(K, Q, helpers):
    m = keras_models.qmodel(K, Q)
    return helpers.randomize(m, seed=7, zero_frac=0.2)


@keras
def test_qkeras_model_types_and_weights(qmodel):
    import tensorflow as tf

    g = from_keras(qmodel)
    rc, sat = Rounding.RND_CONV, Overflow.SAT
    assert g.node("qrelu").op.to == FixedType(6, 2, False, rc, sat)
    assert g.node("qd1").kind == "quantize" and g.node("qd1").op.to == FixedType(8, 3, False, rc, sat)
    assert [g.node(n).kind for n in ("qd1_linear", "qd1_relu", "qd1")] == ["dense", "activation", "quantize"]
    assert g.node("qtanh").op.to == FixedType(8, 1, True, rc, sat)
    assert g.node("qout").op.to == FixedType(8, 3, True, rc, sat)
    assert g.node("qout").output.type.elem == g.node("qout").op.to
    # Quantised weights: fixed, lossless, equal to what QKeras uses.
    for lname, node, pname, attr, qattr in [
        ("qconv", "qconv", "kernel", "kernel", "kernel_quantizer_internal"),
        ("qconv", "qconv", "bias", "bias", "bias_quantizer_internal"),
        ("qd1", "qd1_linear", "kernel", "kernel", "kernel_quantizer_internal"),
        ("qd1", "qd1_linear", "bias", "bias", "bias_quantizer_internal"),
        ("qd2", "qd2", "kernel", "kernel", "kernel_quantizer_internal"),
        ("qd3", "qd3", "kernel", "kernel", "kernel_quantizer_internal"),
        ("qd3", "qd3", "bias", "bias", "bias_quantizer_internal"),
    ]:
        layer = qmodel.get_layer(lname)
        c = g.node(node).params[pname]
        want = getattr(layer, qattr)(tf.constant(getattr(layer, attr))).numpy().astype(np.float64)
        assert c.is_fixed and np.array_equal(c.float_values(), want), (lname, pname)
        assert np.array_equal(c.mask, want != 0)
    assert g.node("qconv").params["kernel"].type.width <= 4  # quantized_bits(4,0,alpha=1)
    # binary kernel with alpha='auto_po2' (set by QDense): one power of two per output channel
    wb = np.abs(g.node("qd3").params["kernel"].float_values())
    assert all(len(np.unique(col)) == 1 and np.log2(col[0]) % 1 == 0 for col in wb.T)
    # An unquantised bias stays float; BatchNorm scale/shift are float (from quantised stats).
    assert isinstance(g.node("qd2").params["bias"].type, FloatType)
    assert isinstance(g.node("qbn").params["scale"].type, FloatType)


@keras
def test_qkeras_model_per_layer(qmodel, helpers):
    """Each layer on Keras's own inputs: non-quantised layers within 1e-4; Quantize
    outputs are on the grid and equal except, rarely, one step next to a rounding
    boundary where Keras's float32 accumulation lands on the other side."""
    x = np.random.default_rng(8).normal(size=(64, 8, 8, 2)).astype(np.float32)
    g = from_keras(qmodel)
    results = helpers.per_layer_reference(qmodel, g, x)
    assert set(results) >= {"qconv", "qrelu", "qbn", "qd1", "qd2", "qtanh", "qd3", "qout"}
    flips = {}
    for name, (got, want, node) in results.items():
        if node.kind == "quantize":
            lsb = node.op.to.lsb
            diff = np.abs(got - want)
            assert np.all(diff <= lsb * (1 + 1e-9)), name
            flips[name] = int(np.count_nonzero(diff))
            assert flips[name] <= max(1, got.size // 200), (name, flips[name])
        else:
            helpers.assert_close(got, want)
    print("one-step differences per Quantize layer:", flips)


@keras
def test_qkeras_dyadic_end_to_end(K, Q, helpers):
    """Dyadic inputs, few-bit weights and no BatchNorm: QKeras's float32 arithmetic is
    exact, so the whole model must match bit for bit."""
    from hlsflow.emulate import reference

    m = keras_models.qdyadic(True)(K, Q)
    helpers.randomize(m, seed=9)
    x = (np.random.default_rng(9).integers(-32, 32, size=(32, 6, 6, 2)) / 16.0).astype(np.float32)
    g = from_keras(m)
    got, want = reference(g, x), helpers.keras_outputs(m, x)[0]
    assert np.array_equal(got, want)
    assert g.node("sep_depthwise").params["kernel"].is_fixed and g.node("sep").kind == "conv2d"


@keras
def test_qkeras_json_and_h5_round_trip(qmodel, tmp_path):
    g0 = from_keras(qmodel)
    (tmp_path / "q.json").write_text(qmodel.to_json())
    qmodel.save_weights(tmp_path / "q_weights.h5")
    qmodel.save(tmp_path / "q.h5")
    for g in (from_keras(tmp_path / "q.json", weights=tmp_path / "q_weights.h5"), from_keras(tmp_path / "q.h5")):
        assert [(n.name, n.kind) for n in g.nodes] == [(n.name, n.kind) for n in g0.nodes]
        for n0 in g0.nodes:
            n = g.node(n0.name)
            assert n.output.type == n0.output.type and n.op == n0.op
            for p, c in n0.params.items():
                assert n.params[p].type == c.type and np.array_equal(n.params[p].float_values(), c.float_values())


@keras
def test_unsupported_quantizers_listed_together(K, Q):
    i = K.Input((8,), name="x")
    outs = [
        Q.QActivation("binary", name="bin_act")(i),
        Q.QActivation(Q.quantized_bits(4, 0, use_stochastic_rounding=True), name="stoch")(i),
        Q.QDense(4, kernel_quantizer=Q.quantized_bits(4, 0, alpha="auto"), name="auto_alpha")(i),
        Q.QActivation("quantized_relu(4,0,use_sigmoid=1)", name="sigrelu")(i),
        Q.QActivation(Q.quantized_sigmoid(4, symmetric=True), name="symsig")(i),
        Q.QActivation("quantized_po2(4)", name="po2act")(i),
        Q.QDense(4, kernel_quantizer=Q.quantized_bits(4, 0, alpha=0.3), name="bad_alpha")(i),
        Q.QActivation("quantized_bits(1,0)", name="sign")(i),
        Q.QDense(4, kernel_quantizer="quantized_bits(6,0)", activation="quantized_relu(4,0)", name="fine")(i),
    ]
    m = K.Model(i, outs)
    with pytest.raises(UnsupportedModelError) as ei:
        from_keras(m)
    probs = {name: (cls, reason) for name, cls, reason in ei.value.problems}
    assert list(probs) == ["bin_act", "stoch", "auto_alpha", "sigrelu", "symsig", "po2act", "bad_alpha", "sign"]
    assert probs["auto_alpha"][0] == "QDense" and "alpha='auto'" in probs["auto_alpha"][1]
    assert "kernel_quantizer" in probs["auto_alpha"][1]
    assert "use_stochastic_rounding" in probs["stoch"][1]
    assert "binary is not supported as an activation" in probs["bin_act"][1]
    assert "use_sigmoid" in probs["sigrelu"][1] and "symmetric" in probs["symsig"][1]
    assert "alpha=0.3" in probs["bad_alpha"][1] and "sign function" in probs["sign"][1]


@keras
def test_qactivation_with_keras_function(K, Q, helpers):
    m = keras_models.qkeras_function(K, Q)
    g = from_keras(m)
    assert g.node("r").kind == "activation" and g.node("r").op.function == "relu"
