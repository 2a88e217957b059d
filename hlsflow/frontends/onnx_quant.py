"""QONNX and QDQ quantisers: the ONE place where ONNX quantisers become IR types.

Semantics (QONNX from ``qonnx.custom_op.general``; QDQ from the ONNX operator spec):

* ``Quant(x, s, z, b; signed, narrow, rounding_mode)``:
  ``y = s * (R(clip(x / s + z, lo, hi)) - z)`` with ``[lo, hi]`` the ``b``-bit integer
  range (signed: ``[-2**(b-1) + narrow, 2**(b-1) - 1]``; unsigned: ``[0, 2**b - 1 - narrow]``)
  and ``R`` = ROUND (half to even: ``RND_CONV``) or FLOOR (``TRN``); a 1-bit signed Quant is
  bipolar, as in qonnx.
* ``BipolarQuant(x, s)``: ``y = s`` where ``x >= 0``, else ``-s``.
* ``Trunc`` v1 ``(x, s, z, in_bits, out_bits)``: ``y = s * R(round(x / s) / 2**(in_bits -
  out_bits))``; v2 ``(x, s, z, in_bits, out_s, out_z, out_bits; signed, narrow)``:
  ``y = out_s * R(clip(round(x / s) / 2**t, lo, hi))`` with ``2**t = out_s / s``. Zero
  points must be 0 and scales per-tensor powers of two.
* ``QuantizeLinear(x, s, z) -> DequantizeLinear(., s, z)``:
  ``y = s * (clip(round_half_even(x / s) + z, lo, hi) - z)`` with the integer type's range
  (int8/uint8/int16/uint16), per tensor or per axis.

Mapping:

* **Constants** (weights, biases): the quantiser is applied here in numpy (as the
  reference implementations do) and the result is a :class:`Const` marked quantised with
  its integers and scale. When every scale is a power of two, the parameter becomes
  ``Constant.from_array(q).quantize(exact_fixed_type(q))`` -- exact. When a linear op's
  weight scale is not a power of two but varies only along its output channels, the
  kernel keeps the integers (exact type) and an explicit scaling ``BatchNorm(scale=s,
  shift=bias)`` follows the op; otherwise the weights stay float (infer-precision picks
  their type). Both cases are written to the conversion log.
* **Activations**: with one power-of-two scale ``2**-f`` and zero point 0, a single
  ``Quantize(FixedType)`` on the ``2**-f`` grid: ``fixed<b, b-f, R, SAT>`` (signed),
  ``SAT_SYM`` for narrow signed ranges, ``ufixed<b, b-f, R, SAT>`` (unsigned). Ranges no
  fixed type saturates to exactly (unsigned narrow, a shifted QDQ range) add a ReLU clamp
  (with exact BatchNorm shifts when the range holds negative values) and a final exact
  Quantize. Otherwise (scale not a power of two, per-channel scales, a zero point added
  before rounding) the chain is ``BatchNorm(1/s, z)`` -> the integer-grid quantiser ->
  ``BatchNorm(s, -z*s)``, exact when the scales are powers of two (then a final Quantize
  pins the exact type) and otherwise logged: the ``1/s`` and ``s`` constants are
  quantised by infer-precision like any float weight.

Unsupported (listed in the error): CEIL rounding, bit widths that are not constant
integers, non-constant scales or zero points, float8/int4 QDQ types, block quantisation,
per-channel zero points on activations, QuantizeLinear outputs read by anything but
their DequantizeLinear, Trunc with non-zero zero points or non-power-of-two scales.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from hlsflow.frontends.errors import LayerUnsupported
from hlsflow.frontends.onnx import QONNX_DOMAINS, Const, Converter, OnnxConverter, OnnxNode, QLinear, Ref, Tensor
from hlsflow.ir.constant import Constant, exact_fixed_type
from hlsflow.ir.graph import Value
from hlsflow.ir.types import FixedType, Overflow, Rounding
from hlsflow.numerics.fixed import type_for_range

#: QONNX rounding modes the IR can express.
ROUNDING = {"ROUND": Rounding.RND_CONV, "FLOOR": Rounding.TRN}
#: Integer ranges of the QDQ element types.
QDQ_RANGES = {
    np.dtype(np.uint8): (0, 255),
    np.dtype(np.int8): (-128, 127),
    np.dtype(np.uint16): (0, 65535),
    np.dtype(np.int16): (-32768, 32767),
}


# -- constants -------------------------------------------------------------------------------
def is_pow2(a: Any) -> bool:
    v = np.asarray(a, dtype=np.float64)
    if v.size == 0 or not np.all(np.isfinite(v)) or np.any(v <= 0):
        return False
    m, _ = np.frexp(v)
    return bool(np.all(m == 0.5))


def on_grid(c: Const) -> bool:
    """A quantised constant whose every scale is a power of two (its values are exact
    fixed-point numbers)."""
    return c.quantised and c.scale is not None and is_pow2(c.scale)


def exact_constant(values: np.ndarray) -> Constant | None:
    t = exact_fixed_type(values)
    return None if t is None else Constant.from_array(values).quantize(t)


def const_param(values: np.ndarray, grid: bool) -> Constant:
    """A parameter: stored in its exact fixed type when ``grid`` (it comes from a
    power-of-two quantiser) and one exists, else float (infer-precision types it)."""
    v = np.asarray(values, dtype=np.float64)
    c = exact_constant(v) if grid else None
    return c if c is not None else Constant.from_array(v)


def _per_axis(scale: np.ndarray, shape: tuple[int, ...], axis: int) -> np.ndarray | None:
    """``scale`` broadcast to ``shape`` as one value per index of ``axis``, or None when
    it varies along another axis."""
    full = np.broadcast_to(np.asarray(scale, dtype=np.float64), shape)
    vec = np.moveaxis(full, axis, 0).reshape(shape[axis], -1)
    return vec[:, 0].copy() if np.all(vec == vec[:, :1]) else None


@dataclass
class LinearWeights:
    """The ONNX weights of a linear op: ``to_ir`` turns them (or their integers) into the
    IR kernel layout; ``out_axis`` is their output-channel axis in ONNX layout;
    ``bias_vec`` is the bias broadcast to the output channels (``bias`` its source)."""

    w: Const
    to_ir: Callable[[np.ndarray], np.ndarray]
    out_axis: int
    bias: Const | None = None
    bias_vec: np.ndarray | None = None
    alpha: float = 1.0


def linear_params(
    cv: OnnxConverter, node: OnnxNode, lw: LinearWeights
) -> tuple[Constant, Constant | None, tuple[Constant, Constant] | None]:
    """(kernel, bias, post-scaling (scale, shift) or None) of a linear op."""
    w, to_ir, out_axis, bias, bias_vec, alpha = lw.w, lw.to_ir, lw.out_axis, lw.bias, lw.bias_vec, lw.alpha
    values = w.values * alpha
    b_grid = bias is not None and on_grid(bias)
    b = None if bias_vec is None else const_param(bias_vec, b_grid)
    if not w.quantised:
        return Constant.from_array(to_ir(values)), b, None
    assert w.scale is not None and w.ints is not None
    scale = np.asarray(w.scale, dtype=np.float64) * alpha
    if is_pow2(scale):
        k = exact_constant(to_ir(values))
        if k is not None:
            return k, b, None
    s = _per_axis(scale, w.array.shape, out_axis)
    if s is not None and np.all(s > 0):
        k = exact_constant(to_ir(np.broadcast_to(w.ints, w.array.shape).astype(np.float64)))
        if k is not None:
            shift = bias_vec if bias_vec is not None else np.zeros(s.size)
            cv.note(
                node,
                f"the weight scale is not a power of two: the kernel holds the integers ({k.type}) and an "
                "explicit scaling BatchNorm multiplies by the per-channel scales and adds the bias "
                "(its constants are quantised by infer-precision)",
            )
            return k, None, (const_param(s, is_pow2(s)), const_param(shift, b_grid))
    cv.note(
        node,
        "the quantised weights are not on a power-of-two grid and their scale is not per output channel: "
        "they are kept as float and typed by infer-precision (WeightBits)",
    )
    return Constant.from_array(to_ir(values)), b, None


# -- emitting quantisers ------------------------------------------------------------------------
def saturating_type(lo: int, hi: int, frac: int, rounding: Rounding) -> FixedType | None:
    """The fixed type on the ``2**-frac`` grid whose saturation range is exactly mantissas
    ``[lo, hi]``, or None."""
    n = hi + 1
    if hi < 0 or n & (n - 1):
        return None
    bits = n.bit_length() - 1
    if lo == 0 and bits >= 1:
        return FixedType(bits, bits - frac, False, rounding, Overflow.SAT)
    if lo == -n:
        return FixedType(bits + 1, bits + 1 - frac, True, rounding, Overflow.SAT)
    if lo == -hi and hi >= 1:
        return FixedType(bits + 1, bits + 1 - frac, True, rounding, Overflow.SAT_SYM)
    return None


def _exact_bn(cv: OnnxConverter, node: OnnxNode, x: Value, scale: np.ndarray, shift: np.ndarray, role: str) -> Value:
    from hlsflow.ir.ops.batch_norm import BatchNorm

    grid = is_pow2(np.abs(scale[scale != 0])) if np.any(scale != 0) else True
    params = {"scale": const_param(scale, grid), "shift": const_param(shift, grid)}
    return cv.emit(node, BatchNorm(), [x], role, params)


def grid_quantize(
    cv: OnnxConverter, node: OnnxNode, x: Value, frac: int, lo: int, hi: int, rounding: Rounding, last: bool = True
) -> Value:
    """Round ``x`` to the ``2**-frac`` grid and clamp its mantissas to ``[lo, hi]``
    (``lo <= 0 <= hi``). The last node is named after ``node`` when ``last``."""
    from hlsflow.ir.ops.activation import Activation
    from hlsflow.ir.ops.quantize import Quantize

    final = None if last else "quant"
    t = saturating_type(lo, hi, frac, rounding)
    if t is not None:
        return cv.emit(node, Quantize(t), [x], final)
    if lo > 0 or hi < 0:
        raise LayerUnsupported(f"the integer range [{lo}, {hi}] does not contain zero")
    if frac > 16:
        raise LayerUnsupported(f"the integer range [{lo}, {hi}] needs a clamp on a grid finer than 2**-16")
    exact = type_for_range(lo, hi, frac).with_modes(rounding, Overflow.SAT)
    y = cv.emit(node, Quantize(exact), [x], "round")
    c = x.type.shape[-1]
    step = 2.0**-frac
    if lo < 0:
        y = _exact_bn(cv, node, y, np.ones(c), np.full(c, -lo * step), "offset")
    y = cv.emit(node, Activation("relu", max_value=(hi - lo) * step), [y], "clip")
    if lo < 0:
        y = _exact_bn(cv, node, y, np.ones(c), np.full(c, lo * step), "unoffset")
    return cv.emit(node, Quantize(exact), [y], final)


def _final_exact(cv: OnnxConverter, node: OnnxNode, y: Value, values: np.ndarray) -> Value:
    """Pin ``y`` (whose possible values are ``values`` per channel, on a power-of-two
    grid) to its exact type with a final Quantize named after ``node``."""
    from hlsflow.ir.ops.quantize import Quantize

    t = exact_fixed_type(values)
    assert t is not None
    return cv.emit(node, Quantize(t.with_modes(Rounding.RND_CONV, Overflow.SAT)), [y])


def quantize_tensor(
    cv: OnnxConverter,
    node: OnnxNode,
    t: Tensor,
    scale: np.ndarray,
    zero: np.ndarray,
    lo: int,
    hi: int,
    rounding: Rounding,
) -> Tensor:
    """``y = scale * (R(clip(x / scale + zero, lo, hi)) - zero)`` on tensor ``t``
    (``scale``/``zero`` broadcast in ONNX layout)."""
    s = cv.channel_vector(t, scale, "the scale")
    z = cv.channel_vector(t, zero, "the zero point")
    if np.any(s <= 0) or not np.all(np.isfinite(s)):
        raise LayerUnsupported("scales must be positive and finite")
    x = t.value
    if is_pow2(s) and np.all(s == s[0]) and np.all(z == 0):
        frac = -int(math.log2(s[0]))
        return Tensor(grid_quantize(cv, node, x, frac, lo, hi, rounding), t.shape, t.idx, t.origin)
    po2 = is_pow2(s)
    if not po2:
        cv.note(
            node,
            "the scale is not a power of two: explicit scaling BatchNorms (1/scale before, scale after) "
            "surround the integer-grid quantiser; their constants are quantised by infer-precision, so "
            "values at rounding boundaries can differ from the source",
        )
    x = _exact_bn(cv, node, x, 1.0 / s, z, "prescale")
    y = grid_quantize(cv, node, x, 0, lo, hi, rounding, last=False)
    y = _exact_bn(cv, node, y, s, -z * s, None if not po2 else "rescale")
    if po2:
        levels = np.arange(lo, hi + 1, dtype=np.float64)
        y = _final_exact(cv, node, y, (levels[:, None] - z[None, :]) * s[None, :])
    return Tensor(y, t.shape, t.idx, t.origin)


def bipolar_tensor(cv: OnnxConverter, node: OnnxNode, t: Tensor, scale: np.ndarray, zero: np.ndarray) -> Tensor:
    """``y = scale * (sign(x / scale + zero) - zero)`` with ``sign(0) = 1``."""
    from hlsflow.ir.ops.quantize import Quantize

    s = cv.channel_vector(t, scale, "the scale")
    z = cv.channel_vector(t, zero, "the zero point")
    x = t.value
    if np.any(z != 0):
        x = _exact_bn(cv, node, x, np.ones_like(s), z * s, "offset")
    q = cv.emit(node, Quantize(FixedType(1, 1, True, Rounding.TRN, Overflow.SAT)), [x], "sign")  # {-1, 0}
    if not is_pow2(s):
        cv.note(node, "the scale is not a power of two: the bipolar levels are scaled by a float BatchNorm")
        return Tensor(_exact_bn(cv, node, q, 2 * s, s - z * s, None), t.shape, t.idx, t.origin)
    y = _exact_bn(cv, node, q, 2 * s, s - z * s, "levels")
    return Tensor(_final_exact(cv, node, y, np.stack([(1 - z) * s, (-1 - z) * s])), t.shape, t.idx, t.origin)


# -- QONNX ------------------------------------------------------------------------------------------
def _const(node: OnnxNode, ins: list[Any], i: int, what: str) -> Const:
    r = ins[i] if i < len(ins) else None
    if not isinstance(r, Const):
        raise LayerUnsupported(f"{what} (input {i}) must be a constant")
    return r


def _int_scalar(node: OnnxNode, ins: list[Any], i: int, what: str) -> int:
    v = np.asarray(_const(node, ins, i, what).array, dtype=np.float64).reshape(-1)
    if v.size != 1 or v[0] != int(v[0]) or v[0] < 1:
        raise LayerUnsupported(f"{what} must be one positive integer, got {v.tolist()}")
    return int(v[0])


def int_range(bits: int, signed: bool, narrow: bool) -> tuple[int, int]:
    if signed:
        return -(2 ** (bits - 1)) + int(narrow), 2 ** (bits - 1) - 1
    return 0, 2**bits - 1 - int(narrow)


def _rounding(node: OnnxNode, default: str) -> tuple[Rounding, Any]:
    mode = str(node.attr("rounding_mode", default)).upper()
    if mode not in ROUNDING:
        raise LayerUnsupported(f"rounding_mode={mode!r} is not supported (supported: {', '.join(ROUNDING)})")
    return ROUNDING[mode], {"ROUND": np.round, "FLOOR": np.floor}[mode]


def _quant_const(x: Const, s: np.ndarray, z: np.ndarray, lo: int, hi: int, fn: Any, bipolar: bool) -> Const:
    """A QONNX quantiser applied to a constant, in the constant's precision (as qonnx)."""
    a = np.asarray(x.array)
    dt = a.dtype if a.dtype.kind == "f" else np.dtype(np.float64)
    y = a.astype(dt) / s.astype(dt) + z.astype(dt)
    if bipolar:
        yi = np.where(y >= 0, 1.0, -1.0)
    else:
        yi = fn(np.clip(y, lo, hi))
    ints = np.asarray(yi, dtype=np.float64) - np.asarray(z, dtype=np.float64)
    scale = np.asarray(s, dtype=np.float64)
    return Const(ints * scale, True, ints, scale)


def _quant(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    s = _const(node, ins, 1, "the scale").values
    z = _const(node, ins, 2, "the zero point").values
    bits = _int_scalar(node, ins, 3, "the bit width")
    signed, narrow = bool(node.attr("signed", 1)), bool(node.attr("narrow", 0))
    rounding, fn = _rounding(node, "ROUND")
    lo, hi = int_range(bits, signed, narrow)
    bipolar = bits == 1 and signed
    if isinstance(ins[0], Const):
        return [_quant_const(ins[0], s, z, lo, hi, fn, bipolar)]
    t = _tensor(ins)
    if bipolar:
        return [bipolar_tensor(cv, node, t, s, z)]
    return [quantize_tensor(cv, node, t, s, z, lo, hi, rounding)]


def _bipolar_quant(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    s = _const(node, ins, 1, "the scale").values
    if isinstance(ins[0], Const):
        return [_quant_const(ins[0], s, np.zeros(1), -1, 1, None, True)]
    return [bipolar_tensor(cv, node, _tensor(ins), s, np.zeros(1))]


def _trunc(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    from hlsflow.ir.ops.quantize import Quantize

    t = _tensor(ins)
    s = _const(node, ins, 1, "the scale").values
    zs = [_const(node, ins, i, "the zero point").values for i in ((2, 5) if len(ins) == 7 else (2,))]
    in_bits = _int_scalar(node, ins, 3, "the input bit width")
    rounding, _ = _rounding(node, "FLOOR")
    v2 = len(ins) == 7
    out_s = _const(node, ins, 4, "the output scale").values if v2 else s
    out_bits = _int_scalar(node, ins, 6 if v2 else 4, "the output bit width")
    if any(np.any(z != 0) for z in zs):
        raise LayerUnsupported("Trunc with a non-zero zero point is not supported")
    if s.size != 1 or out_s.size != 1 or not is_pow2(s) or not is_pow2(out_s):
        raise LayerUnsupported("Trunc needs per-tensor power-of-two scales")
    f_in = -int(math.log2(float(s.reshape(-1)[0])))
    shift = int(round(math.log2(float(out_s.reshape(-1)[0] / s.reshape(-1)[0])))) if v2 else in_bits - out_bits
    # round(x / s): onto the input grid (x / s is assumed to fit in in_bits + 1 signed bits)
    r = cv.emit(
        node,
        Quantize(FixedType(in_bits + 1, in_bits + 1 - f_in, True, Rounding.RND_CONV, Overflow.SAT)),
        [t.value],
        "round",
    )
    if v2:
        lo, hi = int_range(out_bits, bool(node.attr("signed", 1)), bool(node.attr("narrow", 0)))
        y = grid_quantize(cv, node, r, f_in - shift, lo, hi, rounding, last=True)
        ratio = float(out_s.reshape(-1)[0]) / 2.0 ** (shift - f_in)
        if ratio != 1.0:  # out_s is a different power of two than s * 2**t
            c = y.type.shape[-1]
            y = _exact_bn(cv, node, y, np.full(c, ratio), np.zeros(c), "rescale")
            y = _final_exact(cv, node, y, np.arange(lo, hi + 1) * float(out_s.reshape(-1)[0]))
        return [Tensor(y, t.shape, t.idx, t.origin)]
    lo, hi = int_range(out_bits + 1, True, False)  # no clamp in v1: a range the result cannot leave
    y = grid_quantize(cv, node, r, f_in - shift, lo, hi, rounding, last=False)
    c = y.type.shape[-1]
    y = _exact_bn(cv, node, y, np.full(c, 2.0**-shift), np.zeros(c), "rescale")
    return [Tensor(_final_exact(cv, node, y, np.arange(lo, hi + 1) * 2.0**-f_in), t.shape, t.idx, t.origin)]


def _tensor(ins: list[Any]) -> Tensor:
    if not isinstance(ins[0], Tensor):
        raise LayerUnsupported("the quantised input must be a float tensor (or a constant)")
    return ins[0]


# -- QDQ ----------------------------------------------------------------------------------------------
def _qdq_args(node: OnnxNode, ins: list[Any], rank: int) -> tuple[np.ndarray, np.ndarray, np.dtype]:
    """(scale, zero point) broadcastable to a rank-``rank`` input (batch included), and
    the integer type."""
    if int(node.attr("block_size", 0) or 0):
        raise LayerUnsupported("block quantisation (block_size) is not supported")
    s = _const(node, ins, 1, "the scale").values
    zc = ins[2] if len(ins) > 2 and ins[2] is not None else None
    if zc is not None and not isinstance(zc, Const):
        raise LayerUnsupported("the zero point (input 2) must be a constant")
    if zc is not None:
        dtype = np.asarray(zc.array).dtype
        z = np.asarray(zc.array, dtype=np.float64)
    else:
        from onnx import helper

        to = node.attr("output_dtype", 0)
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(to)) if to else np.dtype(np.uint8)
        z = np.zeros_like(s)
    if s.ndim == 1 and s.size > 1:
        axis = int(node.attr("axis", 1))
        axis = axis + rank if axis < 0 else axis
        shape = [1] * rank
        shape[axis] = s.size
        s, z = s.reshape(shape), np.broadcast_to(z, s.shape).reshape(shape)
    return s, z, dtype


def _quantize_linear(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    if isinstance(ins[0], Const):
        return cv._fold(node, ins)
    t = _tensor(ins)
    s, z, dtype = _qdq_args(node, ins, len(t.shape) + 1)
    if dtype not in QDQ_RANGES:
        raise LayerUnsupported(f"QuantizeLinear to {dtype} is not supported (int8, uint8, int16, uint16)")
    lo, hi = QDQ_RANGES[dtype]
    return [QLinear(t, s, z, lo, hi, node)]


def _dequantize_linear(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    x = ins[0]
    if isinstance(x, Const):
        s, z, _ = _qdq_args(node, ins, np.asarray(x.array).ndim)
        ints = np.asarray(x.array, dtype=np.float64) - z
        return [Const(ints * s, True, ints, s)]
    if not isinstance(x, QLinear):
        raise LayerUnsupported("DequantizeLinear of a float tensor; expected the output of a QuantizeLinear")
    s, z, _ = _qdq_args(node, ins, len(x.src.shape) + 1)
    if s.shape != x.scale.shape or not np.array_equal(s, x.scale) or not np.array_equal(z, x.zero_point):
        raise LayerUnsupported(f"its scale/zero point differ from those of QuantizeLinear {x.node.name!r}")
    zf = z.reshape(-1)
    if not np.all(zf == zf[0]):
        raise LayerUnsupported("per-channel zero points on activations are not supported")
    z0 = int(zf[0])
    return [quantize_tensor(cv, node, x.src, s, np.zeros(1), x.lo - z0, x.hi - z0, Rounding.RND_CONV)]


CONVERTERS: dict[tuple[str, str], Converter] = {
    ("", "QuantizeLinear"): _quantize_linear,
    ("", "DequantizeLinear"): _dequantize_linear,
}
for _domain in QONNX_DOMAINS:
    CONVERTERS[(_domain, "Quant")] = _quant
    CONVERTERS[(_domain, "IntQuant")] = _quant
    CONVERTERS[(_domain, "BipolarQuant")] = _bipolar_quant
    CONVERTERS[(_domain, "Trunc")] = _trunc

__all__ = [
    "CONVERTERS",
    "LinearWeights",
    "const_param",
    "exact_constant",
    "grid_quantize",
    "int_range",
    "is_pow2",
    "linear_params",
    "on_grid",
    "quantize_tensor",
    "saturating_type",
]
