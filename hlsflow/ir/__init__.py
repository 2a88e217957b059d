"""The hlsflow IR: element/tensor types, constants, the graph and its ops."""

from hlsflow.ir.constant import Constant
from hlsflow.ir.graph import Graph, IRError, Node, Value
from hlsflow.ir.types import (
    ElemType,
    FixedType,
    FloatType,
    IntType,
    Overflow,
    Rounding,
    TensorType,
    parse_type,
)

__all__ = [
    "Constant",
    "ElemType",
    "FixedType",
    "FloatType",
    "Graph",
    "IRError",
    "IntType",
    "Node",
    "Overflow",
    "Rounding",
    "TensorType",
    "Value",
    "parse_type",
]
