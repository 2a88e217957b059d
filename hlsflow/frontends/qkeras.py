"""QKeras support: quantised layers and the ONE place where QKeras quantizers become IR
types.

QKeras layers (QDense, QConv1D, QConv2D, QDepthwiseConv2D, QSeparableConv2D,
QBatchNormalization, QActivation) are converted by the Keras frontend's converters
(:mod:`hlsflow.frontends.keras`), which call into this module for every quantizer:

* **Weight quantizers** (``kernel_quantizer``, ``bias_quantizer``,
  ``depthwise_quantizer``, ``pointwise_quantizer``): the layer's own quantizer object
  (``<attr>_internal``, as QKeras uses it) is applied to the float weights by QKeras
  itself; the result must lie on a power-of-two grid and is stored as
  ``Constant.from_array(q).quantize(exact_fixed_type(q))`` -- a lossless fixed type
  (checked). Note that QKeras layers turn ``alpha=None`` of a kernel's quantized_bits /
  binary / ternary into ``alpha="auto_po2"`` (per-output-channel power-of-two scales), so
  a kernel's type can be wider than ``bits``.
* **QBatchNormalization**: gamma/beta/mean/variance go through their quantizers (when
  set, as QKeras does) and the BatchNorm scale/shift are computed from the quantised
  values in float64 (they are float constants, like a Keras BatchNormalization's).
* **Activation quantizers** (QActivation, or ``activation=`` of a Q-layer) become an
  optional pre-activation followed by a ``Quantize`` node, exactly as below.

QKeras rounds with ``tf.round`` (round half to even = ``Rounding.RND_CONV``) and clips
with ``K.clip`` (= ``Overflow.SAT``). Derivations from ``qkeras/quantizers.py`` (0.9.0),
with ``m_i = 2**integer``:

=========================================  ===========================================================
QKeras activation quantizer                IR (pre-activation -> Quantize type)
=========================================  ===========================================================
quantized_bits(bits, integer,              Quantize(fixed<bits, integer+1, RND_CONV, SAT>)
keep_negative=True, symmetric=0,           source: ``m = 2**(bits-keep_negative)``,
alpha=None or 1)                           ``xq = m_i * clip(round(x*m/m_i), -m+symmetric, m-1) / m``:
                                           step ``2**(integer+1-bits)``, mantissas [-m, m-1];
                                           ``integer`` excludes the sign bit.
... symmetric=1                            Quantize(fixed<bits, integer+1, RND_CONV, SAT_SYM>)
                                           (mantissas [-(m-1), m-1])
... keep_negative=False                    Quantize(ufixed<bits, integer, RND_CONV, SAT>)
                                           (``m = 2**bits``, mantissas [0, m-1])
quantized_relu(bits, integer)              Activation("relu") -> Quantize(ufixed<bits, integer, RND_CONV, SAT>)
                                           source: ``m = 2**bits``,
                                           ``xq = m_i * clip(round(x*m/m_i)/m, 0, 1-1/m)``: step
                                           ``2**(integer-bits)``, max ``2**integer - step`` (the
                                           largest value is one step BELOW ``2**integer``).
quantized_relu(bits, integer,              relu(x) - min(relu(-s*x), s*2**integer) -> Quantize(fixed
negative_slope=s)                          covering mantissas [-s*2**(bits-1), 2**(bits-1)-1] on step
                                           ``2**(integer+1-bits)``, RND_CONV, SAT) = fixed<bits,
                                           integer+1> for s <= 1. Source: the sign takes one of the
                                           ``bits`` (``m = 2**(bits-1)``) and negative outputs are
                                           ``step * clip(round(s*x/step), -s*m, 0)``: the clamp at
                                           ``-s*2**integer`` is what the 4 pre-nodes express exactly
                                           (Activation relu, BatchNorm(-s), Activation relu with
                                           max_value, Merge subtract).
quantized_relu(..., relu_upper_bound=u,    Activation("relu", max_value=u) when ``u`` is on the grid
is_quantized_clip=False)                   and below the type's maximum (else ignored / unsupported)
quantized_tanh(bits, symmetric=False,      Quantize(fixed<bits, 1, RND_CONV, SAT>); SAT_SYM when
use_real_tanh=False)                       symmetric. Source: ``m = 2**(bits-1)``,
                                           ``clip(round(p*m)/m, -1+symmetric/m, 1-1/m)`` with
                                           ``p = 2*_sigmoid(x)-1``; with QKeras's default hard
                                           ``_sigmoid`` ``p = clip(x, -1, 1)``, absorbed by SAT.
                                           Smooth ``_sigmoid``: BatchNorm(0.375, 0) first; real
                                           ``_sigmoid``: BatchNorm(0.5, 0) + Activation("tanh").
... use_real_tanh=True                     Activation("tanh") -> the same Quantize
quantized_sigmoid(bits, symmetric=False,   BatchNorm(scale 0.5, shift 0.5) -> Quantize(ufixed<bits, 0,
use_real_sigmoid=False)                    RND_CONV, SAT>). Source: ``m = 2**bits``,
                                           ``clip(round(p*m)/m, 0, 1-1/m)``, ``p = _sigmoid(x)``
                                           (hard: ``clip(0.5*x+0.5, 0, 1)``, absorbed by SAT; smooth:
                                           BatchNorm(0.1875, 0.5); real: Activation("sigmoid")).
... use_real_sigmoid=True                  Activation("sigmoid") -> the same Quantize
=========================================  ===========================================================

Weight quantizers: quantized_bits (alpha None, 1, a power of two, or "auto_po2"),
binary and ternary (alpha None / "auto_po2" / powers of two; use_01), quantized_po2,
quantized_relu_po2, quantized_relu, quantized_tanh, quantized_sigmoid -> the exact grid
type of the quantised values (e.g. quantized_bits(4,0) with alpha=1 gives at most
fixed<4,1>; binary gives fixed<2,1> or ufixed<1,1>; quantized_po2 gives the narrowest type
holding its powers of two).

Unsupported (listed in the UnsupportedModelError): binary, ternary, quantized_po2,
quantized_relu_po2, quantized_ulaw, quantized_hswish, bernoulli and stochastic_* used as
activations; ``use_stochastic_rounding`` in an activation quantizer; ``alpha="auto"`` or
any non-power-of-two ``alpha`` (weights) and any ``alpha`` other than None/1
(activations); ``qnoise_factor != 1``; quantized_relu ``use_sigmoid``; quantized_sigmoid
``symmetric``; 1-bit signed quantized_bits activations (a sign function).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hlsflow.frontends.errors import LayerUnsupported
from hlsflow.frontends.keras import (
    Converter,
    KerasConverter,
    LayerCall,
    _batch_norm,
    _conv1d,
    _conv2d,
    _dense,
    _depthwise_conv2d,
    _separable_conv2d,
    activation_name,
    is_qkeras_quantizer,
    keras_activation_op,
    single,
)
from hlsflow.ir.constant import Constant, exact_fixed_type
from hlsflow.ir.graph import Value
from hlsflow.ir.types import FixedType, Overflow, Rounding
from hlsflow.numerics.fixed import type_for_range

#: QKeras's rounding (tf.round: half to even) and clipping (K.clip).
ROUNDING = Rounding.RND_CONV
OVERFLOW = Overflow.SAT

#: Quantizers accepted for weights (their outputs are checked to be on a grid anyway).
WEIGHT_QUANTIZERS = (
    "quantized_bits",
    "binary",
    "ternary",
    "quantized_po2",
    "quantized_relu_po2",
    "quantized_relu",
    "quantized_tanh",
    "quantized_sigmoid",
)
#: Quantizers accepted for activations.
ACTIVATION_QUANTIZERS = ("quantized_bits", "quantized_relu", "quantized_tanh", "quantized_sigmoid")


def quantizer_from(spec: Any) -> Any:
    """A QKeras quantizer object from an object, a string (``"quantized_relu(6,2)"``) or a
    serialized dict (``{"class_name": "quantized_relu", "config": {...}}``)."""
    if spec is None or is_qkeras_quantizer(spec):
        return spec
    from hlsflow.frontends.keras import import_tf_keras

    import_tf_keras()
    from qkeras.quantizers import get_quantizer  # type: ignore[import-untyped]

    try:
        return get_quantizer(spec)
    except (ValueError, KeyError, NameError, SyntaxError, TypeError) as exc:
        raise LayerUnsupported(f"cannot read quantizer {spec!r}: {exc}") from None


def _num(v: Any) -> Any:
    """A plain Python/numpy value from a possibly tf.Variable attribute."""
    if hasattr(v, "numpy"):
        v = v.numpy()
    a = np.asarray(v)
    return a.item() if a.size == 1 else a


def _int_attr(q: Any, attr: str) -> int:
    v = _num(getattr(q, attr))
    if isinstance(v, np.ndarray) or float(v) != int(v):
        raise LayerUnsupported(f"{q}: {attr}={v!r} must be a single integer")
    return int(v)


def _is_po2(a: np.ndarray) -> bool:
    a = np.asarray(a, dtype=np.float64)
    if a.size == 0 or not np.all(np.isfinite(a)) or np.any(a <= 0):
        return False
    m, _ = np.frexp(a)
    return bool(np.all(m == 0.5))


def _check_common(q: Any, activation: bool) -> None:
    qn = _num(getattr(q, "qnoise_factor", 1.0))
    if np.any(np.asarray(qn) != 1.0):
        raise LayerUnsupported(f"{q}: qnoise_factor={qn} mixes float and quantised values; only 1.0 is supported")
    if activation and getattr(q, "use_stochastic_rounding", False):
        raise LayerUnsupported(f"{q}: use_stochastic_rounding is not supported in activation quantizers")


# -- weights ---------------------------------------------------------------------------
def _check_weight_quantizer(q: Any, what: str) -> None:
    kind = type(q).__name__
    if kind not in WEIGHT_QUANTIZERS:
        raise LayerUnsupported(
            f"{what}: {kind} is not supported for weights (supported: {', '.join(WEIGHT_QUANTIZERS)})"
        )
    try:
        _check_common(q, activation=False)
    except LayerUnsupported as exc:
        raise LayerUnsupported(f"{what}: {exc.reason}") from None
    alpha = getattr(q, "alpha", None)
    if isinstance(alpha, str):
        if alpha != "auto_po2":
            raise LayerUnsupported(
                f"{what}: alpha={alpha!r} scales weights by a non-power-of-two factor, which no fixed-point type "
                "holds exactly; use alpha='auto_po2' or alpha=1"
            )
    elif alpha is not None and not _is_po2(np.asarray(_num(alpha))):
        raise LayerUnsupported(f"{what}: alpha={alpha!r} is not a power of two; use alpha='auto_po2' or alpha=1")
    if kind == "quantized_relu" and bool(getattr(q, "use_sigmoid", False)):
        raise LayerUnsupported(f"{what}: quantized_relu use_sigmoid is not supported")


def quantize_values(q: Any, values: np.ndarray, what: str = "weights") -> np.ndarray:
    """``values`` after QKeras quantizer ``q`` (applied by QKeras itself), as float64."""
    import tensorflow as tf  # type: ignore[import-untyped]

    q = quantizer_from(q)
    _check_weight_quantizer(q, what)
    out = q(tf.constant(np.asarray(values, dtype=np.float32)))
    return np.asarray(out.numpy() if hasattr(out, "numpy") else out, dtype=np.float64).reshape(np.shape(values))


def _significant_bits(v: np.ndarray) -> int:
    """Largest number of significant bits of any non-zero value (0 when all are zero)."""
    nz = v[v != 0]
    if nz.size == 0:
        return 0
    m, _ = np.frexp(np.abs(nz))
    ints = np.round(np.ldexp(m, 53)).astype(np.int64)
    best = 0
    for n in map(int, ints.ravel()):
        n >>= (n & -n).bit_length() - 1  # strip trailing zero bits
        best = max(best, n.bit_length())
    return best


def weight_constant(q: Any, values: np.ndarray, what: str = "weights") -> Constant:
    """The fixed-point Constant of ``values`` quantised by ``q``: exact, lossless type.

    Raises LayerUnsupported (naming ``what``) when the quantised values are not on a
    power-of-two grid (e.g. ``alpha='auto'``)."""
    q = quantizer_from(q)
    return grid_constant(quantize_values(q, values, what), max(int(_num(getattr(q, "bits", 1))), 1), what)


def grid_constant(qv: np.ndarray, bits: int, what: str) -> Constant:
    """The Constant of already-quantised weights ``qv`` in the narrowest type that holds
    them exactly; LayerUnsupported (naming ``what``) when they are not finite or not on a
    power-of-two grid of at most ``bits`` significant bits."""
    if not np.all(np.isfinite(qv)):
        raise LayerUnsupported(f"{what}: the quantised weights contain NaN or infinity")
    sig = _significant_bits(qv)
    t = exact_fixed_type(qv) if sig <= bits else None
    if t is None:
        raise LayerUnsupported(
            f"{what}: the quantised weights are not on a power-of-two fixed-point grid ({sig} significant bits for "
            f"a {bits}-bit quantizer), so no fixed-point type holds them exactly"
        )
    c = Constant.from_array(qv).quantize(t)
    if not np.array_equal(c.float_values(), c.values):  # pragma: no cover - exact_fixed_type guarantees this
        raise LayerUnsupported(f"{what}: the quantised weights do not fit {t} exactly")
    return c


# -- activations ------------------------------------------------------------------------
def _sigmoid_mode() -> str:
    """Which internal sigmoid QKeras uses ("hard", "smooth" or "real"), set globally by
    ``qkeras.quantizers.set_internal_sigmoid``."""
    from qkeras import quantizers as qq  # type: ignore[import-untyped]

    if qq._sigmoid is qq.hard_sigmoid:
        return "hard"
    if qq._sigmoid is qq.smooth_sigmoid:
        return "smooth"
    return "real"


def _relu_params(q: Any) -> tuple[int, int, float, int]:
    """(bits, integer, negative_slope, frac) of a quantized_relu, options checked."""
    bits, integer = _int_attr(q, "bits"), _int_attr(q, "integer")
    ns = float(_num(getattr(q, "negative_slope", 0.0)))
    if getattr(q, "use_sigmoid", 0):
        raise LayerUnsupported(f"{q}: use_sigmoid is not supported")
    nsb = bits - (ns != 0.0)
    if nsb < 1:
        raise LayerUnsupported(f"{q}: needs at least {1 + (ns != 0.0)} bits")
    if ns < 0 or (ns != 0.0 and not _is_po2(np.array(ns))):
        raise LayerUnsupported(f"{q}: negative_slope={ns} must be a power of two")
    return bits, integer, ns, nsb - integer


def activation_type(q: Any) -> FixedType:
    """The Quantize type of a supported QKeras activation quantizer (see the module
    table); raises LayerUnsupported naming the quantizer and option otherwise."""
    q = quantizer_from(q)
    kind = type(q).__name__
    if kind not in ACTIVATION_QUANTIZERS:
        raise LayerUnsupported(
            f"{q}: {kind} is not supported as an activation quantizer (supported: {', '.join(ACTIVATION_QUANTIZERS)})"
        )
    _check_common(q, activation=True)
    if kind == "quantized_bits":
        bits, integer = _int_attr(q, "bits"), _int_attr(q, "integer")
        keep_negative = bool(q.keep_negative)
        alpha = q.alpha
        if alpha is not None and (isinstance(alpha, str) or np.any(np.asarray(_num(alpha)) != 1.0)):
            raise LayerUnsupported(f"{q}: alpha={alpha!r} is not supported for activations (only alpha=None or 1)")
        if bits - keep_negative < 1:
            raise LayerUnsupported(f"{q}: a {bits}-bit quantized_bits with keep_negative is a sign function")
        if keep_negative:
            ov = Overflow.SAT_SYM if q.symmetric else OVERFLOW
            return FixedType(bits, integer + 1, True, ROUNDING, ov)
        return FixedType(bits, integer, False, ROUNDING, OVERFLOW)
    if kind == "quantized_relu":
        bits, integer, ns, frac = _relu_params(q)
        if ns == 0.0:
            return FixedType(bits, integer, False, ROUNDING, OVERFLOW)
        m = 1 << (bits - 1)
        k = ns * m
        if k != int(k):
            raise LayerUnsupported(f"{q}: negative_slope={ns} is below one step of the {bits}-bit grid")
        return type_for_range(-int(k), m - 1, frac).with_modes(ROUNDING, OVERFLOW)
    if kind == "quantized_tanh":
        bits = _int_attr(q, "bits")
        ov = Overflow.SAT_SYM if q.symmetric else OVERFLOW
        return FixedType(bits, 1, True, ROUNDING, ov)
    # quantized_sigmoid
    bits = _int_attr(q, "bits")
    if q.symmetric:
        raise LayerUnsupported(f"{q}: symmetric=True (smallest output 2**-bits, not 0) is not supported")
    return FixedType(bits, 0, False, ROUNDING, OVERFLOW)


def _exact_const(values: np.ndarray) -> Constant:
    """A helper constant stored in its exact (lossless) fixed type."""
    t = exact_fixed_type(values)
    assert t is not None
    return Constant.from_array(values).quantize(t)


def emit_activation_quantizer(
    cv: KerasConverter, call: LayerCall, x: Value, q: Any, suffix: str | None = None
) -> Value:
    """Add the nodes of activation quantizer ``q`` applied to ``x``; the Quantize node is
    the last one (named ``suffix`` or the layer's name), helpers are ``<layer>_<role>``."""
    from hlsflow.ir.ops.activation import Activation
    from hlsflow.ir.ops.batch_norm import BatchNorm
    from hlsflow.ir.ops.quantize import Quantize

    q = quantizer_from(q)
    t = activation_type(q)
    kind = type(q).__name__
    c = x.type.shape[-1]

    def helper(op: Any, ins: list[Value], role: str, params: dict[str, Constant] | None = None) -> Value:
        return cv.node(call, op, ins, f"{suffix}_{role}" if suffix else role, params)

    def affine(v: Value, scale: float, shift: float, role: str) -> Value:
        params = {"scale": _exact_const(np.full(c, scale)), "shift": _exact_const(np.full(c, shift))}
        return helper(BatchNorm(), [v], role, params)

    if kind == "quantized_relu":
        bits, integer, ns, frac = _relu_params(q)
        step = 2.0**-frac
        top = (2 ** (bits - (ns != 0.0)) - 1) * step  # largest output
        ub = None
        if not getattr(q, "is_quantized_clip", True) and getattr(q, "relu_upper_bound", None):
            ub = float(_num(q.relu_upper_bound))
            if ub >= top:
                ub = None
            elif ns != 0.0 or ub / step != math.floor(ub / step) or ub <= 0:
                raise LayerUnsupported(f"{q}: relu_upper_bound={ub} is not on the {t} grid")
        if ns == 0.0:
            x = helper(Activation("relu", max_value=ub), [x], "relu")
        else:
            pos = helper(Activation("relu", max_value=top if ns > 1 else None), [x], "relu")
            neg = affine(x, -ns, 0.0, "neg")
            neg = helper(Activation("relu", max_value=ns * 2.0**integer), [neg], "neg_relu")
            from hlsflow.ir.ops.merge import Merge

            x = helper(Merge("subtract"), [pos, neg], "leaky")
    elif kind == "quantized_tanh":
        if q.use_real_tanh:
            x = helper(Activation("tanh"), [x], "tanh")
        else:
            mode = _sigmoid_mode()
            if mode == "smooth":  # 2 * clip(0.1875 x + 0.5, 0, 1) - 1 = clip(0.375 x, -1, 1)
                x = affine(x, 0.375, 0.0, "scale")
            elif mode == "real":  # 2 * sigmoid(x) - 1 = tanh(x / 2)
                x = helper(Activation("tanh"), [affine(x, 0.5, 0.0, "scale")], "tanh")
            # hard: 2 * clip(0.5 x + 0.5, 0, 1) - 1 = clip(x, -1, 1), absorbed by SAT
    elif kind == "quantized_sigmoid":
        mode = "real" if q.use_real_sigmoid else _sigmoid_mode()
        if mode == "real":
            x = helper(Activation("sigmoid"), [x], "sigmoid")
        else:  # clip(s x + 0.5, 0, 1): the clip is absorbed by SAT
            x = affine(x, 0.5 if mode == "hard" else 0.1875, 0.5, "scale")
    return cv.node(call, Quantize(t), [x], suffix)


# -- layers -------------------------------------------------------------------------------
def _qactivation(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
    x = single(call, ins)
    q = getattr(call.layer, "quantizer", None) if call.layer is not None else None
    if q is None:
        q = quantizer_from(call.config.get("activation"))
    if is_qkeras_quantizer(q):
        return [emit_activation_quantizer(cv, call, x, q)]
    return [cv.node(call, keras_activation_op(activation_name(q)), [x])]


def _unsupported(reason: str) -> Converter:
    def convert(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
        raise LayerUnsupported(reason)

    return convert


CONVERTERS: dict[str, Converter] = {
    "QDense": _dense,
    "QConv1D": _conv1d,
    "QConv2D": _conv2d,
    "QDepthwiseConv2D": _depthwise_conv2d,
    "QSeparableConv2D": _separable_conv2d,
    "QBatchNormalization": _batch_norm,
    "QActivation": _qactivation,
    "QConv2DBatchnorm": _unsupported(
        "folded conv+batchnorm layers are not supported; use QConv2D + QBatchNormalization"
    ),
    "QDepthwiseConv2DBatchnorm": _unsupported(
        "folded depthwise+batchnorm layers are not supported; use QDepthwiseConv2D + QBatchNormalization"
    ),
    "QAdaptiveActivation": _unsupported("adaptive (EMA-tracked) quantizers are not supported; use QActivation"),
}

__all__ = [
    "ACTIVATION_QUANTIZERS",
    "CONVERTERS",
    "OVERFLOW",
    "ROUNDING",
    "WEIGHT_QUANTIZERS",
    "activation_type",
    "emit_activation_quantizer",
    "quantize_values",
    "quantizer_from",
    "weight_constant",
]
