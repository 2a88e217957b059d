"""Pieces shared by the element-wise, table, merge and reshaping lowerings: layer
geometry, exact scalar constants, lookup tables and two-input stages."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hlsflow.backends.common.lowering.context import LowerContext
from hlsflow.backends.common.views import ArrayView, ConstView, LayerView, TypeView, VarView

from hlsflow.ir.types import FixedType, Overflow, Rounding
from hlsflow.numerics.fixed import type_for_range
from hlsflow.numerics.scalar import ScalarConst

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node
    from hlsflow.numerics.lut import Table, TableFunction


#: The type of an unused scalar constant (raw 0).
UNUSED_SCALAR = FixedType(1, 1, False)


def geometry(shape: Sequence[int]) -> tuple[ConstView, ConstView]:
    """``n_pos`` (product of the leading dims) and ``n_chan`` (the last dim): the
    positions and channels the per-position drivers of nnet/positions.h iterate over."""
    return ConstView("n_pos", math.prod(shape[:-1])), ConstView("n_chan", shape[-1])


def scalar(ctx: LowerContext, node: Node, prefix: str, c: ScalarConst | None) -> tuple[TypeView, ConstView]:
    """``<prefix>_t`` and ``<prefix>_raw``: an exact constant, rebuilt in C++ with
    ``hlsflow::from_raw``; None gives an unused 0."""
    t, raw = (UNUSED_SCALAR, 0) if c is None else (c.type, c.mant)
    return ctx.typedef(node, f"{prefix}_t", t), ConstView(f"{prefix}_raw", raw, "long long")


def power_of_two(k: int) -> ScalarConst:
    """The exact constant ``2**k`` (raw 1)."""
    return ScalarConst(1, FixedType(1, 1 + k, False))


def table(
    ctx: LowerContext, node: Node, prefix: str, t: Table, f: TableFunction, array: str
) -> tuple[tuple[ConstView, ...], tuple[TypeView, ...], ArrayView]:
    """Config entries and entry array of one lookup table for nnet::lookup (nnet/table.h):
    ``index_t`` (unsigned, log2(size) integer bits, TRN/SAT), ``table_t``, the table
    start ``lo_t`` + ``lo_raw`` and ``scale_t`` = 2**(log2 size - log2 span), so that
    assigning ``(x - lo) * scale`` to ``index_t`` is :meth:`Table.index` exactly."""
    n = t.log2_size
    k = n - t.log2_span  # lo = start_bin * 2**-k
    start = t.start_bin
    types = (
        ctx.typedef(node, f"{prefix}index_t", FixedType(n, n, False, Rounding.TRN, Overflow.SAT)),
        ctx.typedef(node, f"{prefix}table_t", t.type),
        ctx.typedef(node, f"{prefix}lo_t", type_for_range(min(start, 0), max(start, 0), k)),
        ctx.typedef(node, f"{prefix}scale_t", power_of_two(k).type),
    )
    entries = ctx.raw_array(array, t.entries(f), t.type, f"{t.size} entries over [{t.lo}, {t.hi})")
    return (ConstView(f"{prefix}lo_raw", start, "long long"),), types, entries


def layer(
    node: Node,
    name: str,
    header: str,
    func: str,
    inputs: tuple[VarView, ...],
    output: VarView,
    consts: tuple[ConstView, ...],
    types: tuple[TypeView, ...] = (),
    arrays: tuple[ArrayView, ...] = (),
    comment: str = "",
) -> LayerView:
    """A LayerView of ``node`` (``name`` differs from the node's for the inner stages of
    an n-input node)."""
    return LayerView(name, node.op.name, header, func, inputs, output, consts, types, arrays, comment=comment)


def unary(
    node: Node,
    ctx: LowerContext,
    header: str,
    func: str,
    consts: tuple[ConstView, ...] = (),
    types: tuple[TypeView, ...] = (),
    arrays: tuple[ArrayView, ...] = (),
    comment: str = "",
) -> LayerView:
    """A one-input layer run per position (nnet/positions.h), geometry from the input."""
    x = ctx.input_var(node, 0)
    y = ctx.var(node.output)
    return layer(node, node.name, header, func, (x,), y, (*geometry(x.shape), *consts), types, arrays, comment)


def stage(
    node: Node,
    ctx: LowerContext,
    index: int,
    a: VarView,
    b: VarView,
    out: VarView | tuple[tuple[int, ...], FixedType],
    header: str,
    func: str,
    consts: tuple[ConstView, ...],
    types: tuple[TypeView, ...] = (),
) -> LayerView:
    """One two-input stage of an n-input node: stage ``index`` (1-based) combines ``a``
    (the inputs so far) with ``b``; ``out`` is the node's output variable (last stage) or
    the (shape, exact type) of a new intermediate variable."""
    name = node.name if isinstance(out, VarView) else f"{node.name}_stage{index}"
    y = out if isinstance(out, VarView) else ctx.temp_var(node, name, *out)
    n = len(node.inputs)
    return layer(
        node, name, header, func, (a, b), y, consts, types, comment=f"stage {index} of {n - 1}" if n > 2 else ""
    )
