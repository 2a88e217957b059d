"""The emulator: an interpreter over the IR, vectorised over the batch, bit-exact.

``emulate(graph, x)`` quantises the float input to the input type, runs every node's
``evaluate`` (exact integer arithmetic, then assignment to the declared output type) and
returns float64 outputs that are exactly the fixed-point values hardware produces.
``trace`` keeps every node's output and counts values that overflowed their type.
``reference`` runs the ops' float64 definitions on the source weights (no quantisation).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hlsflow.errors import HlsflowError
from hlsflow.ir.graph import Graph, Node, Value
from hlsflow.ir.types import FixedType, FloatType, Overflow, as_fixed
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.fixed import from_float, quantize, to_float


class EmulationError(HlsflowError, ValueError):
    """The data or graph cannot be emulated; the message says what to change."""


@dataclass(frozen=True)
class LayerTrace:
    """One node output over the batch: its assigned values, its exact (pre-assignment)
    values, and what assignment to the output type did to them.

    Invariants: ``overflows`` counts the values whose exact result, after the type's
    rounding, lies outside the type's range (for SAT_SYM the symmetric range), i.e. the
    values the overflow mode changed; ``underflows`` counts non-zero exact values that
    rounding turned into 0 (never an overflowing one); ``rounded_min``/``rounded_max``
    are the extreme exact values after rounding, as mantissas on the output type's grid
    (``2**-frac``) before the overflow mode acts -- the range a type needs to hold every
    value seen. For the input node the "exact" values are the float data.
    """

    name: str
    op: str
    type: str
    values: np.ndarray  # float64, batch-first
    overflows: int  # values that wrapped or saturated on assignment to the output type
    exact_min: float  # range of the exact (pre-assignment) result
    exact_max: float
    exact: np.ndarray | None = None  # float64 exact values, batch-first (None: not kept)
    underflows: int = 0
    rounded_min: int = 0
    rounded_max: int = 0
    node: str = ""  # the producing node (== name for single-output nodes)


@dataclass
class Trace:
    layers: dict[str, LayerTrace] = field(default_factory=dict)

    def __getitem__(self, name: str) -> LayerTrace:
        return self.layers[name]

    def summary(self) -> list[tuple[str, str, str, int, float, float]]:
        return [(t.name, t.op, t.type, t.overflows, t.exact_min, t.exact_max) for t in self.layers.values()]


def _batched_inputs(graph: Graph, x: Any) -> list[np.ndarray]:
    """``x`` as one float64 array per graph input, batch first.

    Accepted: for a single-input model an array (or nested list) of shape ``(batch,
    *shape)``, ``shape`` (one sample) or ``(batch, prod(shape))`` (flattened samples),
    optionally wrapped in a one-element list; for several inputs a list or tuple with one
    such array per input, in ``graph.inputs`` order. Anything else -- wrong shape, an
    empty batch, non-numeric or complex data, NaN or infinity -- raises one
    :class:`EmulationError` naming the input and what was expected.
    """
    ins = graph.inputs
    if len(ins) == 1:
        # a list/tuple is the list-of-inputs form only when it holds exactly one element;
        # otherwise it is the data itself (e.g. a nested list of samples)
        xs = [x[0]] if isinstance(x, (list, tuple)) and len(x) == 1 else [x]
        if (
            isinstance(x, (list, tuple))
            and len(x) > 1
            and all(isinstance(a, np.ndarray) for a in x)
            and len({a.shape for a in x}) > 1
        ):
            raise EmulationError(
                f"model {graph.name!r} has 1 input ({ins[0].name!r}), got a list of {len(x)} arrays of shapes "
                f"{', '.join(str(a.shape) for a in x)}; pass one array of shape (batch, "
                f"{', '.join(map(str, ins[0].type.shape))})"
            )
    elif isinstance(x, (list, tuple)):
        xs = list(x)
    else:
        xs = [x]
    if len(xs) != len(ins):
        names = ", ".join(repr(v.name) for v in ins)
        raise EmulationError(
            f"model {graph.name!r} has {len(ins)} inputs ({names}): pass a list of {len(ins)} arrays, got {len(xs)}"
        )
    return [_input_array(v, arr) for v, arr in zip(ins, xs)]


def _input_array(v: Value, arr: Any) -> np.ndarray:
    shape = v.type.shape
    want = f"(batch, {', '.join(map(str, shape))})"
    try:
        raw = np.asarray(arr)
    except ValueError:  # ragged nested lists
        raise EmulationError(
            f"input {v.name!r}: the data is not a rectangular array (its rows differ in length); expected {want}"
        ) from None
    if raw.dtype.kind == "O":
        try:
            raw = raw.astype(np.float64)
        except (TypeError, ValueError):
            raise EmulationError(f"input {v.name!r}: the data holds non-numeric objects; pass real numbers") from None
    if raw.dtype.kind not in "biuf":
        raise EmulationError(
            f"input {v.name!r}: data of dtype {raw.dtype} cannot be emulated; pass real numbers (bool, int or float)"
        )
    a = raw.astype(np.float64, copy=False)
    if a.ndim == 0:
        raise EmulationError(f"input {v.name!r} expects shape {want}, got a scalar")
    if a.shape == shape:
        a = a[None]
    elif a.shape[1:] != shape:
        hint = _layout_hint(v, a.shape)
        onnx_shape = v.producer.meta.get("onnx_shape")
        # A reshape keeps the elements' order, so it is only right for flattened samples
        # and for an ONNX layout whose axis move is a no-op (one channel): any other
        # same-size shape (e.g. channels-first data for a channels-last input) would be
        # silently scrambled, and is an error.
        reorder_free = a.ndim == 2 or (not hint and onnx_shape is not None and tuple(a.shape[1:]) == tuple(onnx_shape))
        if reorder_free and int(np.prod(a.shape[1:])) == int(np.prod(shape)):
            a = a.reshape((a.shape[0],) + shape)
        else:
            raise EmulationError(f"input {v.name!r} expects shape {want}, got {a.shape}{hint}")
    if a.shape[0] == 0:
        raise EmulationError(f"input {v.name!r}: the batch is empty (shape {a.shape}); pass at least one sample")
    finite = np.isfinite(a)
    if not finite.all():
        n_bad = int(finite.size - np.count_nonzero(finite))
        first = int(np.argwhere(~finite)[0][0])
        raise EmulationError(
            f"input {v.name!r} contains {n_bad} NaN or infinite values (first in sample {first}); "
            "only finite inputs can be quantised"
        )
    return a


def _layout_hint(v: Value, got: tuple[int, ...]) -> str:
    """A hint when ``got`` is the ONNX (channels-first) layout of a channels-last input
    whose elements a reshape would scramble ("" when moving the axes is a no-op, e.g.
    one channel, so a plain reshape is right)."""
    onnx_shape, order = v.producer.meta.get("onnx_shape"), v.producer.meta.get("ir_order")
    if onnx_shape is None or order is None or tuple(got[1:]) != tuple(onnx_shape):
        return ""
    moved = [int(a) for a in order if onnx_shape[int(a)] > 1]
    if moved == sorted(moved):
        return ""
    perm = (0, *(int(a) + 1 for a in order))
    return f" -- that is the ONNX layout; the IR input is channels-last: pass x.transpose{perm}"


def run(graph: Graph, x: Any, trace: bool = False) -> tuple[list[FixedArray], Trace | None]:
    """Run the bit-exact emulation; return output FixedArrays and an optional trace."""
    if not graph.is_quantized():
        bad = [
            n.name
            for n in graph.nodes
            if any(isinstance(v.type.elem, FloatType) for v in n.outputs) or any(not c.is_fixed for c in n.params.values())
        ]
        raise EmulationError(
            "the graph still has float types (nodes: " + ", ".join(bad[:5]) + "); run precision inference "
            "(hlsflow.convert does) before emulating, or use reference() for float evaluation"
        )
    env: dict[int, FixedArray] = {}
    tr = Trace() if trace else None
    feeds = dict(zip((id(v) for v in graph.inputs), _batched_inputs(graph, x)))
    for node in graph.nodes:
        if node.op.name == "input":
            v = node.output
            env[id(v)] = FixedArray.from_float(feeds[id(v)], as_fixed(v.type.elem))
            if tr is not None:
                _record_input(tr, node, env[id(v)], feeds[id(v)])
            continue
        ins = [env[id(v)] for v in node.inputs]
        exact = node.op.compute(node, ins)
        outs = [r.cast(as_fixed(v.type.elem)) for r, v in zip(exact, node.outputs)]
        for v, o in zip(node.outputs, outs):
            env[id(v)] = o
        if tr is not None:
            _record(tr, node, outs, exact)
        _free_dead(graph, node, env)
    return [env[id(v)] for v in graph.outputs], tr


def _free_dead(graph: Graph, node: Node, env: dict[int, FixedArray]) -> None:
    """Drop values whose every user has run, to keep memory flat on large batches."""
    for v in node.inputs:
        if all(graph.nodes.index(u) <= graph.nodes.index(node) for u in v.users) and not any(v is o for o in graph.outputs):
            env.pop(id(v), None)


def _effective_range(t: FixedType) -> tuple[int, int]:
    """The mantissa range assignment to ``t`` leaves untouched: SAT_SYM clamps a signed
    value at ``-max`` (ap_fixed: from 2 bits on), so ``min_mant`` itself is changed."""
    if t.overflow is Overflow.SAT_SYM and t.signed and t.width > 1:
        return -t.max_mant, t.max_mant
    return t.min_mant, t.max_mant


def _rounded(e: FixedArray, t: FixedType) -> np.ndarray:
    """``e`` rounded to ``t``'s fraction bits with ``t``'s rounding, with no overflow:
    the mantissas assignment to ``t`` produces before its overflow mode acts."""
    # Wide enough for every value of e's own type plus a rounding carry, so SAT never acts.
    integer = max(e.type.integer, 1) + 2
    width = integer + t.frac
    if width < 2:
        integer += 2 - width
        width = 2
    wide = FixedType(width, integer, True, t.rounding, Overflow.SAT)
    return quantize(e.mant, e.type.frac, wide)


def _record(
    tr: Trace,
    node: Node,
    outs: Sequence[FixedArray],
    exact: Sequence[FixedArray],
    nonzero: np.ndarray | None = None,
) -> None:
    """Store each output's values and assignment statistics; ``nonzero`` (input node)
    marks the source data that was non-zero before it was rounded onto a grid."""
    for v, o, e in zip(node.outputs, outs, exact):
        t = as_fixed(v.type.elem)
        ev = e.to_float()
        r = _rounded(e, t)
        lo, hi = _effective_range(t)
        nz = (e.mant != 0) if nonzero is None else nonzero
        tr.layers[v.name] = LayerTrace(
            v.name,
            node.op.name,
            str(v.type.elem),
            o.to_float(),
            int(np.count_nonzero((r < lo) | (r > hi))),
            float(ev.min()) if ev.size else 0.0,
            float(ev.max()) if ev.size else 0.0,
            exact=ev,
            underflows=int(np.count_nonzero(nz & (r == 0))),
            rounded_min=int(r.min()) if r.size else 0,
            rounded_max=int(r.max()) if r.size else 0,
            node=node.name,
        )


def _record_input(tr: Trace, node: Node, out: FixedArray, data: np.ndarray) -> None:
    """Record the input node: its exact values are the float data, so inputs outside the
    input type's range count as overflows (not silently pre-clipped)."""
    t = as_fixed(node.output.type.elem)
    peak = float(np.max(np.abs(data))) if data.size else 0.0
    # integer bits for the largest magnitude (+ sign, + rounding carry)
    integer = (int(np.ceil(np.log2(peak))) if peak >= 1.0 else 0) + 2
    width = max(integer + t.frac, 2)
    wide = FixedType(width, width - t.frac, True, t.rounding, Overflow.SAT)
    _record(tr, node, [out], [FixedArray.from_float(data, wide)], data != 0)
    name = node.output.name
    # the exact values of the input are the data itself (float64), not their rounding
    tr.layers[name] = dataclasses.replace(
        tr.layers[name],
        exact=data,
        exact_min=float(data.min()) if data.size else 0.0,
        exact_max=float(data.max()) if data.size else 0.0,
    )


def emulate(graph: Graph, x: Any) -> np.ndarray | list[np.ndarray]:
    """Bit-exact outputs as float64 arrays (one array, or a list for several outputs)."""
    outs, _ = run(graph, x)
    res = [o.to_float() for o in outs]
    return res[0] if len(res) == 1 else res


def trace(graph: Graph, x: Any) -> Trace:
    """Every node's bit-exact output, its exact (pre-assignment) values, and its
    overflow and underflow counts (see LayerTrace; ``hlsflow.diagnostics`` reports them)."""
    _, tr = run(graph, x, trace=True)
    assert tr is not None
    return tr


def reference(graph: Graph, x: Any) -> np.ndarray | list[np.ndarray]:
    """Float64 evaluation with the source's float parameters (no quantisation)."""
    env: dict[int, np.ndarray] = {}
    feeds = dict(zip((id(v) for v in graph.inputs), _batched_inputs(graph, x)))
    for node in graph.nodes:
        if node.op.name == "input":
            env[id(node.output)] = feeds[id(node.output)]
            continue
        outs = node.op.reference(node, [env[id(v)] for v in node.inputs])
        for v, o in zip(node.outputs, outs):
            o = np.asarray(o, dtype=np.float64)
            if node.meta.get("pinned_result") and isinstance(v.type.elem, FixedType):
                # the output type came from a source quantiser (fused into this node),
                # so quantising is part of the source model's own function
                o = to_float(from_float(o, v.type.elem), v.type.elem.frac)
            env[id(v)] = o
    res = [env[id(v)] for v in graph.outputs]
    return res[0] if len(res) == 1 else res
