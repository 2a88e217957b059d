"""infer-precision: give every parameter and value a fixed-point type.

Rules (the config's ``auto`` means exactly this; explicit types always win):

* **Input** -- ``Model.Precision.input`` (or ``LayerName.<input>.Precision.result``).
* **Parameters** -- a constant already on a grid (put there by a quantiser) keeps its
  exact type. Otherwise ``auto`` gives ``WeightBits`` bits, signed when any value is
  negative, with just enough integer bits for the largest magnitude, rounded to nearest.
  Explicit types that clip a value are reported in the conversion log.
* **Accumulators** -- never configurable: an op's natural type is its exact result (for
  Dense/Conv the accumulator bound from the actual weights and the input type), so it
  cannot overflow.
* **Results** -- ``auto`` keeps every integer bit of the natural type (so no value can
  overflow) and at most ``ResultFracBits`` fractional bits, truncating (TRN: floor never
  leaves the range). Ops that cannot grow the value (pooling max, reshape, relu, ...) and
  lookup tables keep their natural type, and a value consumed only by a quantiser keeps
  its exact type so the quantiser rounds once, as in the source framework.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hlsflow.config import ConfigError, ResolvedLayer
from hlsflow.ir.constant import exact_fixed_type
from hlsflow.ir.types import FixedType, IntType, Overflow, Rounding, TensorType, as_fixed, parse_type
from hlsflow.numerics.fixed import type_for_range
from hlsflow.passes.base import Pass, PassContext

if TYPE_CHECKING:
    from hlsflow.ir.graph import Graph, Node

#: Ops whose natural type is already as narrow as the value it carries.
KEEP_NATURAL = {
    "input",
    "flatten",
    "reshape",
    "zero_padding",
    "concatenate",
    "dropout",
    "quantize",
    "activation",
    "softmax",
}
#: Lookup-table outputs keep up to this many fractional bits under ``auto``.
TABLE_FRAC_BITS = 18

_PARAM_KEY = {"kernel": "weight", "bias": "bias", "scale": "scale", "shift": "shift"}
_PARAM_FALLBACK = {"scale": "weight", "shift": "bias"}


def auto_param_type(values: np.ndarray, bits: int) -> FixedType:
    """``bits``-bit type for float parameters, or their exact grid type if narrower."""
    exact = exact_fixed_type(values)
    if exact is not None and exact.width <= bits:
        return exact.with_modes(Rounding.RND_CONV, Overflow.SAT)
    v = np.asarray(values, dtype=np.float64)
    signed = bool(np.any(v < 0))
    max_abs = float(np.max(np.abs(v))) if v.size else 0.0
    if max_abs == 0.0:
        return FixedType(1, 1, False, Rounding.RND_CONV, Overflow.SAT)
    # Smallest integer-bit count whose range holds max_abs (plus the sign bit).
    integer = int(np.floor(np.log2(max_abs))) + 1 + int(signed)
    return FixedType(bits, integer, signed, Rounding.RND_CONV, Overflow.SAT)


def _param_spec(r: ResolvedLayer, pname: str) -> FixedType | None:
    key = _PARAM_KEY.get(pname, pname)
    spec = r.precision.get(key)
    if spec is None:
        spec = r.precision.get(_PARAM_FALLBACK.get(key, key), "auto")
    if spec == "auto":
        return None
    t = parse_type(spec)
    return as_fixed(t)


#: Ops that pass values through without arithmetic that could need rounding (their
#: natural type is exact for any input type), so a quantiser after them still sees the
#: exact value of what feeds them.
_VALUE_PRESERVING = {"flatten", "reshape", "zero_padding", "dropout"}


def _preserves_values(node: Node) -> bool:
    op = node.op
    if op.name in _VALUE_PRESERVING:
        return True
    if op.name == "activation":
        return getattr(op, "function", "") in ("linear", "relu", "relu6", "leaky_relu")
    return op.name in ("pool", "global_pool") and getattr(op, "kind", "") == "max"


def feeds_only_quantizers(node: Node) -> bool:
    """True when every path from the node's output reaches a quantiser through
    value-preserving ops only (e.g. Conv -> ReLU -> Quant, as Brevitas exports)."""
    users = node.output.users if len(node.outputs) == 1 else ()
    if not users:
        return False
    return all(u.op.name == "quantize" or (_preserves_values(u) and feeds_only_quantizers(u)) for u in users)


def _auto_result(node: Node, natural: FixedType, frac_bits: int) -> FixedType:
    if node.meta.get("pinned_result"):
        return natural
    if feeds_only_quantizers(node):
        return natural  # the quantiser rounds once, from the exact value
    keep = TABLE_FRAC_BITS if node.op.name in ("activation", "softmax") else frac_bits
    if node.op.name in KEEP_NATURAL and node.op.name not in ("activation", "softmax"):
        return natural
    if node.op.name == "pool" and getattr(node.op, "kind", "") == "max":
        return natural
    if node.op.name == "global_pool" and getattr(node.op, "kind", "") == "max":
        return natural
    if node.op.name == "merge" and getattr(node.op, "mode", "") in ("maximum", "minimum"):
        return natural
    if natural.frac <= keep:
        return natural
    # Drop fractional bits by truncation (floor never rounds past the maximum) and keep
    # exactly the range the truncated values can take, so no overflow is possible; this
    # also covers natural types whose values are all below 2**-keep.
    shift = natural.frac - keep
    lo, hi = natural.min_mant >> shift, natural.max_mant >> shift
    return type_for_range(lo, hi, keep).with_modes(Rounding.TRN, Overflow.WRAP)


def _input_type(r: ResolvedLayer, default: str) -> FixedType:
    spec = r.precision.get("result", "auto") if "result" in r.precision else "auto"
    if spec == "auto":
        spec = r.precision.get("input", default)
        if spec == "auto":
            spec = default
    t = parse_type(spec)
    if isinstance(t, IntType):
        return t.as_fixed()
    if not isinstance(t, FixedType):
        raise ConfigError(f"input precision must be a fixed-point or integer type, got {spec!r}")
    return t


@dataclass(frozen=True)
class InferPrecision(Pass):
    """Assign fixed-point types from the config; see the module docstring."""

    name: ClassVar[str] = "infer-precision"

    def apply(self, graph: Graph, ctx: PassContext) -> bool:
        cfg = ctx.config
        for node in graph.nodes:
            r = cfg.for_node(node)
            if node.op.name == "input":
                v = node.output
                graph.set_type(v, TensorType(v.type.shape, _input_type(r, "fixed<16,6>")))
                continue
            self._quantize_params(node, r, cfg.weight_bits, ctx)
            self._apply_table_type(graph, node, r)
            naturals = node.op.infer_types(node)
            explicit = r.type_for("result")
            for v, nat in zip(node.outputs, naturals):
                nat_f = as_fixed(nat.elem)
                if node.op.name == "quantize":
                    elem = nat_f  # a quantiser's type comes from the source model, not the config
                elif explicit is not None and not node.meta.get("pinned_result"):
                    elem = as_fixed(explicit)
                elif isinstance(v.type.elem, (FixedType, IntType)) and node.meta.get("pinned_result"):
                    elem = as_fixed(v.type.elem)
                else:
                    elem = _auto_result(node, nat_f, cfg.result_frac_bits)
                graph.set_type(v, TensorType(nat.shape, elem))
        return True

    @staticmethod
    def _quantize_params(node: Node, r: ResolvedLayer, bits: int, ctx: PassContext) -> None:
        for pname, c in list(node.params.items()):
            t = _param_spec(r, pname)
            if t is None:
                if c.is_fixed:
                    continue
                t = auto_param_type(c.values, bits)
            q = c.quantize(t)
            clipped = int(np.count_nonzero((c.values < t.min_value) | (c.values > t.max_value)))
            if clipped:
                ctx.note(
                    f"infer-precision: {node.name}.{pname}: {clipped} of {c.values.size} values lie outside "
                    f"{t} [{t.min_value}, {t.max_value}] and were {t.overflow.value.lower()}-clipped"
                )
            node.params[pname] = q

    @staticmethod
    def _apply_table_type(graph: Graph, node: Node, r: ResolvedLayer) -> None:
        t = r.type_for("table")
        if t is None or not dataclasses.is_dataclass(node.op):
            return
        names = {f.name for f in dataclasses.fields(node.op)}
        updates = {k: as_fixed(t) for k in ("table_type", "exp_type") if k in names}
        if updates:
            graph.replace_op(node, dataclasses.replace(node.op, **updates))

