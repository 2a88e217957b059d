"""Lowering: the final IR graph -> a ProjectView. One module per op family; ``LOWERINGS``
maps op names to their lowering function (explicit, no scanning)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from hlsflow.backends.common.lowering.context import LowerContext, LoweringError
from hlsflow.backends.common.lowering.dense import lower_dense
from hlsflow.backends.common.lowering.elementwise_ops import LOWERINGS_ELEMENTWISE
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
    """Lower every node; collect all unsupported nodes into one error."""
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
    inputs = tuple(ctx.var(v) for v in graph.inputs)
    layers: list[LayerView] = []
    for n in graph.nodes:
        if n.op.name != "input":
            lowered = LOWERINGS[n.op.name](n, ctx)
            layers.extend([lowered] if isinstance(lowered, LayerView) else lowered)
        for v in n.outputs:
            clone = _fan_out(graph, ctx, v)
            if clone is not None:
                layers.append(clone)
    outputs = tuple(ctx.var(v) for v in graph.outputs)
    headers = tuple(dict.fromkeys(lay.header for lay in layers))
    return ProjectView(
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


def _fan_out(graph: Graph, ctx: LowerContext, v: Value) -> LayerView | None:
    """A stream can be read once: give each consumer of a fanned-out stream its own
    copy, written by one ``clone`` layer (io_parallel arrays are simply shared)."""
    users = list(v.users)
    is_output = any(v is o for o in graph.outputs)
    if ctx.io_type != "io_stream" or len(users) + int(is_output) < 2:
        return None
    if is_output:
        raise LoweringError(
            f"%{v.name} is both a graph output and an input of other layers; io_stream cannot read a top-level "
            "output stream inside the design. Use io_parallel, or make the model output a separate layer."
        )
    src = ctx.var(v)
    copies = []
    for i, u in enumerate(users):
        c = VarView(f"{src.name}_cpy{i}", src.type_name, src.size, src.shape, src.channels)
        ctx.set_use(v, u, c)
        copies.append(c)
    return LayerView(
        name=f"{v.name}_clone",
        op="clone",
        header="clone.h",
        func="clone",
        inputs=(src,),
        output=copies[0],
        extra_outputs=tuple(copies[1:]),
        consts=(ConstView("n_words", src.size // src.channels), ConstView("n_copies", len(copies))),
        comment=f"one stream copy per consumer of %{v.name}",
    )


__all__ = ["LOWERINGS", "LowerContext", "LoweringError", "lower_graph", "register"]
