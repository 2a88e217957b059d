"""Activation: one element-wise op for every Keras activation function.

Notation: input ``x = m * 2**-f`` of type ``X``; "aligned to F" means the mantissa is
shifted left to ``F`` fractional bits (exact). Scalar constants are quantised by
:func:`hlsflow.numerics.scalar.quantize_scalar` (16 fractional bits, RND, trailing zeros
dropped); :meth:`Activation.scalar` returns the one an op uses. Tables follow
:mod:`hlsflow.numerics.lut`; :meth:`Activation.table` and
:meth:`Activation.table_function` give a backend the exact table.

Exact functions (no approximation beyond the stated constant):

* ``linear``: ``y = x``; natural type ``X``.
* ``relu``: ``y = max(x, 0)``; natural type unsigned, same fraction, holding ``[0, max X]``.
* ``relu`` with ``max_value`` (clipped ReLU) and ``relu6`` (``max_value`` 6): ``c`` =
  quantised ``max_value``; ``F = max(f, frac c)``; ``y = min(max(x, 0), c)`` on ``F``
  bits; natural type unsigned with ``F`` fractional bits holding ``[0, min(max X, c)]``.
* ``leaky_relu``: ``a`` = quantised ``alpha``; ``y = x`` (aligned to ``F = f + frac a``)
  when ``x >= 0`` else ``a * x`` (exact product); natural type
  ``union_type([X, mul_type(X, type a)])``.
* ``hard_sigmoid`` (Keras 2): ``y = clip(s * x + 1/2, 0, 1)`` with ``s`` = quantised 0.2
  (13107 * 2**-16); exact on ``F = max(f + 16, 1)`` bits (the product ``s * x`` is exact,
  then 1/2 is added and the result clamped); natural type unsigned with ``F`` fractional
  bits holding ``[y(min X), y(max X)]`` (the function is monotone).

Table functions (``y = table(x)``, natural type = the table type):

* ``sigmoid``, ``tanh``, ``softsign`` over the whole input.
* ``elu``: ``y = x`` when ``x >= 0``, else ``table(x)`` of ``alpha * (exp(x) - 1)``;
  natural type ``union_type([X, table type])``.
* ``selu``: ``y = k * x`` when ``x >= 0`` with ``k`` = quantised SELU scale
  (68859 * 2**-16), else ``table(x)`` of ``scale * alpha * (exp(x) - 1)`` with Keras's
  float SELU constants; natural type ``union_type([mul_type(X, type k), table type])``.

Table defaults (:data:`TABLE_DEFAULTS`, used when ``table_lo``/``table_hi`` are None;
``table_size`` defaults to 1024): sigmoid [-8, 8), tanh [-4, 4), softsign [-32, 32),
elu and selu [-8, 0). The default ``table_type`` is the narrowest type with
:data:`TABLE_FRAC` = 16 fractional bits holding every rounded entry
(:func:`hlsflow.numerics.lut.fitted_type`): ufixed<16,0> for sigmoid, fixed<17,1> for
tanh, softsign and elu with alpha 1, fixed<18,2> for selu. Worst-case error inside the
range is ``max|f'| * step / 2 + 2**-17``: sigmoid 0.002, tanh 0.0039, softsign 0.031
(balanced against its slow tail: ``1 - 32/33 = 0.03`` beyond the range), elu
``alpha/256``, selu 0.007; beyond the range the error is the function's remaining
variation (sigmoid 3.4e-4, tanh 6.7e-4, elu ``alpha * 3.4e-4``).

Attributes a function does not use must be left unset (``alpha`` only for leaky_relu
and elu, ``max_value`` only for relu and relu6, ``table_lo``/``table_hi``/``table_type``
only for table functions); ``alpha`` None means the Keras layer default (0.3 for
leaky_relu, 1.0 for elu).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hlsflow.ir.ops.base import Op, OpError, fixed_in, in_elem, in_shape
from hlsflow.ir.types import FixedType, FloatType, TensorType
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.fixed import as_mant, mul_type, shift_left, type_for_range, union_type
from hlsflow.numerics.lut import Table, TableFunction, fitted_type
from hlsflow.numerics.scalar import ScalarConst, quantize_scalar

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
HARD_SIGMOID_SLOPE = 0.2
RELU6_MAX = 6.0
#: Fractional bits of default table types.
TABLE_FRAC = 16
#: Default table range ``(table_lo, table_hi)`` of every table function.
TABLE_DEFAULTS: dict[str, tuple[float, float]] = {
    "sigmoid": (-8.0, 8.0),
    "tanh": (-4.0, 4.0),
    "softsign": (-32.0, 32.0),
    "elu": (-8.0, 0.0),
    "selu": (-8.0, 0.0),
}
#: Keras layer defaults of ``alpha`` for the functions that take one.
ALPHA_DEFAULTS: dict[str, float] = {"leaky_relu": 0.3, "elu": 1.0}
MAX_VALUE_FUNCTIONS = ("relu", "relu6")
FUNCTIONS = (
    "linear",
    "relu",
    "relu6",
    "leaky_relu",
    "hard_sigmoid",
    "sigmoid",
    "tanh",
    "softsign",
    "elu",
    "selu",
)
#: Functions whose negative branch is a table and positive branch linear.
_SPLIT = ("elu", "selu")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # 1 / (1 + exp(-x)) without overflow warnings for large |x|.
    return np.exp(-np.logaddexp(0.0, -x))


def _softsign(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.abs(x))


@dataclass(frozen=True)
class _ScaledExpm1:
    """``k * (exp(x) - 1)``: a value-hashable table function, so cached entries are reused."""

    k: float

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.k * np.expm1(x)


def _widen(x: FixedArray, extra: int) -> np.ndarray:
    """``x``'s mantissas in an array that holds ``extra`` more bits exactly."""
    return as_mant(x.mant, x.type.width + extra + 2)


@functools.lru_cache(maxsize=256)
def _table(op: Activation) -> Table | None:
    f = op.table_function()
    if f is None:
        return None
    default_lo, default_hi = TABLE_DEFAULTS[op.function]
    lo = default_lo if op.table_lo is None else float(op.table_lo)
    hi = default_hi if op.table_hi is None else float(op.table_hi)
    try:
        t = op.table_type if op.table_type is not None else fitted_type(lo, hi, op.table_size, f, TABLE_FRAC)
        return Table(lo, hi, op.table_size, t)
    except ValueError as exc:
        raise OpError(f"activation {op.function!r} table (table_lo/table_hi/table_size/table_type): {exc}") from None


@dataclass(frozen=True)
class Activation(Op):
    """An element-wise activation; see the module docstring for exact semantics."""

    name: ClassVar[str] = "activation"

    function: str
    alpha: float | None = None
    max_value: float | None = None
    table_size: int = 1024
    table_lo: float | None = None
    table_hi: float | None = None
    table_type: FixedType | None = None

    # -- attributes ------------------------------------------------------------------
    def check_attrs(self) -> None:
        """Validate the attributes alone; raise OpError naming the bad one."""
        fn = self.function
        if fn not in FUNCTIONS:
            raise OpError(f"unknown activation {fn!r}; supported: {', '.join(FUNCTIONS)}")
        if self.alpha is not None:
            if fn not in ALPHA_DEFAULTS:
                raise OpError(f"alpha applies only to {', '.join(ALPHA_DEFAULTS)}, not to {fn!r}")
            if not math.isfinite(self.alpha):
                raise OpError(f"alpha must be finite, got {self.alpha!r}")
        if self.max_value is not None:
            if fn not in MAX_VALUE_FUNCTIONS:
                raise OpError(f"max_value applies only to {', '.join(MAX_VALUE_FUNCTIONS)}, not to {fn!r}")
            if not (math.isfinite(self.max_value) and self.max_value > 0):
                raise OpError(f"max_value must be a positive finite number, got {self.max_value!r}")
            if fn == "relu6" and self.max_value != RELU6_MAX:
                raise OpError(f"relu6 has max_value 6, got max_value={self.max_value!r}")
        if fn not in TABLE_DEFAULTS:
            for attr in ("table_lo", "table_hi", "table_type"):
                if getattr(self, attr) is not None:
                    tables = ", ".join(TABLE_DEFAULTS)
                    raise OpError(f"{attr} applies only to table functions ({tables}), not to {fn!r}")
        elif self.table_type is not None and not isinstance(self.table_type, FixedType):
            raise OpError(f"table_type must be a fixed-point type, got {self.table_type!r}")
        self.table()  # raises OpError on a bad table geometry

    def resolved_alpha(self) -> float | None:
        """``alpha`` with the Keras default applied (None for functions without one)."""
        if self.function not in ALPHA_DEFAULTS:
            return None
        return ALPHA_DEFAULTS[self.function] if self.alpha is None else float(self.alpha)

    def scalar(self) -> ScalarConst | None:
        """The quantised constant the exact part uses: the leaky_relu slope, the ReLU
        clip value, the hard_sigmoid slope or the SELU scale (None otherwise)."""
        fn = self.function
        if fn == "leaky_relu":
            alpha = self.resolved_alpha()
            assert alpha is not None
            return quantize_scalar(alpha)
        if fn == "relu6" or (fn == "relu" and self.max_value is not None):
            return quantize_scalar(RELU6_MAX if self.max_value is None else float(self.max_value))
        if fn == "hard_sigmoid":
            return quantize_scalar(HARD_SIGMOID_SLOPE)
        if fn == "selu":
            return quantize_scalar(SELU_SCALE)
        return None

    def table_function(self) -> TableFunction | None:
        """The float64 function the table samples (None for exact functions)."""
        fn = self.function
        if fn == "sigmoid":
            return _sigmoid
        if fn == "tanh":
            return np.tanh
        if fn == "softsign":
            return _softsign
        if fn == "elu":
            alpha = self.resolved_alpha()
            assert alpha is not None
            return _ScaledExpm1(alpha)
        if fn == "selu":
            return _ScaledExpm1(SELU_SCALE * SELU_ALPHA)
        return None

    def table(self) -> Table | None:
        """The lookup table (defaults applied), or None for exact functions."""
        return _table(self)

    # -- op protocol -----------------------------------------------------------------
    def verify(self, node: Node) -> None:
        super().verify(node)
        self.check_attrs()

    def infer_types(self, node: Node) -> list[TensorType]:
        self.check_attrs()
        shape = in_shape(node)
        if isinstance(in_elem(node), FloatType):
            return [TensorType(shape, FloatType())]
        return [TensorType(shape, self.natural_type(fixed_in(node)))]

    def natural_type(self, x: FixedType) -> FixedType:
        """The exact output element type for input element type ``x``."""
        fn = self.function
        table, k = self.table(), self.scalar()
        if fn == "linear":
            return x
        if fn in ("relu", "relu6", "hard_sigmoid"):  # monotone: the extremes bound the result
            ext = FixedArray(np.array([x.min_mant, x.max_mant], dtype=object), x)
            m, frac = self._exact(ext)
            return type_for_range(int(m[0]), int(m[1]), frac)
        if fn == "leaky_relu":
            assert k is not None
            return union_type([x, mul_type(x, k.type)])
        assert table is not None
        if fn == "elu":
            return union_type([x, table.type])
        if fn == "selu":
            assert k is not None
            return union_type([mul_type(x, k.type), table.type])
        return table.type

    def compute(self, node: Node, inputs: Sequence[FixedArray]) -> list[FixedArray]:
        x = inputs[0]
        t = self.natural_type(x.type)
        m, frac = self._exact(x)
        assert frac == t.frac, (frac, t)
        return [FixedArray(as_mant(m, t.width), t)]

    def _exact(self, x: FixedArray) -> tuple[np.ndarray, int]:
        """Exact result mantissas and their fractional bits (natural-type grid)."""
        fn = self.function
        k = self.scalar()
        f = x.type.frac
        if fn == "linear":
            return x.mant, f
        if fn in ("relu", "relu6"):
            frac = f if k is None else max(f, k.frac)
            m = shift_left(_widen(x, frac - f), frac - f)
            m = np.where(m < 0, 0, m)
            if k is not None:
                c = k.mant << (frac - k.frac)
                m = np.where(m > c, c, m)
            return m, frac
        if fn == "leaky_relu":
            assert k is not None
            wide = _widen(x, k.type.width + k.frac)
            return np.where(wide >= 0, shift_left(wide, k.frac), wide * k.mant), f + k.frac
        if fn == "hard_sigmoid":
            assert k is not None
            prod_frac = f + k.frac
            frac = max(prod_frac, 1)
            wide = _widen(x, k.type.width + frac - prod_frac + 1)
            y = shift_left(wide * k.mant, frac - prod_frac) + (1 << (frac - 1))
            one = 1 << frac
            return np.where(y < 0, 0, np.where(y > one, one, y)), frac
        table, g = self.table(), self.table_function()
        assert table is not None and g is not None
        looked = table.lookup(x, g)
        if fn not in _SPLIT:
            return looked.mant, table.type.frac
        # elu / selu: linear branch for x >= 0 (scaled by k for selu), table for x < 0.
        pos_frac = f if k is None else f + k.frac
        frac = max(pos_frac, table.type.frac)
        wide = _widen(x, frac - f + (0 if k is None else k.type.width))
        pos = wide if k is None else wide * k.mant
        pos = shift_left(pos, frac - pos_frac)
        neg = shift_left(as_mant(looked.mant, table.type.width + frac - table.type.frac), frac - table.type.frac)
        return np.where(wide >= 0, pos, neg), frac

    def reference(self, node: Node, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        x = np.asarray(inputs[0], dtype=np.float64)
        return [self.float_function(x)]

    def float_function(self, x: np.ndarray) -> np.ndarray:
        """The activation as Keras computes it, in float64 with float constants."""
        fn = self.function
        alpha = self.resolved_alpha()
        if fn == "linear":
            return x
        if fn in ("relu", "relu6"):
            y = np.maximum(x, 0.0)
            cap = RELU6_MAX if fn == "relu6" else self.max_value
            return y if cap is None else np.minimum(y, cap)
        if fn == "leaky_relu":
            assert alpha is not None
            return np.where(x >= 0, x, alpha * x)
        if fn == "hard_sigmoid":
            return np.clip(HARD_SIGMOID_SLOPE * x + 0.5, 0.0, 1.0)
        if fn == "elu":
            assert alpha is not None
            return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))
        if fn == "selu":
            return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0.0)))
        g = self.table_function()
        assert g is not None
        return g(x)
