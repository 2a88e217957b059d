"""Lower merge (nnet/merge.h). Two inputs are one layer; n > 2 inputs a chain of n - 1
two-input stages whose intermediates have exact types (sum, product or union so far),
so that, as in the emulator, only the final assignment rounds. average is an exact sum
whose last stage multiplies by r: 1/n quantised, or 2**-p exactly when n = 2**p.
maximum and minimum compare in ``cmp_t``, the union of the stage's two input types: the
vendor ap types compare operands of mixed signedness like C integers of one width, which
orders a negative signed value above a wide unsigned one (ap_ufixed<22,17>(0) >=
ap_fixed<24,0>(-0.25) is false), so two differently typed inputs are never compared
directly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlsflow.backends.common.lowering import helpers
from hlsflow.backends.common.lowering.context import LowerContext
from hlsflow.backends.common.views import ConstView, LayerView

from hlsflow.ir.ops.merge import Merge
from hlsflow.ir.types import as_fixed
from hlsflow.numerics.fixed import add_type, mul_type, union_type

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node
    from hlsflow.ir.types import FixedType

#: nnet::merge_kernel operations (CFG::op); 5 is average's last stage, (a + b) * r.
OPS = {"add": 0, "subtract": 1, "multiply": 2, "maximum": 3, "minimum": 4, "average": 0}
AVERAGE_LAST = 5


def _exact(mode: str, a: FixedType, b: FixedType) -> FixedType:
    """A type exact for every result of one stage."""
    if mode == "multiply":
        return mul_type(a, b)
    if mode in ("maximum", "minimum"):
        return union_type([a, b])
    return add_type(a, b)


def lower_merge(node: Node, ctx: LowerContext) -> list[LayerView]:
    op = node.op
    assert isinstance(op, Merge)
    mode, xs = op.mode, node.inputs
    n = len(xs)
    r = op.average_scale(n)
    if mode == "average" and r is None:
        r = helpers.power_of_two(1 - n.bit_length())  # n = 2**p: r = 2**-p
    shape = node.output.type.shape
    n_pos, n_chan = helpers.geometry(shape)
    chan = (ConstView("n_chan0", n_chan.value), ConstView("n_chan1", n_chan.value))
    a, a_t = ctx.input_var(node, 0), as_fixed(xs[0].type.elem)
    layers = []
    for j in range(1, n):
        last = j == n - 1
        code = AVERAGE_LAST if last and mode == "average" else OPS[mode]
        r_t, r_raw = helpers.scalar(ctx, node, "r", r if code == AVERAGE_LAST else None)
        a_t = _exact(mode, a_t, as_fixed(xs[j].type.elem))
        # the union of this stage's two inputs (signed if either is) for max/min; else unused
        cmp_t = ctx.typedef(node, "cmp_t", a_t if mode in ("maximum", "minimum") else helpers.UNUSED_SCALAR)
        out = ctx.var(node.output) if last else (shape, a_t)
        consts = (n_pos, n_chan, *chan, ConstView("op", code), r_raw)
        layers.append(helpers.stage(node, ctx, j, a, ctx.input_var(node, j), out, "merge.h", "merge", consts, (r_t, cmp_t)))
        a = layers[-1].output
    return layers
