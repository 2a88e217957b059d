"""A sound, elementwise bound on ``|emulate(x) - reference(x)|`` derived from the types.

The emulator evaluates the converted graph with quantised parameters and fixed-point
values; the float reference (:func:`hlsflow.emulate.reference`) evaluates the same graph
in float64 with the source's float parameters. :func:`propagate` walks the graph once,
carrying for every value ``v`` the float reference ``r_v`` and an array ``e_v`` (same
shape, per sample) with ``|emu_v - r_v| <= e_v`` elementwise. Nothing is fitted: every
term below is a stated property of a type, a parameter or an op's documented rule.

Notation: ``u = 2**-53`` (float64 unit roundoff); ``gamma(n) = n*u / (1 - n*u)`` (the
classical bound on a float64 dot product of length ``n``: ``|fl(sum) - sum| <=
gamma(n) * sum|terms|``); for a fixed-point type ``T``, ``lsb = 2**-frac``.

**Assignment to a type** (every node output, the input, every parameter). A value ``z``
with ``|z - r| <= e`` is assigned to ``T``:

* rounding moves it by at most ``step``: 0 when ``z`` is already on ``T``'s grid (its
  natural type has ``frac <= T.frac``), else ``lsb`` for TRN / TRN_ZERO and ``lsb / 2``
  for the round-to-nearest modes;
* overflow cannot happen when every value ``z`` can take (``[r - e, r + e]`` intersected
  with the natural type's range, since ``z`` is an exact value of that type) rounds into
  ``T``'s range; rounding is monotone, so checking the two rounded ends suffices (the
  natural type's extremes are rounded on exact integers). Then ``|q - r| <= e + step``;
* otherwise, for SAT / SAT_SYM: ``|sat(round(z)) - z| <= max(step, dist(z, R))`` (``R``
  the range the mode leaves untouched; if ``round(z)`` leaves ``R`` then ``z`` is within
  ``step`` of the bound it is clamped to, or beyond it), and ``dist(z, R) <= dist(r, R)
  + e``, so ``|q - r| <= e + max(step, dist(r, R) + e)``;
* for WRAP / SAT_ZERO a possible overflow has no useful bound: the element gets ``inf``
  (callers restrict themselves to types where this cannot happen and check it).

A parameter is a source float ``w`` assigned to its type (``e = 0``, no natural type),
so ``|wq - w| <= dw`` with ``dw`` from the rule above (0 for a zero / pruned weight).

**Ops** (``z`` = the op's exact fixed-point result before assignment, ``r`` = its float64
reference result, ``x`` = reference inputs with bounds ``e``):

* dense / conv1d / conv2d / depthwise / pointwise (``z = sum wq*xq + bq``):
  ``|wq xq - w x| <= |wq| e + dw |x|``, so ``|z - r| <= L_|wq|(e) + L_dw(|x|) + db
  + gamma(n + 1) * (L_|w|(|x|) + |b|)`` where ``L_k`` is the op's own linear map with
  kernel ``k`` and no bias (zero padding contributes 0 to every term), ``n`` = kernel
  size (>= the dot-product length);
* batch_norm: the one-tap case of the above (``|sq| e + ds |x| + dsh``, ``gamma(2)``);
* max pooling (windowed or global): max is 1-Lipschitz in the max norm, so the window
  maximum of ``e`` (padded taps are ignored by both sides);
* average pooling: ``z = S_q * R(d)`` with ``R(d)`` the reciprocal constant with ``F``
  fractional bits rounded to nearest (:func:`hlsflow.numerics.window.reciprocal_frac`;
  exact when every divisor is a power of two), ``|R - 1/d| <= rho = 2**-(F + 1)``, so
  ``|z - r| <= avg(e) * (1 + dmax*rho) + avg(|x|) * dmax*rho`` plus ``gamma(taps + 1)``;
* merge: add / subtract ``sum e``; maximum / minimum ``max e``; average ``sum e / n``
  (``n`` a power of two: an exact shift) or, with the quantised ``1/n`` (``16 +
  bit_length(n)`` fractional bits, RND, ``rho = 2**-(17 + bit_length(n))``),
  ``sum e * (1/n + rho) + sum|x| * rho``; multiply, one factor at a time:
  ``|pq xq - p x| <= e_p (|x| + e_x) + |p| e_x``;
* concatenate / flatten / reshape / zero padding: the same rearrangement of ``e``
  (padding adds exact zeros);
* activations ``g`` (float function, Lipschitz constant ``L``) computed by ``g_hat``:
  ``|g_hat(xq) - g(x)| <= |g_hat(xq) - g(xq)| + L e``, where the implementation error
  ``A = |g_hat - g|`` is: 0 for linear / relu; ``|cq - c| <= 2**-17`` for a clipped relu
  (constants: 16 fractional bits, RND, :mod:`hlsflow.numerics.scalar`); ``2**-17 |xq|``
  for leaky_relu (slope) and hard_sigmoid (slope 0.2, ``L = 0.2``); for lookup tables
  (:mod:`hlsflow.numerics.lut`: centre-sampled bins of width ``step``, entries rounded to
  nearest into the fitted table type, which never saturates) ``A = L_t * step / 2 +
  tail + lsb_t / 2`` with ``L_t`` the largest slope over the table and ``tail`` the
  function's variation beyond the table's range (sigmoid, tanh, softsign: distance to
  their asymptotes; elu / selu: below the range, ``k * exp(lo)``); elu / selu take the
  larger of the table's and the linear branch's ``A`` (selu's scale is a quantised
  constant, ``2**-17 |xq|``); ``|xq| <= |x| + e``;
* every float64 elementwise evaluation adds ``16 u |r|`` (libm is accurate to a few
  ulps).

Softmax and quantize nodes have no bound here (:class:`Unbounded`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hlsflow.emulate import _batched_inputs
from hlsflow.ir import Constant, Graph
from hlsflow.ir.graph import Node, Value
from hlsflow.ir.ops.activation import SELU_ALPHA, SELU_SCALE, Activation
from hlsflow.ir.types import FixedType, Overflow, Rounding, as_fixed
from hlsflow.numerics.scalar import CONST_FRAC
from hlsflow.numerics.window import reciprocal_frac

U = 2.0**-53
#: Relative error of a float64 libm / elementwise evaluation (a few ulps, generously).
ELEMENTWISE_FP = 16 * U
#: Scalar op constants: ``CONST_FRAC`` fractional bits, rounded to nearest.
SCALAR_ERR = 2.0 ** -(CONST_FRAC + 1)

LINEAR = ("dense", "pointwise_conv", "conv1d", "conv2d", "depthwise_conv2d")
REARRANGE = ("flatten", "reshape", "zero_padding", "concatenate")
TRUNCATING = (Rounding.TRN, Rounding.TRN_ZERO)


class Unbounded(ValueError):
    """The graph holds an op this module states no bound for."""


def gamma(n: int) -> float:
    """Float64 dot-product error factor for ``n`` terms."""
    return n * U / (1.0 - n * U)


def rounding_step(t: FixedType, natural: FixedType | None) -> float:
    """The most rounding to ``t`` can move a value whose grid is ``natural``'s."""
    if natural is not None and natural.frac <= t.frac:
        return 0.0
    return t.lsb if t.rounding in TRUNCATING else t.lsb / 2


def effective_range(t: FixedType) -> tuple[float, float]:
    """The values assignment to ``t`` leaves untouched (SAT_SYM: symmetric)."""
    lo = -t.max_mant if t.overflow is Overflow.SAT_SYM and t.signed and t.width > 1 else t.min_mant
    return math.ldexp(lo, -t.frac), math.ldexp(t.max_mant, -t.frac)


def assignment_bound(r: np.ndarray, e: np.ndarray, t: FixedType, natural: FixedType | None) -> np.ndarray:
    """Bound on ``|assign_t(z) - r|`` for every exact ``z`` of type ``natural`` (None:
    any real) with ``|z - r| <= e``; see the module docstring."""
    r = np.asarray(r, dtype=np.float64)
    e = np.broadcast_to(np.asarray(e, dtype=np.float64), r.shape)
    step = rounding_step(t, natural)
    lo, hi = r - e, r + e
    if natural is not None:
        lo = np.maximum(lo, natural.min_value)
        hi = np.minimum(hi, natural.max_value)
    # extreme results any rounding mode can produce from [lo, hi] (exact in float64:
    # scaling by a power of two, floor / ceil)
    if step == 0.0:
        q_lo, q_hi = lo, hi
    else:
        q_lo = np.floor(lo / t.lsb) * t.lsb
        q_hi = (np.floor(hi / t.lsb) if t.rounding is Rounding.TRN else np.ceil(hi / t.lsb)) * t.lsb
    if natural is not None:
        # the natural type's own extremes, rounded to t on exact integers (a wide type's
        # extreme mantissa is not a float64): no value of it rounds beyond them
        shift = natural.frac - t.frac
        if shift > 0:
            nat_lo = natural.min_mant >> shift
            nat_hi = natural.max_mant >> shift if t.rounding is Rounding.TRN else -(-natural.max_mant >> shift)
        else:
            nat_lo, nat_hi = natural.min_mant << -shift, natural.max_mant << -shift
        q_lo = np.maximum(q_lo, math.ldexp(nat_lo, -t.frac))
        q_hi = np.minimum(q_hi, math.ldexp(nat_hi, -t.frac))
    r_lo, r_hi = effective_range(t)
    fits = (q_lo >= r_lo) & (q_hi <= r_hi)
    out = e + step
    if fits.all():
        return out
    if t.overflow in (Overflow.SAT, Overflow.SAT_SYM):
        dist = np.maximum(np.maximum(r_lo - r, r - r_hi), 0.0)
        return np.where(fits, out, e + np.maximum(step, dist + e))
    return np.where(fits, out, np.inf)


def constant_bound(c: Constant) -> np.ndarray:
    """``|stored - source|`` bound of every element of a quantised parameter."""
    t = as_fixed(c.type)
    b = assignment_bound(c.values, np.zeros_like(c.values), t, None)
    return np.where(c.values == 0.0, 0.0, b)  # zero is exact in every type


@dataclass(frozen=True)
class _Proxy:
    """What an op's ``reference`` reads of a node: its inputs and parameters. Running
    the op's own float map with other kernels (|wq|, dw, |w|) gives the bound terms."""

    inputs: list[Value]
    params: dict[str, Constant]
    name: str = "bound"
    meta: dict[str, Any] = field(default_factory=dict)


def _apply(node: Node, params: dict[str, Constant], xs: Sequence[np.ndarray]) -> np.ndarray:
    proxy = _Proxy(list(node.inputs), params)
    return np.asarray(node.op.reference(proxy, list(xs))[0], dtype=np.float64)  # type: ignore[arg-type]


def _kernel(values: np.ndarray) -> dict[str, Constant]:
    return {"kernel": Constant.from_array(values)}


def _linear(node: Node, x: np.ndarray, e: np.ndarray) -> np.ndarray:
    k = node.params["kernel"]
    wq = k.float_values()
    z = _apply(node, _kernel(np.abs(wq)), [e]) + _apply(node, _kernel(constant_bound(k)), [np.abs(x)])
    mag = _apply(node, _kernel(np.abs(k.values)), [np.abs(x)])
    if "bias" in node.params:
        b = node.params["bias"]
        z = z + constant_bound(b)
        mag = mag + np.abs(b.values)
    return z + gamma(k.values.size + 1) * mag


def _batch_norm(node: Node, x: np.ndarray, e: np.ndarray) -> np.ndarray:
    s, sh = node.params["scale"], node.params["shift"]
    z = np.abs(s.float_values()) * e + constant_bound(s) * np.abs(x) + constant_bound(sh)
    return z + gamma(2) * (np.abs(s.values * x) + np.abs(sh.values))


def _pool(node: Node, x: np.ndarray, e: np.ndarray) -> np.ndarray:
    if node.op.kind == "max":  # type: ignore[attr-defined]
        return _apply(node, {}, [e])
    if node.op.name == "pool":
        ds = node.op.divisors(node.inputs[0].type.shape[:-1])  # type: ignore[attr-defined]
        taps = node.op.window.taps  # type: ignore[attr-defined]
    else:
        taps = int(np.prod(node.inputs[0].type.shape[:-1]))
        ds = np.array([taps])
    divisors = [int(d) for d in np.asarray(ds).reshape(-1)]
    exact = all(d & (d - 1) == 0 for d in divisors)
    rho = 0.0 if exact else 2.0 ** -(reciprocal_frac(divisors) + 1)
    dmax = max(divisors)
    avg_e, avg_x = _apply(node, {}, [e]), _apply(node, {}, [np.abs(x)])
    return avg_e * (1 + dmax * rho) + avg_x * dmax * rho + gamma(taps + 1) * avg_x


def _merge(node: Node, xs: list[np.ndarray], es: list[np.ndarray], r: np.ndarray) -> np.ndarray:
    mode = node.op.mode  # type: ignore[attr-defined]
    n = len(xs)
    if mode in ("maximum", "minimum"):
        return np.maximum.reduce(es)
    if mode == "multiply":
        p, ep = xs[0], es[0]
        for x, e in zip(xs[1:], es[1:]):
            ep = ep * (np.abs(x) + e) + np.abs(p) * e
            p = p * x
        return ep + gamma(n) * np.abs(r)
    total_e = np.sum(es, axis=0)
    total_x = np.sum([np.abs(x) for x in xs], axis=0)
    fp = gamma(n + 1) * total_x
    if mode in ("add", "subtract"):
        return total_e + fp
    assert mode == "average", mode
    if n & (n - 1) == 0:
        return total_e / n + fp
    rho = 2.0 ** -(CONST_FRAC + n.bit_length() + 1)
    return total_e * (1.0 / n + rho) + total_x * rho + fp


#: Float functions' Lipschitz constants.
_LIPSCHITZ = {
    "linear": 1.0,
    "relu": 1.0,
    "relu6": 1.0,
    "sigmoid": 0.25,
    "tanh": 1.0,
    "softsign": 1.0,
    "hard_sigmoid": 0.2,
}
#: ``(inf g, sup g)`` of the bounded table functions over the reals.
_ASYMPTOTES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "softsign": (-1.0, 1.0)}


def _table_error(op: Activation, slope: float) -> float:
    """Worst ``|table(x) - f(x)|`` over all x (see the module docstring)."""
    table, f = op.table(), op.table_function()
    assert table is not None and f is not None
    if op.table_type is not None:
        raise Unbounded(f"activation {op.function} with an explicit table_type may saturate its entries")
    ends = f(np.array([table.lo, table.hi]))
    if op.function in _ASYMPTOTES:
        inf_g, sup_g = _ASYMPTOTES[op.function]
        tail = max(float(ends[0]) - inf_g, sup_g - float(ends[1]))
    else:  # elu / selu (table for x < 0 only): k * (exp(x) - 1) falls to its infimum -k below lo
        inf_g = float(f(np.array([-np.inf]))[0])
        tail = float(ends[0]) - inf_g
    return slope * table.step / 2 + tail + table.type.lsb / 2


def _activation(node: Node, x: np.ndarray, e: np.ndarray) -> np.ndarray:
    op = node.op
    assert isinstance(op, Activation)
    fn = op.function
    mag = np.abs(x) + e  # bounds |xq|
    if fn in ("linear", "relu") and op.max_value is None:
        return e
    if fn in ("relu", "relu6"):
        return e + SCALAR_ERR
    if fn == "leaky_relu":
        alpha = op.resolved_alpha()
        assert alpha is not None
        return max(1.0, abs(alpha)) * e + SCALAR_ERR * mag
    if fn == "hard_sigmoid":
        return _LIPSCHITZ[fn] * e + SCALAR_ERR * mag
    if fn in _ASYMPTOTES:
        return _LIPSCHITZ[fn] * e + _table_error(op, _LIPSCHITZ[fn])
    if fn == "elu":
        alpha = op.resolved_alpha()
        assert alpha is not None
        # slope of alpha * expm1 on x < 0 is at most |alpha|; the positive branch is exact
        return max(1.0, abs(alpha)) * e + _table_error(op, abs(alpha))
    if fn == "selu":
        k = SELU_SCALE * SELU_ALPHA
        return SELU_SCALE * max(1.0, SELU_ALPHA) * e + np.maximum(_table_error(op, k), SCALAR_ERR * mag)
    raise Unbounded(f"no error bound for activation {fn!r}")


def op_bound(node: Node, xs: list[np.ndarray], es: list[np.ndarray], r: np.ndarray) -> np.ndarray:
    """Bound on ``|z - r|`` for the exact result ``z`` of ``node`` (before assignment)."""
    name = node.op.name
    if name in LINEAR:
        return _linear(node, xs[0], es[0])
    if name == "batch_norm":
        return _batch_norm(node, xs[0], es[0])
    if name in ("pool", "global_pool"):
        return _pool(node, xs[0], es[0])
    if name == "merge":
        return _merge(node, xs, es, r)
    if name in REARRANGE:
        return _apply(node, {}, es)
    if name == "activation":
        return _activation(node, xs[0], es[0]) + ELEMENTWISE_FP * np.abs(r)
    raise Unbounded(f"no error bound for op {name!r} (node {node.name!r})")


@dataclass(frozen=True)
class Bounds:
    """The float reference and the elementwise error bound of every graph output, and
    the largest bound of every node (for messages)."""

    reference: list[np.ndarray]
    bound: list[np.ndarray]
    per_node: dict[str, float]


def propagate(graph: Graph, x: Any) -> Bounds:
    """Run the float reference and the error bound through a converted graph."""
    refs: dict[int, np.ndarray] = {}
    errs: dict[int, np.ndarray] = {}
    per_node: dict[str, float] = {}
    feeds = dict(zip((id(v) for v in graph.inputs), _batched_inputs(graph, x)))
    for node in graph.nodes:
        out = node.output
        t = as_fixed(out.type.elem)
        if node.op.name == "input":
            r = feeds[id(out)]
            e = assignment_bound(r, np.zeros_like(r), t, None)
        else:
            if node.meta.get("pinned_result"):
                raise Unbounded(f"node {node.name!r} has a source-pinned output type (the reference quantises it)")
            xs = [refs[id(v)] for v in node.inputs]
            es = [errs[id(v)] for v in node.inputs]
            r = np.asarray(node.op.reference(node, xs)[0], dtype=np.float64)
            natural = as_fixed(node.op.infer_types(node)[0].elem)
            e = assignment_bound(r, op_bound(node, xs, es, r), t, natural)
        refs[id(out)], errs[id(out)] = r, e
        per_node[node.name] = float(np.max(e)) if e.size else 0.0
    return Bounds([refs[id(v)] for v in graph.outputs], [errs[id(v)] for v in graph.outputs], per_node)


#: Relative slack of the final comparison: the bound itself is evaluated in float64
#: (a few dozen roundings of non-negative terms, far below 2**-44 relative).
CHECK_SLACK = 2.0**-44


def violations(emulated: np.ndarray, reference: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """Mask of elements where ``|emulated - reference|`` exceeds the bound."""
    diff = np.abs(np.asarray(emulated, dtype=np.float64) - reference)
    return diff > bound + CHECK_SLACK * (np.abs(reference) + bound)
