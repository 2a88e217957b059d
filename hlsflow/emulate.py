"""The emulator: an interpreter over the IR, vectorised over the batch, bit-exact.

``emulate(graph, x)`` quantises the float input to the input type, runs every node's
``evaluate`` (exact integer arithmetic, then assignment to the declared output type) and
returns float64 outputs that are exactly the fixed-point values hardware produces.
``trace`` keeps every node's output and counts values that overflowed their type.
``reference`` runs the ops' float64 definitions on the source weights (no quantisation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hlsflow.ir.graph import Graph, Node
from hlsflow.ir.types import FixedType, FloatType, as_fixed
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.fixed import count_overflow, from_float, to_float


class EmulationError(ValueError):
    """The data or graph cannot be emulated; the message says what to change."""


@dataclass(frozen=True)
class LayerTrace:
    """One node's output over the batch and how many values left its type's range."""

    name: str
    op: str
    type: str
    values: np.ndarray  # float64, batch-first
    overflows: int  # values that wrapped or saturated on assignment to the output type
    exact_min: float  # range of the exact (pre-assignment) result
    exact_max: float


@dataclass
class Trace:
    layers: dict[str, LayerTrace] = field(default_factory=dict)

    def __getitem__(self, name: str) -> LayerTrace:
        return self.layers[name]

    def summary(self) -> list[tuple[str, str, str, int, float, float]]:
        return [(t.name, t.op, t.type, t.overflows, t.exact_min, t.exact_max) for t in self.layers.values()]


def _batched_inputs(graph: Graph, x: Any) -> list[np.ndarray]:
    ins = graph.inputs
    xs = list(x) if isinstance(x, (list, tuple)) else [x]
    if len(xs) != len(ins):
        raise EmulationError(f"model {graph.name!r} has {len(ins)} inputs, got {len(xs)} arrays")
    out = []
    for v, arr in zip(ins, xs):
        a = np.asarray(arr, dtype=np.float64)
        shape = v.type.shape
        if a.shape == shape:
            a = a[None]
        elif a.shape[1:] != shape:
            if a.ndim >= 1 and int(np.prod(a.shape[1:])) == int(np.prod(shape)):
                a = a.reshape((a.shape[0],) + shape)
            else:
                raise EmulationError(
                    f"input {v.name!r} expects shape (batch, {', '.join(map(str, shape))}), got {a.shape}"
                )
        if not np.all(np.isfinite(a)):
            raise EmulationError(f"input {v.name!r} contains NaN or infinite values")
        out.append(a)
    return out


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
                _record(tr, node, [env[id(v)]], [FixedArray.from_float(feeds[id(v)], as_fixed(v.type.elem))])
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


def _record(tr: Trace, node: Node, outs: Sequence[FixedArray], exact: Sequence[FixedArray]) -> None:
    for v, o, e in zip(node.outputs, outs, exact):
        t = as_fixed(v.type.elem)
        ev = e.to_float()
        tr.layers[v.name] = LayerTrace(
            v.name,
            node.op.name,
            str(v.type.elem),
            o.to_float(),
            count_overflow(e.mant, e.type.frac, t),
            float(ev.min()) if ev.size else 0.0,
            float(ev.max()) if ev.size else 0.0,
        )


def emulate(graph: Graph, x: Any) -> np.ndarray | list[np.ndarray]:
    """Bit-exact outputs as float64 arrays (one array, or a list for several outputs)."""
    outs, _ = run(graph, x)
    res = [o.to_float() for o in outs]
    return res[0] if len(res) == 1 else res


def trace(graph: Graph, x: Any) -> Trace:
    """Every node's bit-exact output plus per-node overflow counts."""
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
