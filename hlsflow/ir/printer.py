"""One line per node: ``%dense_1: fixed<24,9>[64] = dense(%input_1) {units=64} [kernel: fixed<8,1>[16,64] 70.0% zero]``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hlsflow.ir.graph import Graph, Node


def print_node(node: Node) -> str:
    outs = ", ".join(f"%{v.name}: {v.type}" for v in node.outputs)
    args = ", ".join(f"%{v.name}" for v in node.inputs)
    line = f"{outs} = {node.op.name}({args})"
    attrs = node.op.attrs_str()
    if attrs:
        line += " " + attrs
    if node.params:
        ps = []
        for k, c in node.params.items():
            shape = ",".join(str(d) for d in c.shape)
            zero = f" {100.0 * c.sparsity:.1f}% zero" if c.sparsity > 0 else ""
            ps.append(f"{k}: {c.type}[{shape}]{zero}")
        line += " [" + "; ".join(ps) + "]"
    return line


def print_graph(graph: Graph) -> str:
    lines = [f"graph {graph.name}:"]
    lines += ["  " + print_node(n) for n in graph.nodes]
    lines.append("  return " + ", ".join(f"%{v.name}" for v in graph.outputs))
    return "\n".join(lines)
