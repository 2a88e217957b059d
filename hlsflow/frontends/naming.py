"""Node naming shared by the frontends: the last IR node made for a source layer/node
carries its name exactly; helper nodes are ``<name>_<suffix>`` and never take a name that
a later source layer will need (``reserved``)."""

from __future__ import annotations

from typing import Any

from hlsflow.ir.constant import Constant
from hlsflow.ir.graph import Graph, Value, sanitize_name
from hlsflow.ir.ops.base import Op


def free_name(graph: Graph, reserved: set[str], base: str) -> str:
    """``base`` (sanitised), or ``base_1``, ``base_2``, ... : the first name neither in the
    graph nor reserved."""
    base = sanitize_name(base)
    cand, i = base, 1
    while cand in reserved or graph.unique_name(cand) != cand:
        cand = f"{base}_{i}"
        i += 1
    return cand


def emit_node(
    graph: Graph,
    reserved: set[str],
    name: str,
    op: Op,
    inputs: list[Value],
    suffix: str | None,
    params: dict[str, Constant] | None,
    meta: dict[str, Any],
) -> Value:
    """Add a node for source layer ``name``: named ``name`` when ``suffix`` is None (the
    layer's last node), else ``<name>_<suffix>``."""
    node_name = sanitize_name(name) if suffix is None else free_name(graph, reserved, f"{name}_{suffix}")
    return graph.add_node(op, inputs, name=node_name, params=params, meta=meta).output


__all__ = ["emit_node", "free_name"]
