"""Lowering: the final IR graph -> a ProjectView. One module per op family; ``LOWERINGS``
maps op names to their lowering function (explicit, no scanning)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from hlsflow.backends.common.lowering.context import LowerContext, LoweringError
from hlsflow.backends.common.lowering.dense import lower_dense
from hlsflow.backends.common.lowering.elementwise_ops import LOWERINGS_ELEMENTWISE
from hlsflow.backends.common.lowering.identifiers import settle_identifiers
from hlsflow.backends.common.lowering.spatial_ops import LOWERINGS_SPATIAL
from hlsflow.backends.common.views import ConstView, LayerView, ProjectView, VarView

if TYPE_CHECKING:
    from hlsflow.config import Config
    from hlsflow.ir.graph import Graph, Node, Value

#: A lowering returns the node's layer, or several layers in order (e.g. the stages of a
#: merge of more than two inputs); the last one writes the node's output.
Lowering = Callable[["Node", LowerContext], "LayerView | Sequence[LayerView]"]

LOWERINGS: dict[str, Lowering] = {
    "dense": lower_dense,
    "pointwise_conv": lower_dense,
    **LOWERINGS_ELEMENTWISE,
    **LOWERINGS_SPATIAL,
}


def register(op_name: str, fn: Lowering) -> None:
    LOWERINGS[op_name] = fn


def lower_graph(graph: Graph, config: Config, backend: str) -> ProjectView:
    """Lower every node; collect all unsupported nodes into one error. Input arguments
    that would clash with another C++ identifier are renamed (:func:`settle_identifiers`)."""
    if not graph.is_quantized():
        raise LoweringError(f"graph {graph.name!r} still has float types: convert it with hlsflow.convert first")
    ctx = LowerContext(graph, config, config.io_type)
    missing = [f"{n.name} ({n.op.name})" for n in graph.nodes if n.op.name != "input" and n.op.name not in LOWERINGS]
    if missing:
        raise LoweringError(
            f"the {backend} backend cannot generate code for: {', '.join(missing)}; "
            f"supported ops: {', '.join(sorted(LOWERINGS))}"
        )
    for v in graph.outputs:
        if v.producer.op.name == "input":
            raise LoweringError(f"graph output %{v.name} is a graph input; there is nothing to generate")
    inputs = tuple(ctx.port(v) for v in graph.inputs)
    layers: list[LayerView] = []
    for n in graph.nodes:
        if n.op.name != "input":
            lowered = LOWERINGS[n.op.name](n, ctx)
            layers.extend([lowered] if isinstance(lowered, LayerView) else lowered)
        for v in n.outputs:
            layers.extend(_fan_out(graph, ctx, v))
    outputs = tuple(ctx.port(v) for v in graph.outputs)
    headers = tuple(dict.fromkeys(lay.header for lay in layers))
    view = ProjectView(
        name=config.project_name,
        backend=backend,
        io_type=config.io_type,
        part=config.part,
        clock_period=config.clock_period,
        clock_uncertainty=config.clock_uncertainty,
        inputs=inputs,
        outputs=outputs,
        layers=tuple(layers),
        value_types=ctx.value_types,
        headers=headers,
    )
    return settle_identifiers(view)


#: Most copies one clone layer writes (nnet::clone_stream has 2-, 3- and 4-way overloads).
MAX_CLONE_COPIES = 4


def _fan_out(graph: Graph, ctx: LowerContext, v: Value) -> list[LayerView]:
    """A stream can be read once: give each consumer of a fanned-out stream its own
    copy (io_parallel arrays are simply shared, and no layer is added).

    The copies are written by ``clone`` layers of at most MAX_CLONE_COPIES outputs,
    chained when there are more consumers (the last copy of one clone feeds the next).
    A graph output that layers also read is a top-level port the design cannot read
    back: its producer writes an internal stream (:meth:`LowerContext.var`), and the
    port becomes one more copy.
    """
    users = list(v.users)
    is_output = any(v is o for o in graph.outputs)
    if ctx.io_type != "io_stream" or len(users) + int(is_output) < 2:
        return []
    src, port = ctx.var(v), ctx.port(v)  # the same but for a read graph output
    # copies are named after the value, not its variable: an input may be called like
    # another layer's output variable (an input "l0_out" beside layer l0's "l0_out")
    targets = [_copy_of(port, f"{v.name}_cpy{i}") for i in range(len(users))]
    seen: dict[int, int] = {}
    for u, c in zip(users, targets):  # a node reading v in k inputs is listed k times
        ctx.set_use(v, u, c, seen.get(id(u), 0))
        seen[id(u)] = seen.get(id(u), 0) + 1
    if is_output:
        targets.append(port)
    clones: list[LayerView] = []
    while targets:
        last = len(targets) <= MAX_CLONE_COPIES
        outs = targets if last else targets[: MAX_CLONE_COPIES - 1] + [_copy_of(src, f"{v.name}_fwd{len(clones)}")]
        targets = [] if last else targets[MAX_CLONE_COPIES - 1 :]
        suffix = "" if not clones else str(len(clones) + 1)
        clones.append(
            LayerView(
                name=f"{v.name}_clone{suffix}",
                op="clone",
                header="clone.h",
                func="clone",
                inputs=(src,),
                output=outs[0],
                extra_outputs=tuple(outs[1:]),
                consts=(ConstView("n_words", src.size // src.channels), ConstView("n_copies", len(outs))),
                comment=f"one stream copy per consumer of %{v.name}" + ("" if last else " (continued below)"),
            )
        )
        src = outs[-1]
    return clones


def _copy_of(var: VarView, name: str) -> VarView:
    """Another stream of ``var``'s type and shape, called ``name``."""
    return VarView(name, var.type_name, var.size, var.shape, var.channels)


__all__ = ["LOWERINGS", "LowerContext", "LoweringError", "lower_graph", "register"]
