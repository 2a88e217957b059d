"""Converters of the standard ONNX ops (default domain) to IR ops.

=====================================================  =============================================
ONNX op                                                IR
=====================================================  =============================================
Gemm (transB, alpha, beta; transA=0), MatMul            Dense (kernel rows permuted after a Flatten of
(constant B), Add of a constant right after them        a channels-first map; the Add becomes the bias)
Conv 1D/2D (pads, auto_pad, strides, dilations,         [ZeroPadding] Conv1D / Conv2D / DepthwiseConv2D
group 1 or depthwise group = C_in)                      (padding 'same' when ONNX's pads equal it)
BatchNormalization (inference)                          BatchNorm(scale, shift) in float64
Relu, LeakyRelu, Sigmoid, Tanh, Softsign, Elu, Selu     Activation (Selu with the default constants)
HardSigmoid (alpha 0.2, beta 0.5 only)                  Activation("hard_sigmoid")
Clip(0, c) / Clip(0, 6) / Clip(0, inf)                  Activation relu with max_value / relu6 / relu
Softmax (one axis, or the flattened tail for opset<13)  Softmax(axis=-1) on the axis moved last
MaxPool, AveragePool (1D/2D; pads, ceil_mode,           [ZeroPadding] Pool; see _pool for which
count_include_pad)                                      paddings are exact
GlobalAveragePool, GlobalMaxPool                        GlobalPool
Flatten, Reshape, Transpose (batch axis fixed),         no node: index-map bookkeeping (a Reshape or
Squeeze, Unsqueeze                                      Flatten is inserted only where a consumer needs it)
Pad (constant 0, spatial axes)                          ZeroPadding
Add, Sub, Mul of two tensors; Sum, Max, Min, Mean       Merge (same shapes, no broadcasting)
Add, Sub, Mul, Div with a per-tensor/per-channel const  BatchNorm(scale, shift) (merged into a preceding
                                                        frontend BatchNorm when it is the only user)
Concat (runtime inputs)                                 Concatenate
Identity, Dropout, Cast (to float)                      removed
Shape, Size of a runtime tensor; any op on constants    folded to constants
=====================================================  =============================================
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hlsflow.frontends import onnx_layout as layout
from hlsflow.frontends.errors import LayerUnsupported
from hlsflow.frontends.onnx import Const, Converter, OnnxConverter, OnnxNode, Ref, Tensor, Unknown
from hlsflow.frontends.onnx_quant import LinearWeights, const_param, linear_params, on_grid
from hlsflow.ir.graph import Value
from hlsflow.ir.ops.activation import SELU_ALPHA, SELU_SCALE, Activation
from hlsflow.ir.ops.base import Op
from hlsflow.numerics.window import same_pads

LINEAR_OPS = ("dense", "conv1d", "conv2d", "depthwise_conv2d", "pointwise_conv")
#: ONNX's float32 SELU defaults.
ONNX_SELU = (1.67326319217681884765625, 1.05070102214813232421875)


# -- argument helpers ------------------------------------------------------------------------
def tensor(node: OnnxNode, ins: list[Any], i: int = 0) -> Tensor:
    r = ins[i] if i < len(ins) else None
    if not isinstance(r, Tensor):
        what = "missing" if r is None else "a constant" if isinstance(r, Const) else "an integer tensor"
        raise LayerUnsupported(f"input {i} must be a runtime float tensor, but it is {what}")
    return r


def const(node: OnnxNode, ins: list[Any], i: int, what: str) -> Const:
    r = ins[i] if i < len(ins) else None
    if not isinstance(r, Const):
        raise LayerUnsupported(f"{what} (input {i}) must be a constant (an initializer or foldable)")
    return r


def optional_const(node: OnnxNode, ins: list[Any], i: int, what: str) -> Const | None:
    if i >= len(ins) or ins[i] is None:
        return None
    return const(node, ins, i, what)


def ints_of(node: OnnxNode, ins: list[Any], i: int, attr: str) -> list[int] | None:
    """An int list given as attribute ``attr`` (older opsets) or constant input ``i``."""
    if attr in node.attrs:
        return [int(v) for v in node.attrs[attr]]
    c = optional_const(node, ins, i, attr)
    return None if c is None else [int(v) for v in np.asarray(c.array).reshape(-1)]


def scalar_of(node: OnnxNode, ins: list[Any], i: int, attr: str) -> float | None:
    if attr in node.attrs:
        return float(node.attrs[attr])
    c = optional_const(node, ins, i, attr)
    return None if c is None else float(np.asarray(c.array).reshape(-1)[0])


def axis_of(node: OnnxNode, axis: int, t: Tensor) -> int:
    try:
        return layout.normalize_axis(axis, len(t.shape) + 1)
    except ValueError as exc:
        raise LayerUnsupported(f"axis={axis}: {exc}") from None


def same(t: Tensor, value: Value) -> Tensor:
    """A tensor computed element-wise from ``t``: same layout, new value."""
    return Tensor(value, t.shape, t.idx, t.origin)


# -- layout-only ops -----------------------------------------------------------------------
def _passthrough(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    return [tensor(node, ins)]


def _dropout(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    return [tensor(node, ins), Unknown(f"uses the mask of Dropout {node.name!r}, which exists only in training")]


def _cast(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    from onnx import TensorProto

    to = int(node.attr("to", TensorProto.FLOAT))
    if to not in (TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16, TensorProto.BFLOAT16):
        raise LayerUnsupported(f"Cast to {TensorProto.DataType.Name(to)} of a runtime tensor is not supported")
    return [tensor(node, ins)]


def _flatten(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    t = tensor(node, ins)
    axis = int(node.attr("axis", 1))
    if axis < 0:
        axis += len(t.shape) + 1
    if axis < 1 or any(d != 1 for d in t.shape[: axis - 1]):
        raise LayerUnsupported(f"Flatten(axis={node.attr('axis', 1)}) merges the batch axis with others")
    return [t.rearranged(t.idx.reshape(-1), node)]


def _reshape(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    t = tensor(node, ins)
    target = ints_of(node, ins, 1, "shape")
    if target is None:
        raise LayerUnsupported("Reshape needs a constant target shape")
    full = (cv.batch, *t.shape)
    out = []
    for i, d in enumerate(target):
        if d == 0 and not node.attr("allowzero", 0):
            if i >= len(full):
                raise LayerUnsupported(f"target shape {tuple(target)}: 0 at axis {i} copies no input axis")
            d = full[i]
        out.append(d)
    total = int(np.prod(full))
    if out.count(-1) == 1:
        known = int(np.prod([d for d in out if d != -1]))
        if known <= 0 or total % known:
            raise LayerUnsupported(f"cannot reshape {full} to {tuple(target)}")
        out[out.index(-1)] = total // known
    if any(d < 1 for d in out) or int(np.prod(out)) != total:
        raise LayerUnsupported(f"cannot reshape {full} to {tuple(target)}")
    if out[0] != cv.batch or len(out) < 2:
        raise LayerUnsupported(
            f"Reshape to {tuple(target)} changes the batch axis (batch size {cv.batch}); keep the batch axis first "
            "(x.view(x.size(0), -1))"
        )
    return [t.rearranged(t.idx.reshape(out[1:]), node)]


def _transpose(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    t = tensor(node, ins)
    rank = len(t.shape) + 1
    perm = [int(p) for p in node.attr("perm", list(range(rank))[::-1])]
    perm = [p + rank if p < 0 else p for p in perm]
    if sorted(perm) != list(range(rank)) or perm[0] != 0:
        raise LayerUnsupported(f"Transpose(perm={tuple(perm)}) moves the batch axis; only layout changes are supported")
    return [t.rearranged(t.idx.transpose([p - 1 for p in perm[1:]]), node)]


def _squeeze(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    t = tensor(node, ins)
    axes = ints_of(node, ins, 1, "axes")
    if axes is None:
        keep = [d for d in t.shape if d != 1]
    else:
        drop = {axis_of(node, a, t) for a in axes}
        if any(t.shape[a] != 1 for a in drop):
            raise LayerUnsupported(f"Squeeze(axes={axes}) on axes whose size is not 1")
        keep = [d for i, d in enumerate(t.shape) if i not in drop]
    if not keep:
        keep = [1]
    return [t.rearranged(t.idx.reshape(keep), node)]


def _unsqueeze(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    t = tensor(node, ins)
    axes = ints_of(node, ins, 1, "axes") or []
    rank = len(t.shape) + 1 + len(axes)
    norm = sorted(a + rank if a < 0 else a for a in axes)
    if 0 in norm:
        raise LayerUnsupported("Unsqueeze at axis 0 moves the batch axis")
    shape = list(t.shape)
    for a in norm:
        shape.insert(a - 1, 1)
    return [t.rearranged(t.idx.reshape(shape), node)]


def _shape(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    t = tensor(node, ins)
    full = np.array([cv.batch, *t.shape], dtype=np.int64)
    start, end = int(node.attr("start", 0)), node.attr("end")
    return [Const(full[start:end] if end is not None else full[start:])]


def _size(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    t = tensor(node, ins)
    return [Const(np.array(cv.batch * int(np.prod(t.shape)), dtype=np.int64))]


# -- activations --------------------------------------------------------------------------------
def _activation_op(node: OnnxNode, ins: list[Any]) -> Op:
    op = node.op_type
    if op in ("Relu", "Sigmoid", "Tanh", "Softsign"):
        return Activation(op.lower())
    if op == "LeakyRelu":
        return Activation("leaky_relu", alpha=float(node.attr("alpha", 0.01)))
    if op == "Elu":
        return Activation("elu", alpha=float(node.attr("alpha", 1.0)))
    if op == "Selu":
        alpha, gamma = float(node.attr("alpha", ONNX_SELU[0])), float(node.attr("gamma", ONNX_SELU[1]))
        if not (np.isclose(alpha, SELU_ALPHA, rtol=1e-6) and np.isclose(gamma, SELU_SCALE, rtol=1e-6)):
            raise LayerUnsupported(f"Selu(alpha={alpha}, gamma={gamma}) is supported with the default constants only")
        return Activation("selu")
    if op == "HardSigmoid":
        alpha, beta = float(node.attr("alpha", 0.2)), float(node.attr("beta", 0.5))
        if not (np.isclose(alpha, 0.2, rtol=1e-6) and beta == 0.5):
            raise LayerUnsupported(
                f"HardSigmoid(alpha={alpha:.6g}, beta={beta}) is not supported; only alpha=0.2, beta=0.5 (Keras "
                "hard_sigmoid); PyTorch's Hardsigmoid is alpha=1/6"
            )
        return Activation("hard_sigmoid")
    # Clip
    lo, hi = scalar_of(node, ins, 1, "min"), scalar_of(node, ins, 2, "max")
    if hi is not None and hi >= 3.0e38:  # opset < 11 defaults: the float32 extremes
        hi = None
    if lo == 0.0 and (hi is None or np.isinf(hi)):
        return Activation("relu")
    if lo == 0.0 and hi is not None and hi > 0:
        return Activation("relu6") if hi == 6.0 else Activation("relu", max_value=float(hi))
    raise LayerUnsupported(f"Clip(min={lo}, max={hi}) is not supported; only Clip(0, c) (ReLU, ReLU6) is")


def _activation(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    t = tensor(node, ins)
    return [same(t, cv.emit(node, _activation_op(node, ins), [t.value]))]


def _softmax(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    from hlsflow.ir.ops.softmax import Softmax

    t = tensor(node, ins)
    rank = len(t.shape)
    a = axis_of(node, int(node.attr("axis", -1 if cv.opset >= 13 else 1)), t)
    if cv.opset < 13 and a != rank - 1:  # softmax over the flattened tail t.shape[a:]
        flat = t.rearranged(t.idx.reshape(*t.shape[:a], -1), t.origin or node)
        v = cv.emit(node, Softmax(axis=-1), [cv.materialize(flat, layout.identity_order(a + 1), "Softmax")])
        return [Tensor(v, t.shape, layout.identity(flat.shape).reshape(t.shape), None)]
    order = tuple(i for i in range(rank) if i != a) + (a,)
    v = cv.emit(node, Softmax(axis=-1), [cv.materialize(t, order, f"Softmax over axis {a + 1}")])
    return [Tensor(v, t.shape, layout.canonical(t.shape, order))]


# -- linear ops --------------------------------------------------------------------------------
def emit_linear(cv: OnnxConverter, node: OnnxNode, op: Op, x: Value, lw: LinearWeights) -> Value:
    """A linear IR op on ``x``, plus the per-channel scaling BatchNorm
    :func:`linear_params` asks for when the weights' scale is not a power of two."""
    from hlsflow.ir.ops.batch_norm import BatchNorm

    kernel, b, post = linear_params(cv, node, lw)
    params = {"kernel": kernel}
    if post is None:
        if b is not None:
            params["bias"] = b
        return cv.emit(node, op, [x], None, params)
    y = cv.emit(node, op, [x], "linear", params)
    return cv.emit(node, BatchNorm(), [y], None, {"scale": post[0], "shift": post[1]})


def _bias_vector(node: OnnxNode, c: Const | None, n: int, beta: float = 1.0) -> np.ndarray | None:
    if c is None:
        return None
    v = c.values * beta
    try:
        if v.ndim > 2:
            raise ValueError
        return np.broadcast_to(v, (1, n))[0].copy()
    except ValueError:
        raise LayerUnsupported(f"bias of shape {v.shape} does not broadcast to ({n},) per batch row") from None


def _permute_rows(arr: np.ndarray, perm: np.ndarray) -> np.ndarray:
    out = np.empty_like(arr)
    out[perm] = arr
    return out


def _gemm(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    from hlsflow.ir.ops.dense import Dense

    t = tensor(node, ins)
    if not isinstance(ins[1], Const):
        raise LayerUnsupported("a product of two runtime tensors is not supported (B must be constant weights)")
    w = ins[1]
    c = optional_const(node, ins, 2, "C")
    if node.attr("transA", 0):
        raise LayerUnsupported("transA=1 transposes the batch axis")
    trans_b = bool(node.attr("transB", 0))
    alpha, beta = float(node.attr("alpha", 1.0)), float(node.attr("beta", 1.0))
    if w.array.ndim != 2:
        raise LayerUnsupported(f"B of rank {w.array.ndim} is not supported")
    k, m = w.array.shape[::-1] if trans_b else w.array.shape
    x, perm = cv.features(t)
    if perm.size != k:
        raise LayerUnsupported(f"A has {perm.size} features, B expects {k}")

    def to_ir(a: np.ndarray) -> np.ndarray:
        return _permute_rows(a.T if trans_b else a, perm)

    bias = _bias_vector(node, c, m, beta)
    y = emit_linear(cv, node, Dense(int(m)), x, LinearWeights(w, to_ir, 0 if trans_b else 1, c, bias, alpha))
    return [Tensor.plain(y)]


def _matmul(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    from hlsflow.ir.ops.dense import Dense

    t = tensor(node, ins)
    if not isinstance(ins[1], Const):
        raise LayerUnsupported("a product of two runtime tensors is not supported (B must be constant weights)")
    w = ins[1]
    if w.array.ndim != 2:
        raise LayerUnsupported(f"a batched MatMul (B of rank {w.array.ndim}) is not supported")
    k, m = w.array.shape
    if t.shape[-1] != k:
        raise LayerUnsupported(f"A has {t.shape[-1]} features, B expects {k}")
    if len(t.shape) == 1:
        x, perm = cv.features(t)
    else:
        x, perm = cv.materialize(t, layout.identity_order(len(t.shape)), "MatMul"), np.arange(k)
    y = emit_linear(cv, node, Dense(int(m)), x, LinearWeights(w, lambda a: _permute_rows(a, perm), 1))
    return [Tensor.plain(y)]


def _window_pads(
    node: OnnxNode, spatial: tuple[int, ...], ks: list[int], ss: list[int], ds: list[int], ceil: bool = False
) -> list[tuple[int, int, int, int]]:
    """Per spatial axis: (pad before, used pad after (may be < 0), declared pad after,
    output size), following ONNX's pads / auto_pad / ceil_mode rules."""
    r = len(spatial)
    auto = str(node.attr("auto_pad", "NOTSET"))
    pads = [int(p) for p in node.attr("pads", [0] * (2 * r))]
    res = []
    for i, (n, k, s, d) in enumerate(zip(spatial, ks, ss, ds)):
        eff = (k - 1) * d + 1
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            out = -(-n // s)
            total = max((out - 1) * s + eff - n, 0)
            pb = total // 2 if auto == "SAME_UPPER" else total - total // 2
            pa = total - pb
        elif auto == "VALID":
            pb = pa = 0
        elif auto == "NOTSET":
            pb, pa = pads[i], pads[i + r]
        else:
            raise LayerUnsupported(f"auto_pad={auto!r} is not supported")
        if pb < 0 or pa < 0:
            raise LayerUnsupported(f"negative pads {pads} are not supported")
        span = n + pb + pa - eff
        if span < 0:
            raise LayerUnsupported(f"the window ({eff}) is larger than the padded input ({n + pb + pa})")
        out = (-(-span // s) if ceil else span // s) + 1
        if ceil and (out - 1) * s >= n + pb:
            out -= 1
        res.append((pb, (out - 1) * s + eff - n - pb, pa, out))
    return res


def _is_same(
    spatial: tuple[int, ...], ks: list[int], ss: list[int], ds: list[int], pads: list[tuple[int, int, int, int]]
) -> bool:
    return all(
        (pb, max(used, 0)) == same_pads(n, k, s, d) and out == -(-n // s)
        for n, k, s, d, (pb, used, _, out) in zip(spatial, ks, ss, ds, pads)
    )


def _is_valid(pads: list[tuple[int, int, int, int]]) -> bool:
    return all(pb == 0 and used <= 0 for pb, used, _, _ in pads)


def _explicit(pads: list[tuple[int, int, int, int]]) -> tuple[tuple[int, int], ...]:
    return tuple((pb, max(used, 0)) for pb, used, _, _ in pads)


def _spatial_input(cv: OnnxConverter, node: OnnxNode, ins: list[Any], rank: int) -> tuple[Tensor, Value]:
    t = tensor(node, ins)
    if len(t.shape) != rank + 1 or rank not in (1, 2):
        raise LayerUnsupported(f"input of shape {(cv.batch, *t.shape)}: only 1D and 2D {node.op_type} are supported")
    return t, cv.materialize(t, layout.channels_last_order(rank + 1), node.op_type)


def _window_attrs(node: OnnxNode, ks: list[int]) -> tuple[list[int], list[int]]:
    r = len(ks)
    ss = [int(s) for s in node.attr("strides", [1] * r)]
    ds = [int(d) for d in node.attr("dilations", [1] * r)]
    return ss, ds


def _conv(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    from hlsflow.ir.ops.conv1d import Conv1D
    from hlsflow.ir.ops.conv2d import Conv2D
    from hlsflow.ir.ops.depthwise_conv2d import DepthwiseConv2D
    from hlsflow.ir.ops.zero_padding import ZeroPadding

    w = const(node, ins, 1, "the weights")
    r = w.array.ndim - 2
    t, x = _spatial_input(cv, node, ins, r)
    b = optional_const(node, ins, 2, "the bias")
    f, cin_g = int(w.array.shape[0]), int(w.array.shape[1])
    ks = [int(k) for k in w.array.shape[2:]]
    ss, ds = _window_attrs(node, ks)
    g, c = int(node.attr("group", 1)), t.shape[0]
    pads = _window_pads(node, t.shape[1:], ks, ss, ds)
    padding = "valid" if _is_valid(pads) else "same" if _is_same(t.shape[1:], ks, ss, ds, pads) else None
    if g == 1 and cin_g == c:
        op: Op = (
            Conv1D(f, ks[0], ss[0], padding or "valid", ds[0])
            if r == 1
            else Conv2D(f, (ks[0], ks[1]), (ss[0], ss[1]), padding or "valid", (ds[0], ds[1]))
        )

        def to_ir(a: np.ndarray) -> np.ndarray:
            return a.transpose(*range(2, r + 2), 1, 0)
    elif g == c and cin_g == 1 and f % c == 0 and r == 2:
        mult = f // c
        op = DepthwiseConv2D((ks[0], ks[1]), (ss[0], ss[1]), padding or "valid", mult, (ds[0], ds[1]))

        def to_ir(a: np.ndarray) -> np.ndarray:
            return a.reshape(c, mult, ks[0], ks[1]).transpose(2, 3, 0, 1)
    else:
        kind = "1D depthwise" if g == c and r == 1 else f"grouped (group={g})"
        raise LayerUnsupported(f"{kind} convolution is not supported (group 1, or depthwise 2D with group = channels)")
    if padding is None:
        x = cv.emit(node, ZeroPadding(_explicit(pads)), [x], "pad")
    y = emit_linear(cv, node, op, x, LinearWeights(w, to_ir, 0, b, _bias_vector(node, b, f)))
    return [Tensor.plain(y, layout.channels_last_order(r + 1))]


def is_nonnegative(v: Value) -> bool:
    """True when ``v`` can never be negative (the output of a ReLU-like op, an unsigned
    quantiser, or a layout/max op of such a value)."""
    from hlsflow.ir.types import FixedType

    n = v.producer
    elem = v.type.elem
    if isinstance(elem, FixedType) and not elem.signed:
        return True
    if n.op.name == "activation":
        return n.op.function in ("relu", "relu6", "sigmoid", "hard_sigmoid")
    if n.op.name in ("softmax",):
        return True
    if n.op.name in ("flatten", "reshape", "zero_padding", "dropout") or (
        n.op.name in ("pool", "global_pool") and n.op.kind == "max"
    ):
        return is_nonnegative(n.inputs[0])
    return False


def _pool(kind: str) -> Converter:
    def convert(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
        from hlsflow.ir.ops.pool import Pool
        from hlsflow.ir.ops.zero_padding import ZeroPadding

        ks = [int(k) for k in node.attr("kernel_shape", [])]
        t, x = _spatial_input(cv, node, ins, len(ks))
        ss, ds = _window_attrs(node, ks)
        if any(d != 1 for d in ds):
            raise LayerUnsupported(f"dilations={ds} are not supported for pooling")
        pads = _window_pads(node, t.shape[1:], ks, ss, ds, bool(node.attr("ceil_mode", 0)))
        cip = bool(node.attr("count_include_pad", 0))
        padding = "valid"
        if not _is_valid(pads):
            if (kind == "max" or not cip) and _is_same(t.shape[1:], ks, ss, ds, pads):
                padding = "same"
            elif kind == "max" and not is_nonnegative(x):
                raise LayerUnsupported(
                    f"padding {_explicit(pads)} (before, after) differs from 'same' and the input may be negative; "
                    "max pooling pads with -inf, which only 'same' padding (or a non-negative input) expresses"
                )
            elif kind == "avg" and not cip:
                raise LayerUnsupported(
                    f"count_include_pad=0 with padding {_explicit(pads)} (before, after) that differs from 'same' is "
                    "not supported"
                )
            elif kind == "avg" and any(used > pa for _, used, pa, _ in pads):
                raise LayerUnsupported("ceil_mode windows that extend beyond the padding are not supported")
            else:
                x = cv.emit(node, ZeroPadding(_explicit(pads)), [x], "pad")
        size, strides = tuple(ks), tuple(ss)
        y = cv.emit(node, Pool(kind, size, strides, padding), [x])
        return [Tensor.plain(y, layout.channels_last_order(len(ks) + 1))] + (
            [Unknown("uses the indices output of MaxPool, which hlsflow does not compute")] if kind == "max" else []
        )

    return convert


def _global_pool(kind: str) -> Converter:
    def convert(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
        from hlsflow.ir.ops.global_pool import GlobalPool

        t = tensor(node, ins)
        _, x = _spatial_input(cv, node, ins, len(t.shape) - 1)
        y = cv.emit(node, GlobalPool(kind), [x])
        shape = (t.shape[0],) + (1,) * (len(t.shape) - 1)
        return [Tensor(y, shape, layout.identity(shape))]

    return convert


def _pad(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    from hlsflow.ir.ops.zero_padding import ZeroPadding

    t = tensor(node, ins)
    rank = len(t.shape) + 1
    mode = str(node.attr("mode", "constant"))
    pads = ints_of(node, ins, 1, "pads")
    value = scalar_of(node, ins, 2, "value") or 0.0
    axes = ints_of(node, ins, 3, "axes") if "axes" not in node.attrs else None
    if mode != "constant" or value != 0.0:
        raise LayerUnsupported(f"Pad mode={mode!r} value={value} is not supported (constant zero padding only)")
    if pads is None:
        raise LayerUnsupported("Pad needs constant pads")
    axes = [a + rank if a < 0 else a for a in (axes if axes is not None else range(rank))]
    n = len(axes)
    before, after = [0] * rank, [0] * rank
    for i, a in enumerate(axes):
        before[a], after[a] = pads[i], pads[i + n]
    if before[0] or after[0] or before[1] or after[1] or rank not in (3, 4):
        raise LayerUnsupported(f"pads {tuple(pads)}: only the spatial axes of a 1D/2D (N, C, ...) tensor can be padded")
    if any(p < 0 for p in before + after):
        raise LayerUnsupported(f"negative pads {tuple(pads)} (cropping) are not supported")
    x = cv.materialize(t, layout.channels_last_order(rank - 1), "Pad")
    y = cv.emit(node, ZeroPadding(tuple(zip(before[2:], after[2:]))), [x])
    return [Tensor.plain(y, layout.channels_last_order(rank - 1))]


def _batch_norm(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    t = tensor(node, ins)
    if node.attr("training_mode", 0) or not node.attr("spatial", 1):
        raise LayerUnsupported("training_mode=1 / spatial=0 batch normalisation is not supported")
    gamma, beta, mean, var = (
        const(node, ins, i, w).values for i, w in enumerate(("scale", "bias", "mean", "var"), start=1)
    )
    eps = float(node.attr("epsilon", 1e-5))
    scale = gamma / np.sqrt(var + eps)
    shift = beta - mean * scale
    shape = (-1,) + (1,) * (len(t.shape) - 1)
    outs: list[Ref] = [_affine(cv, node, t, scale.reshape(shape), shift.reshape(shape))]
    return outs + [Unknown("uses a training output of BatchNormalization")] * 4


# -- element-wise arithmetic ------------------------------------------------------------------
def _affine(
    cv: OnnxConverter, node: OnnxNode, t: Tensor, scale: np.ndarray | None, shift: np.ndarray | None, grid: bool = False
) -> Tensor:
    """``t * scale + shift`` with per-tensor / per-channel constants (ONNX broadcasting):
    merged into the producing frontend BatchNorm when this is its only reader, else a
    new BatchNorm."""
    from hlsflow.ir.ops.batch_norm import BatchNorm

    c = t.value.type.shape[-1]
    s = cv.channel_vector(t, scale, "the scale") if scale is not None else np.ones(c)
    b = cv.channel_vector(t, shift, "the offset") if shift is not None else np.zeros(c)
    prod = t.value.producer
    if prod.op.name == "batch_norm" and cv.sole_reader(t.value):
        old_s, old_b = prod.params["scale"].values, prod.params["shift"].values
        grid = grid and prod.params["scale"].is_fixed and prod.params["shift"].is_fixed
        prod.params["scale"] = const_param(old_s * s, grid)
        prod.params["shift"] = const_param(old_b * s + b, grid)
        cv.graph.set_type(t.value, prod.op.infer_types(prod)[0])
        return t
    params = {"scale": const_param(s, grid), "shift": const_param(b, grid)}
    return same(t, cv.emit(node, BatchNorm(), [t.value], None, params))


def _fold_bias(cv: OnnxConverter, node: OnnxNode, t: Tensor, c: Const) -> bool:
    """Add a constant as the bias of the bias-less linear node producing ``t``."""
    prod = t.value.producer
    if prod.op.name not in LINEAR_OPS or "bias" in prod.params or not cv.sole_reader(t.value):
        return False
    vec = cv.channel_vector(t, c.values, "the bias")
    prod.params["bias"] = const_param(vec, on_grid(c))
    cv.graph.set_type(t.value, prod.op.infer_types(prod)[0])
    return True


_MERGE = {
    "Add": "add",
    "Sub": "subtract",
    "Mul": "multiply",
    "Sum": "add",
    "Max": "maximum",
    "Min": "minimum",
    "Mean": "average",
}


def _merge(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    from hlsflow.ir.ops.merge import Merge

    ts = [tensor(node, ins, i) for i in range(len(ins))]
    if len(ts) == 1:
        return [ts[0]]
    if len({t.shape for t in ts}) != 1:
        raise LayerUnsupported(f"inputs of different shapes {[t.shape for t in ts]} (broadcasting) are not supported")
    order = layout.find_order(ts[0].idx)
    if order is None:
        raise LayerUnsupported("the inputs are stored in an order no IR axis order describes")
    vals = [cv.materialize(t, order, node.op_type) for t in ts]
    y = cv.emit(node, Merge(_MERGE[node.op_type]), vals)
    return [Tensor(y, ts[0].shape, layout.canonical(ts[0].shape, order))]


def _arith(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    op = node.op_type
    if len(ins) == 2 and isinstance(ins[0], Tensor) and isinstance(ins[1], Tensor) and op != "Div":
        return _merge(cv, node, ins)
    if len(ins) != 2 or not any(isinstance(r, Tensor) for r in ins) or not any(isinstance(r, Const) for r in ins):
        raise LayerUnsupported(f"{op} needs a runtime tensor and a constant, or two runtime tensors (not Div)")
    first = isinstance(ins[0], Tensor)
    t, c = (ins[0], ins[1]) if first else (ins[1], ins[0])
    v = c.values
    if op == "Add":
        if _fold_bias(cv, node, t, c):
            return [t]
        return [_affine(cv, node, t, None, v, on_grid(c))]
    if op == "Sub":
        return [_affine(cv, node, t, None, -v) if first else _affine(cv, node, t, -np.ones_like(v), v)]
    if op == "Mul":
        return [_affine(cv, node, t, v, None, on_grid(c))]
    if not first:
        raise LayerUnsupported("dividing a constant by a runtime tensor is not supported")
    if np.any(v == 0):
        raise LayerUnsupported("division by zero")
    return [_affine(cv, node, t, 1.0 / v, None)]


def _concat(cv: OnnxConverter, node: OnnxNode, ins: list[Any]) -> list[Ref]:
    from hlsflow.ir.ops.concatenate import Concatenate

    ts = [tensor(node, ins, i) for i in range(len(ins))]
    a = axis_of(node, int(node.attr("axis", 1)), ts[0])
    if len(ts) == 1:
        return [ts[0]]
    order = layout.find_order(ts[0].idx)
    if order is None:
        raise LayerUnsupported("the inputs are stored in an order no IR axis order describes")
    vals = [cv.materialize(t, order, "Concat") for t in ts]
    y = cv.emit(node, Concatenate(order.index(a)), vals)
    shape = list(ts[0].shape)
    shape[a] = sum(t.shape[a] for t in ts)
    return [Tensor(y, tuple(shape), layout.canonical(shape, order))]


CONVERTERS: dict[tuple[str, str], Converter] = {
    ("", "Identity"): _passthrough,
    ("", "Dropout"): _dropout,
    ("", "Cast"): _cast,
    ("", "Flatten"): _flatten,
    ("", "Reshape"): _reshape,
    ("", "Transpose"): _transpose,
    ("", "Squeeze"): _squeeze,
    ("", "Unsqueeze"): _unsqueeze,
    ("", "Shape"): _shape,
    ("", "Size"): _size,
    **{
        ("", op): _activation
        for op in ("Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softsign", "Elu", "Selu", "HardSigmoid", "Clip")
    },
    ("", "Softmax"): _softmax,
    ("", "Gemm"): _gemm,
    ("", "MatMul"): _matmul,
    ("", "Conv"): _conv,
    ("", "MaxPool"): _pool("max"),
    ("", "AveragePool"): _pool("avg"),
    ("", "GlobalMaxPool"): _global_pool("max"),
    ("", "GlobalAveragePool"): _global_pool("avg"),
    ("", "Pad"): _pad,
    ("", "BatchNormalization"): _batch_norm,
    ("", "Add"): _arith,
    ("", "Sub"): _arith,
    ("", "Mul"): _arith,
    ("", "Div"): _arith,
    **{("", op): _merge for op in ("Sum", "Max", "Min", "Mean")},
    ("", "Concat"): _concat,
}

__all__ = ["CONVERTERS", "emit_linear", "is_nonnegative"]
