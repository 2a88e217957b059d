"""Mask arithmetic shared by pruning at initialisation and quantisation-aware pruning:
global and per-layer top-k selection, exact-count apportionment, ERK densities, and
density bookkeeping. Pure numpy (no TensorFlow).

Conventions: a mask is a boolean array of its kernel's shape, True where the weight is
kept; masks travel as ``{layer name: mask}`` in model order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from hlsflow.errors import HlsflowError


class PruningError(HlsflowError, ValueError):
    """A pruning request that cannot be honoured; the message says why."""


def check_density(density: float) -> float:
    """``density`` as a float in (0, 1]."""
    d = float(density)
    if not 0.0 < d <= 1.0:
        raise PruningError(f"density must be in (0, 1], got {density}")
    return d


def keep_count(density: float, total: int) -> int:
    """``round(density * total)``, at least 1: the exact number of weights a global
    density keeps."""
    return max(1, min(total, int(round(check_density(density) * total))))


@dataclass(frozen=True)
class MaskDensity:
    """Kept weights per layer and overall. ``layer_density`` is kept / size per layer;
    ``density`` is the achieved global density (all kept / all prunable weights);
    ``mean_layer_density`` is the plain mean of the per-layer densities (the control
    every spectral comparison must print)."""

    kept: Mapping[str, int]
    size: Mapping[str, int]

    @property
    def layer_density(self) -> dict[str, float]:
        return {k: self.kept[k] / self.size[k] if self.size[k] else 0.0 for k in self.kept}

    @property
    def density(self) -> float:
        total = sum(self.size.values())
        return sum(self.kept.values()) / total if total else 0.0

    @property
    def mean_layer_density(self) -> float:
        d = list(self.layer_density.values())
        return float(np.mean(d)) if d else math.nan

    def format(self) -> str:
        """One line per layer, then the global figures."""
        lines = [f"{k}: {self.kept[k]}/{self.size[k]} kept ({100 * v:.2f}%)" for k, v in self.layer_density.items()]
        lines.append(
            f"global density {100 * self.density:.3f}%, mean layer density {100 * self.mean_layer_density:.3f}%"
        )
        return "\n".join(lines)


def mask_density(masks: Mapping[str, np.ndarray]) -> MaskDensity:
    """Per-layer and global density of ``masks``."""
    kept = {k: int(np.count_nonzero(m)) for k, m in masks.items()}
    size = {k: int(np.size(m)) for k, m in masks.items()}
    return MaskDensity(MappingProxyType(kept), MappingProxyType(size))


def frozen_masks(masks: Mapping[str, np.ndarray]) -> Mapping[str, np.ndarray]:
    """A read-only view of boolean, read-only copies of ``masks`` (for frozen results)."""
    out = {}
    for k, m in masks.items():
        a = np.array(m, dtype=bool)
        a.flags.writeable = False
        out[k] = a
    return MappingProxyType(out)


# -- top-k ------------------------------------------------------------------------------------
def _rank_desc(scores: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """Indices of ``scores`` from largest to smallest; NaN ranks last. Ties are broken
    by a random permutation when ``rng`` is given, else by position."""
    s = np.where(np.isnan(scores), -np.inf, scores)
    if rng is None:
        return np.argsort(-s, kind="stable")
    perm = rng.permutation(s.size)
    return perm[np.argsort(-s[perm], kind="stable")]


def topk_mask(scores: np.ndarray, k: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """Boolean mask of the ``k`` largest entries of ``scores`` (exactly ``k``)."""
    flat = np.asarray(scores, dtype=np.float64).reshape(-1)
    keep = np.zeros(flat.size, dtype=bool)
    keep[_rank_desc(flat, rng)[: max(0, min(k, flat.size))]] = True
    return keep.reshape(np.shape(scores))


def global_topk(
    scores: Mapping[str, np.ndarray], k: int, rng: np.random.Generator | None = None
) -> dict[str, np.ndarray]:
    """Masks keeping the ``k`` largest scores over all layers together (exactly ``k``)."""
    names = list(scores)
    flat = np.concatenate([np.asarray(scores[n], dtype=np.float64).reshape(-1) for n in names])
    keep = topk_mask(flat, k, rng)
    out, start = {}, 0
    for n in names:
        size = int(np.size(scores[n]))
        out[n] = keep[start : start + size].reshape(np.shape(scores[n]))
        start += size
    return out


def restrict(scores: Mapping[str, np.ndarray], masks: Mapping[str, np.ndarray] | None) -> dict[str, np.ndarray]:
    """Scores with already-pruned entries set to ``-inf``, so a later round can never
    bring them back."""
    if masks is None:
        return {k: np.asarray(v, dtype=np.float64) for k, v in scores.items()}
    return {k: np.where(masks[k], np.asarray(v, dtype=np.float64), -np.inf) for k, v in scores.items()}


# -- exact-count allocations ----------------------------------------------------------------
def apportion(quotas: Sequence[float], caps: Sequence[int], total: int) -> list[int]:
    """Integer counts ``c_l <= caps[l]`` summing to ``total``, as close to the real
    ``quotas`` as possible (largest-remainder rounding: floor every quota, then give one
    more to the layers with the largest fractional parts)."""
    q = np.minimum(np.asarray(quotas, dtype=np.float64), np.asarray(caps, dtype=np.float64))
    base = np.floor(q + 1e-9).astype(np.int64)
    short = int(total - base.sum())
    if short < 0 or short > int((np.asarray(caps) - base).sum()):
        raise PruningError(f"cannot apportion {total} over caps {list(caps)}")
    frac = np.where(base < np.asarray(caps), q - base, -np.inf)
    for i in np.argsort(-frac, kind="stable")[:short]:
        base[i] += 1
    return [int(c) for c in base]


def erk_raw(shape: Sequence[int]) -> float:
    """The Erdos-Renyi-kernel density of a layer before scaling: ``sum(dims) / prod(dims)``
    (``(n_in + n_out) / (n_in n_out)`` for a dense kernel)."""
    return float(sum(shape)) / float(math.prod(shape))


def erk_densities(shapes: Mapping[str, Sequence[int]], density: float) -> dict[str, float]:
    """Per-layer ERK densities hitting the global ``density``.

    Each layer gets ``d_l = min(1, eps * raw_l)`` with ``raw_l = sum(dims) / prod(dims)``.
    ``eps`` solves ``sum_l d_l n_l = density * N`` (``n_l`` the layer's size, ``N`` the
    total). With no layer saturated that is ``eps = density N / sum_l raw_l n_l``; a layer
    whose ``eps raw_l`` would exceed 1 is made dense, its weights are taken off the budget,
    and ``eps`` is solved again over the rest until no layer exceeds 1.
    """
    d = check_density(density)
    sizes = {k: math.prod(s) for k, s in shapes.items()}
    raw = {k: erk_raw(s) for k, s in shapes.items()}
    budget = d * sum(sizes.values())
    dense: set[str] = set()
    while True:
        free = [k for k in shapes if k not in dense]
        if not free:
            return dict.fromkeys(shapes, 1.0)
        eps = (budget - sum(sizes[k] for k in dense)) / sum(raw[k] * sizes[k] for k in free)
        over = [k for k in free if eps * raw[k] > 1.0]
        if not over:
            return {k: 1.0 if k in dense else eps * raw[k] for k in shapes}
        dense.add(max(over, key=lambda k: raw[k]))  # the densest first, then re-solve


def random_masks(
    shapes: Mapping[str, Sequence[int]],
    layer_density: Mapping[str, float],
    rng: np.random.Generator,
    exact: bool = True,
    total_keep: int | None = None,
) -> dict[str, np.ndarray]:
    """Random masks with the given per-layer densities. ``exact``: each layer keeps
    exactly its apportioned count (the counts summing to ``total_keep`` when given);
    otherwise every weight is kept independently with its layer's probability."""
    if not exact:
        return {k: rng.random(tuple(s)) < layer_density[k] for k, s in shapes.items()}
    sizes = [math.prod(s) for s in shapes.values()]
    quotas = [layer_density[k] * n for k, n in zip(shapes, sizes)]
    target = int(round(sum(quotas))) if total_keep is None else total_keep
    counts = apportion(quotas, sizes, target)
    out = {}
    for (k, s), n, c in zip(shapes.items(), sizes, counts):
        m = np.zeros(n, dtype=bool)
        m[rng.choice(n, size=c, replace=False)] = True
        out[k] = m.reshape(tuple(s))
    return out


def iterative_densities(density: float, rounds: int) -> tuple[float, ...]:
    """The exponential schedule ``density ** (t / T)`` for ``t = 1..T`` (iterSNIP, SynFlow)."""
    if rounds < 1:
        raise PruningError(f"rounds must be >= 1, got {rounds}")
    d = check_density(density)
    return tuple(d ** (t / rounds) for t in range(1, rounds + 1))


def rebalance(
    masks: Mapping[str, np.ndarray],
    scores: Mapping[str, np.ndarray],
    k: int,
    rng: np.random.Generator | None = None,
) -> dict[str, np.ndarray]:
    """Bring ``masks`` to exactly ``k`` kept weights in total: drop the lowest-scoring
    kept weights (when above) or add the highest-scoring pruned ones (when below), over
    all layers together. Everything else is left as it is."""
    kept = sum(int(np.count_nonzero(m)) for m in masks.values())
    if kept == k:
        return {n: np.array(m, dtype=bool) for n, m in masks.items()}
    if kept > k:  # keep the k best of the kept
        return global_topk(restrict(scores, masks), k, rng)
    # below: keep all kept, then the best (k - kept) of the pruned
    boosted = {
        n: np.where(masks[n], np.inf, np.where(np.isnan(s), -np.inf, np.asarray(s, dtype=np.float64)))
        for n, s in scores.items()
    }
    return global_topk(boosted, k, rng)
