"""Sparsity schedules and mask selectors of quantisation-aware pruning (pure numpy).

Schedules (tensorflow-model-optimization semantics, re-implemented):

* :class:`ConstantSparsity`: sparsity ``s`` at every pruning step.
* :class:`PolynomialDecay`: with ``p = clip((step - begin) / (end - begin), 0, 1)``,
  ``s(step) = s_final + (s_initial - s_final) * (1 - p) ** power`` -- fast pruning early,
  levelling off at ``s_final``.

A schedule acts at step ``t`` when ``begin <= t``, ``t <= end`` (``end = -1``: no end) and
``(t - begin)`` is a multiple of ``frequency``; between those steps the masks are fixed.

Global iterative magnitude pruning (Hawks et al., "Ps and Qs") walks through the
cumulative sparsities of :data:`PS_AND_QS_SPARSITIES`; each step removes a fraction of
the weights still alive.

Selectors decide *which* weights go once the count is fixed: :class:`MagnitudeSelector`
keeps the largest ``|w|`` (pruned weights are zero, so they never come back);
:class:`hlsflow.sparsity.guided.GuidedSelector` lets the spectral metrics choose among
near-equal magnitudes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from hlsflow.sparsity.pai_alloc import PruningError, global_topk, restrict, topk_mask
from hlsflow.sparsity.spectral_graph import KernelKind

#: Cumulative global sparsities of the Ps-and-Qs iterative schedule.
PS_AND_QS_SPARSITIES: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.966, 0.988)


def _check_sparsity(s: float) -> float:
    if not 0.0 <= s < 1.0:
        raise PruningError(f"sparsity must be in [0, 1), got {s}")
    return float(s)


def _in_range(step: int, begin: int, end: int, frequency: int) -> bool:
    return step >= begin and (end < 0 or step <= end) and (step - begin) % frequency == 0


@dataclass(frozen=True)
class ConstantSparsity:
    """Prune to ``target`` at every ``frequency``-th step from ``begin_step`` to
    ``end_step`` (-1: until training ends)."""

    target: float
    begin_step: int = 0
    end_step: int = -1
    frequency: int = 100

    def __post_init__(self) -> None:
        _check_sparsity(self.target)
        if self.frequency < 1:
            raise PruningError(f"frequency must be >= 1, got {self.frequency}")

    def sparsity(self, step: int) -> float:
        return self.target

    def should_prune(self, step: int) -> bool:
        return _in_range(step, self.begin_step, self.end_step, self.frequency)


@dataclass(frozen=True)
class PolynomialDecay:
    """Sparsity rising from ``initial`` at ``begin_step`` to ``final`` at ``end_step`` as
    ``final + (initial - final) * (1 - p) ** power`` (module docstring)."""

    initial: float
    final: float
    begin_step: int
    end_step: int
    power: float = 3.0
    frequency: int = 100

    def __post_init__(self) -> None:
        _check_sparsity(self.initial)
        _check_sparsity(self.final)
        if self.end_step <= self.begin_step:
            raise PruningError(f"end_step ({self.end_step}) must come after begin_step ({self.begin_step})")
        if self.frequency < 1:
            raise PruningError(f"frequency must be >= 1, got {self.frequency}")

    def sparsity(self, step: int) -> float:
        p = min(1.0, max(0.0, (step - self.begin_step) / (self.end_step - self.begin_step)))
        return self.final + (self.initial - self.final) * (1.0 - p) ** self.power

    def should_prune(self, step: int) -> bool:
        return _in_range(step, self.begin_step, self.end_step, self.frequency)


class Schedule(Protocol):
    def sparsity(self, step: int) -> float: ...

    def should_prune(self, step: int) -> bool: ...


def kept_for(sparsity: float, size: int) -> int:
    """Weights a layer or network of ``size`` keeps at ``sparsity``: ``round((1 - s) size)``."""
    return max(0, min(size, int(round((1.0 - _check_sparsity(sparsity)) * size))))


# -- selectors ------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class GlobalRequest:
    """A global pruning step: of the live weights (True in ``masks``) keep exactly
    ``keep`` over all layers; ``weights`` are the current kernels, ``kinds`` how each maps
    to a bipartite graph."""

    weights: Mapping[str, np.ndarray]
    masks: Mapping[str, np.ndarray]
    keep: int
    kinds: Mapping[str, KernelKind]


class MaskSelector(Protocol):
    """Chooses the new masks once the number of weights to keep is fixed. Weights already
    pruned (False in the masks) must stay pruned."""

    def select_global(self, request: GlobalRequest) -> dict[str, np.ndarray]: ...

    def select_layer(self, weights: np.ndarray, mask: np.ndarray, keep: int, kind: KernelKind) -> np.ndarray: ...


@dataclass(frozen=True)
class MagnitudeSelector:
    """Keep the largest ``|w|`` (globally or within a layer); ties by position."""

    def select_global(self, request: GlobalRequest) -> dict[str, np.ndarray]:
        scores = {n: np.abs(w) for n, w in request.weights.items()}
        return global_topk(restrict(scores, request.masks), request.keep)

    def select_layer(self, weights: np.ndarray, mask: np.ndarray, keep: int, kind: KernelKind) -> np.ndarray:
        return topk_mask(np.where(mask, np.abs(weights), -np.inf), keep)


def schedule_for(schedules: Schedule | Mapping[str, Schedule], name: str) -> Schedule | None:
    """One layer's schedule from a single schedule or a per-layer mapping (None: the
    layer is not pruned)."""
    if isinstance(schedules, Mapping):
        return schedules.get(name)
    return schedules


def total_size(masks: Mapping[str, np.ndarray]) -> int:
    return sum(math.prod(np.shape(m)) for m in masks.values())
