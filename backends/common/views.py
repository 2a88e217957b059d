"""View records: what templates see of a lowered graph. Frozen, small, no IR objects.

A backend turns the final graph into one :class:`ProjectView`. Templates iterate over
its layers and render, for each, a config struct (``consts`` and ``types``), the
constant arrays it reads (``arrays``), and one call of a layer-library function
(``func`` with ``args``). Type spelling happens in the backend's ``ctype`` filter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hlsflow.ir.types import FixedType


@dataclass(frozen=True)
class TypeView:
    """A C++ typedef: ``typedef <spelled fixed> name;``."""

    name: str
    fixed: FixedType


@dataclass(frozen=True)
class ConstView:
    """A ``static const <ctype> name = value;`` member of a layer's config struct."""

    name: str
    value: int
    ctype: str = "unsigned"


@dataclass(frozen=True)
class ArrayView:
    """A constant array of raw mantissas (or plain integers such as indices).

    ``values`` are Python ints already in the element's raw form; ``elem`` names the
    C integer type that stores them (``int16_t``...). ``fixed`` is the fixed-point type
    the raw values are reinterpreted as (None for index arrays).
    """

    name: str
    elem: str
    values: tuple[int, ...]
    fixed: FixedType | None = None
    comment: str = ""


@dataclass(frozen=True)
class VarView:
    """A tensor variable between layers: its C++ type name and element count.

    ``channels`` is the stream word width for io_stream (elements per pixel)."""

    name: str
    type_name: str
    size: int
    shape: tuple[int, ...]
    channels: int


@dataclass(frozen=True)
class LayerView:
    """One layer call in the top function."""

    name: str
    op: str
    header: str  # layer-library header, e.g. "dense.h"
    func: str  # library function, e.g. "dense_sparse"
    inputs: tuple[VarView, ...]
    output: VarView
    consts: tuple[ConstView, ...] = ()
    types: tuple[TypeView, ...] = ()
    arrays: tuple[ArrayView, ...] = ()
    multipliers: int = 0  # multipliers instantiated (non-zero weights / reuse factor)
    comment: str = ""
    extra_outputs: tuple[VarView, ...] = ()  # further outputs (stream copies of a fan-out)

    @property
    def outputs(self) -> tuple[VarView, ...]:
        return (self.output, *self.extra_outputs)

    @property
    def config(self) -> str:
        return f"config_{self.name}"


@dataclass(frozen=True)
class ProjectView:
    """Everything templates need to write a project."""

    name: str  # top function / project name
    backend: str
    io_type: str
    part: str
    clock_period: float
    clock_uncertainty: float
    inputs: tuple[VarView, ...]
    outputs: tuple[VarView, ...]
    layers: tuple[LayerView, ...]
    value_types: tuple[TypeView, ...]  # one typedef per tensor type used between layers
    headers: tuple[str, ...]  # layer-library headers the project includes
    fifo_depth: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def arrays(self) -> tuple[ArrayView, ...]:
        return tuple(a for lay in self.layers for a in lay.arrays)
