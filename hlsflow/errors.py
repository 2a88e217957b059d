"""The common base of hlsflow's errors and warnings (importing this module is free).

Every error hlsflow raises because of *bad input* -- an unreadable or unsupported model,
an invalid configuration, data of the wrong shape, a missing or failing compiler -- is
an :class:`HlsflowError`. The concrete classes live next to the code that raises them
and keep the built-in base they always had, so existing ``except ValueError`` code
still works:

=============================================  =========================  ============
class                                          raised by                  also a
=============================================  =========================  ============
``hlsflow.loader.ModelLoadError``              choosing a model reader    ValueError
``hlsflow.frontends.errors.FrontendError``     reading a model            ValueError
``hlsflow.frontends.errors.UnsupportedModelError``  unsupported layers    ValueError
``hlsflow.config.ConfigError``                 configuration checks       ValueError
``hlsflow.emulate.EmulationError``             emulate / trace / csim     ValueError
                                               input checks
``hlsflow.sim.csim.CompilerNotFoundError``     no C++ compiler            RuntimeError
``hlsflow.sim.csim.CompileError``              the C++ build failed       RuntimeError
=============================================  =========================  ============

Invariant: the message of an HlsflowError names the file, layer or option at fault and
says what to do; it never needs a traceback to be understood. The command line prints
it as one line and exits with status 2 (``hlsflow --debug`` shows the traceback).

Things users do on purpose are warnings, not errors: :class:`ClippedWeightsWarning`
(a configured precision cannot hold some weights; see ``Project.clipped_weights``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hlsflow.ir.graph import Graph


class HlsflowError(Exception):
    """Base class of every bad-input error hlsflow raises; the message says what to do."""


class HlsflowWarning(UserWarning):
    """Base class of hlsflow's warnings (the command line prints them as one line)."""


class ClippedWeightsWarning(HlsflowWarning):
    """Some weights lie outside the range of the precision chosen for them and were
    saturated or wrapped; ``Project.clipped_weights`` lists them per layer."""


@dataclass(frozen=True)
class ClippedWeights:
    """One parameter whose fixed-point type cannot hold some of its source values.

    Invariants: ``0 < count <= total``; a value counts when the stored (fixed-point)
    value differs from the source value by more than one LSB of ``type`` -- more than
    any rounding can lose, so the type's overflow mode saturated or wrapped it.
    ``largest`` is the largest source magnitude among those values and ``max_error``
    the largest ``|source - stored|`` over them."""

    layer: str
    param: str  # "kernel", "bias", ...
    type: str
    count: int
    total: int
    largest: float
    max_error: float

    def __str__(self) -> str:
        return (
            f"{self.layer}.{self.param} {self.type}: {self.count} of {self.total} values, "
            f"largest |value| {self.largest:.6g}, max error {self.max_error:.6g}"
        )


def find_clipped_weights(graph: Graph) -> tuple[ClippedWeights, ...]:
    """Every fixed-point parameter of ``graph`` whose type saturated or wrapped some of
    its source values, in node order (empty when every weight fits)."""
    import numpy as np

    from hlsflow.ir.types import FixedType

    found = []
    for node in graph.nodes:
        for pname, c in node.params.items():
            if c.mant is None or not isinstance(c.type, FixedType):
                continue
            src = np.asarray(c.values, dtype=np.float64)
            err = np.abs(src - c.float_values())
            lost = err > 2.0**-c.type.frac
            n = int(np.count_nonzero(lost))
            if n:
                found.append(
                    ClippedWeights(
                        node.name,
                        pname,
                        str(c.type),
                        n,
                        int(src.size),
                        float(np.max(np.abs(src[lost]))),
                        float(np.max(err[lost])),
                    )
                )
    return tuple(found)


def clipped_weights_message(clipped: tuple[ClippedWeights, ...]) -> str:
    """The one-paragraph warning for ``clipped`` (non-empty)."""
    n = len(clipped)
    return (
        f"{n} weight tensor{'s' if n != 1 else ''} cannot be held by {'their' if n != 1 else 'its'} precision and "
        "lost more than one LSB (saturated or wrapped): "
        + "; ".join(str(c) for c in clipped)
        + ". Widen Precision.weight/bias for these layers (or use auto) if this is not intended; "
        "the list is kept in Project.clipped_weights"
    )


__all__ = [
    "ClippedWeights",
    "ClippedWeightsWarning",
    "HlsflowError",
    "HlsflowWarning",
    "clipped_weights_message",
    "find_clipped_weights",
]
