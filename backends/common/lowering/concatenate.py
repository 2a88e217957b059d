"""Lower concatenate (nnet/concatenate.h). n > 2 inputs become a chain of two-input
stages whose intermediates have the union type (exact). io_parallel: any axis, each
output position being a block of a then a block of b. io_stream: the last axis joins the
channels of each word; an earlier axis passes whole blocks of words."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from hlsflow.backends.common.lowering import helpers
from hlsflow.backends.common.lowering.context import LowerContext
from hlsflow.backends.common.views import ConstView, LayerView

from hlsflow.ir.ops.concatenate import Concatenate
from hlsflow.ir.types import as_fixed
from hlsflow.numerics.fixed import union_type

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


def _geometry(axis: int, a: tuple[int, ...], b: tuple[int, ...], words: bool) -> tuple[ConstView, ...]:
    """Positions and block sizes of one stage: blocks of elements from ``axis`` on, or
    (``words``) blocks of stream words of ``a[-1]`` channels."""
    tail = slice(axis, -1) if words else slice(axis, None)
    n0, n1 = math.prod(a[tail]), math.prod(b[tail])
    if words:
        return ConstView("n_words0", n0), ConstView("n_words1", n1), ConstView("n_chan", a[-1])
    return ConstView("n_chan0", n0), ConstView("n_chan1", n1), ConstView("n_chan", n0 + n1)


def lower_concatenate(node: Node, ctx: LowerContext) -> list[LayerView]:
    assert isinstance(node.op, Concatenate)
    axis, xs = node.op.axis, node.inputs
    words = ctx.io_type == "io_stream" and axis < len(xs[0].type.shape) - 1
    func = "concatenate_words" if words else "concatenate"
    a, a_t = ctx.input_var(node, 0), as_fixed(xs[0].type.elem)
    layers = []
    for j in range(1, len(xs)):
        b = ctx.input_var(node, j)
        shape = a.shape[:axis] + (a.shape[axis] + b.shape[axis],) + a.shape[axis + 1 :]
        a_t = union_type([a_t, as_fixed(xs[j].type.elem)])
        out = ctx.var(node.output) if j == len(xs) - 1 else (shape, a_t)
        consts = (ConstView("n_pos", math.prod(shape[:axis])), *_geometry(axis, a.shape, b.shape, words))
        layers.append(helpers.stage(node, ctx, j, a, b, out, "concatenate.h", func, consts))
        a = layers[-1].output
    return layers
