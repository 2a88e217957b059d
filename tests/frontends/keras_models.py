"""Keras 2 / QKeras test models shared by the frontend tests (test_keras.py,
test_qkeras.py, test_keras2_h5.py): each builder takes tf_keras (and QKeras) and returns an
unbuilt-weights model with fixed layer names; tests set the weights they need."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def mlp(K: Any) -> Any:
    L = K.layers
    return K.Sequential(
        [
            L.Dense(16, activation="relu", input_shape=(10,), batch_size=4, name="fc1"),
            L.Dropout(0.2, name="drop"),
            L.Dense(8, activation="tanh", name="fc2"),
            L.Dense(4, activation="softmax", name="out"),
        ],
        name="mlp",
    )


def built_later(K: Any) -> Any:
    L = K.layers
    m = K.Sequential([L.Dense(5, activation="sigmoid", name="a"), L.Dense(3, name="b")], name="late")
    m.build((None, 7))
    return m


def branches(K: Any) -> Any:
    L = K.layers
    i1 = K.Input((6,), name="in_a")
    i2 = K.Input((6,), name="in_b")
    a = L.Dense(4, activation="relu", name="da")(i1)
    b = L.Dense(4, name="db")(i2)
    shared = L.Dense(4, name="shared")
    s1, s2 = shared(a), shared(b)
    add = L.Add(name="add")([a, b, s1])
    sub = L.Subtract(name="sub")([a, b])
    mul = L.Multiply(name="mul")([a, s2])
    avg = L.Average(name="avg")([a, b, s1])
    mx = L.Maximum(name="max")([sub, mul])
    mn = L.Minimum(name="min")([add, avg])
    cat = L.Concatenate(name="cat")([mx, mn, b])
    r = L.Reshape((3, 4), name="r")(cat)
    cat1 = L.Concatenate(axis=1, name="cat1")([r, r])
    out = L.Dense(2, name="head")(cat)
    return K.Model([i1, i2], [out, cat1, add], name="branches")


def conv2d_stack(K: Any) -> Any:
    L = K.layers
    i = K.Input((8, 8, 3), name="img")
    y = L.ZeroPadding2D(((1, 0), (2, 1)), name="pad")(i)
    y = L.Conv2D(4, 3, activation="relu", name="conv")(y)
    y = L.BatchNormalization(name="bn")(y)
    y = L.MaxPooling2D(name="maxpool")(y)
    y = L.DepthwiseConv2D(3, padding="same", depth_multiplier=2, name="dw")(y)
    y = L.SeparableConv2D(5, 3, strides=2, padding="same", activation="elu", name="sep")(y)
    y = L.Conv2D(6, 2, padding="same", dilation_rate=2, use_bias=False, name="dil")(y)
    y = L.AveragePooling2D(padding="same", name="avgpool")(y)
    a = L.GlobalMaxPooling2D(name="gmax")(y)
    b = L.Flatten(name="flat")(y)
    b = L.Reshape((-1, 3), name="reshape")(b)
    b = L.GlobalAveragePooling1D(name="gavg")(b)
    return K.Model(i, [a, b], name="convnet")


def conv1d_stack(K: Any) -> Any:
    L = K.layers
    return K.Sequential(
        [
            L.ZeroPadding1D((1, 2), input_shape=(16, 3), name="pad"),
            L.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="selu", name="causal"),
            L.Conv1D(5, 3, strides=2, padding="same", name="strided"),
            L.BatchNormalization(center=False, scale=False, epsilon=0.01, name="bn_plain"),
            L.MaxPooling1D(2, name="mp"),
            L.AveragePooling1D(3, strides=1, padding="same", name="ap"),
            L.SpatialDropout1D(0.1, name="sd"),
            L.GlobalMaxPooling1D(name="gmp"),
            L.GaussianNoise(0.3, name="noise"),
            L.Dense(2, name="out"),
        ]
    )


def every_activation(K: Any) -> Any:
    L = K.layers
    i = K.Input((12,), name="x")
    h = L.Dense(12, name="h")(i)
    names = ("linear", "relu", "relu6", "leaky_relu", "sigmoid", "tanh", "hard_sigmoid", "softsign", "elu", "selu")
    outs = [L.Activation(fn, name=f"act_{fn}")(h) for fn in (*names, "softmax")]
    outs += [
        L.ReLU(max_value=1.5, name="relu_max")(h),
        L.ReLU(negative_slope=0.125, name="relu_neg")(h),
        L.LeakyReLU(alpha=0.2, name="leaky")(h),
        L.ELU(alpha=0.5, name="elu_layer")(h),
        L.Softmax(name="softmax_layer")(h),
        L.Dense(3, activation="hard_sigmoid", name="fused_hs")(h),
    ]
    return K.Model(i, outs, name="acts")


#: QKeras activation quantizers (test_qkeras.py's table); the hard tanh / sigmoid ones
#: depend on QKeras's internal sigmoid and are left to the tf_keras path.
Q_ACTIVATIONS = [
    "quantized_bits(6,2)",
    "quantized_bits(6,2,1)",
    "quantized_bits(5,1,keep_negative=False)",
    "quantized_bits(8,0)",
    "quantized_relu(6,2)",
    "quantized_relu(4,0)",
    "quantized_relu(4,2,negative_slope=0.25)",
    "quantized_relu(4,1,negative_slope=2.0)",
    "quantized_tanh(6,use_real_tanh=True)",
    "quantized_sigmoid(5,use_real_sigmoid=True)",
]
Q_HARD = ["quantized_tanh(6)", "quantized_tanh(5,symmetric=True)", "quantized_sigmoid(6)"]


def qactivations(specs: list[str]) -> Callable[[Any, Any], Any]:
    def build(K: Any, Q: Any) -> Any:
        i = K.Input((64,), name="x")
        return K.Model(i, [Q.QActivation(s, name=f"q{j}")(i) for j, s in enumerate(specs)])

    return build


def qmodel(K: Any, Q: Any) -> Any:
    """test_qkeras.py's qmodel: auto_po2 kernels, ternary, binary, po2 (tf_keras path)."""
    L = K.layers
    i = K.Input((8, 8, 2), name="img")
    y = Q.QConv2D(
        4,
        3,
        kernel_quantizer=Q.quantized_bits(4, 0, alpha=1),
        bias_quantizer=Q.quantized_bits(6, 2, alpha=1),
        name="qconv",
    )(i)
    y = Q.QActivation("quantized_relu(6,2)", name="qrelu")(y)
    y = Q.QBatchNormalization(name="qbn")(y)
    y = L.MaxPooling2D(name="pool")(y)
    y = L.Flatten(name="flat")(y)
    y = Q.QDense(
        10,
        kernel_quantizer="quantized_bits(6,0)",
        bias_quantizer="quantized_bits(8,3)",
        activation="quantized_relu(8,3)",
        name="qd1",
    )(y)
    y = Q.QDense(6, kernel_quantizer="ternary", name="qd2")(y)
    y = Q.QActivation("quantized_tanh(8)", name="qtanh")(y)
    y = Q.QDense(4, kernel_quantizer="binary", bias_quantizer="quantized_po2(4)", name="qd3")(y)
    y = Q.QActivation("quantized_bits(8,2)", name="qout")(y)
    return K.Model(i, y, name="qnet")


def qdyadic(po2: bool) -> Callable[[Any, Any], Any]:
    """test_qkeras.py's dyadic end-to-end model (``po2``), or the variant whose every
    quantizer is replayed here (quantized_bits kernels, real tanh/sigmoid, a QBN)."""

    def build(K: Any, Q: Any) -> Any:
        L = K.layers
        i = K.Input((6, 6, 2))
        y = Q.QConv2D(
            3,
            3,
            kernel_quantizer=Q.quantized_bits(4, 0, alpha=1),
            bias_quantizer="quantized_bits(4,2,alpha=1)",
            activation="quantized_relu(5,2)",
            name="c",
        )(i)
        y = Q.QDepthwiseConv2D(
            2,
            depthwise_quantizer=Q.quantized_bits(4, 1, alpha=1),
            depth_multiplier=2,
            bias_quantizer=Q.quantized_bits(4, 1, alpha=1),
            name="dw",
        )(y)
        y = Q.QActivation("quantized_bits(6,2)", name="a1")(y)
        y = Q.QSeparableConv2D(
            4,
            2,
            depthwise_quantizer=Q.quantized_bits(3, 0, alpha=1),
            pointwise_quantizer=Q.quantized_bits(3, 0, alpha=1),
            name="sep",
        )(y)
        y = Q.QActivation("quantized_relu(4,2,negative_slope=0.5)", name="a2")(y)
        if not po2:
            y = Q.QBatchNormalization(
                gamma_quantizer=Q.quantized_bits(6, 2, alpha=1),
                beta_quantizer="quantized_bits(6,2)",
                mean_quantizer=None,
                variance_quantizer=None,
                name="qbn",
            )(y)
        y = L.Reshape((-1, 4))(y)
        y = Q.QConv1D(
            2,
            2,
            kernel_quantizer="quantized_bits(4,0,alpha=1)",
            bias_quantizer="quantized_bits(4,0,alpha=1)",
            activation="quantized_tanh(6)" if po2 else "quantized_tanh(6,use_real_tanh=True)",
            name="c1d",
        )(y)
        y = L.Flatten()(y)
        if po2:
            y = Q.QDense(3, kernel_quantizer="quantized_po2(4)", activation="quantized_sigmoid(6)", name="d")(y)
            return K.Model(i, y)
        y = Q.QDense(3, kernel_quantizer="quantized_bits(5,1,alpha=1)", activation="relu", name="d")(y)
        return K.Model(i, Q.QActivation("quantized_sigmoid(6,use_real_sigmoid=True)", name="d_sig")(y))

    return build


def qkeras_function(K: Any, Q: Any) -> Any:
    i = K.Input((5,))
    return K.Model(i, Q.QActivation("relu", name="r")(i))
