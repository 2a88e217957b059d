"""The full-spectrum sampler (Hoang et al., NeurIPS 2023; SPARSITY.md section 4).

Start from a mask ``M_0`` drawn by a base PaI method. Draw ``P`` more masks ``M_t`` from
the same method (new seeds or new mini-batches). Layer by layer, the best mask so far is
replaced by ``M_t``'s layer when that layer is at least as good on *both* NeurIPS
coordinates: ``IMDB_mask(M_t, j) >= IMDB_mask(best, j)`` and ``F(M_t, j) >= F(best, j)``
(``F`` the L2 norm of the full-spectrum coordinate, the plain one by default; undefined
parts count as 0, as the coordinate defines them). Layers are merged independently, so
the merged mask's global density drifts from the target: the drift is reported, and on
request the mask is re-balanced to the exact target count by the base scores of
``M_0`` (dropping the lowest-scoring kept weights or adding the highest-scoring pruned
ones, over all layers). Pure numpy; the base method is a callback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from hlsflow.sparsity.pai_alloc import PruningError, mask_density, rebalance
from hlsflow.sparsity.spectral_graph import KernelKind, bipartite_graph
from hlsflow.sparsity.spectral_metrics import NEURIPS_RULES, Validity, graph_spectra, neurips_metrics, value_or

#: A draw: ``t -> (masks, scores)``; ``t = 0`` is the base mask ``M_0``, whose scores
#: are used for re-balancing.
Draw = Callable[[int], tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]


@dataclass(frozen=True)
class LayerPoint:
    """The two coordinates the sampler compares for one layer."""

    imdb_mask: float
    norm: float

    def dominates(self, other: LayerPoint) -> bool:
        """At least as good on both (the sampler's replacement rule)."""
        return self.imdb_mask >= other.imdb_mask and self.norm >= other.norm


def layer_point(
    mask: np.ndarray,
    weights: np.ndarray | None,
    kind: KernelKind | None = None,
    standardised: bool = False,
    rules: Validity = NEURIPS_RULES,
) -> LayerPoint:
    """``(IMDB_mask, F)`` of one layer, undefined values as 0. ``standardised`` uses the
    standardised coordinate's norm and IMDB_mask (see :class:`NeuripsMetrics`)."""
    graph = bipartite_graph(mask, weights, kind)
    m = neurips_metrics(graph_spectra(graph, (rules,)), rules)
    imdb = m.imdb_mask_std if standardised else m.imdb_mask
    norm = m.norm_std if standardised else m.norm
    return LayerPoint(value_or(imdb, 0.0), value_or(norm, 0.0))


@dataclass(frozen=True)
class SamplerReport:
    """What the sampler did: how often each layer was replaced, the coordinates per layer
    of the base mask, of the merged one (each dominates the base) and of the final one
    (after re-balancing, which can move them either way), and the density drift.

    ``merged_density`` is the global density straight after merging; ``drift`` is
    ``merged_density - target_density``; ``density`` is the final one (equal to the
    target's exact count when ``rebalanced``)."""

    population: int
    target_density: float
    merged_density: float
    density: float
    rebalanced: bool
    standardised: bool
    replacements: Mapping[str, int]
    base_points: Mapping[str, LayerPoint]
    merged_points: Mapping[str, LayerPoint]
    best_points: Mapping[str, LayerPoint]

    @property
    def drift(self) -> float:
        return self.merged_density - self.target_density

    def format(self) -> str:
        lines = [
            f"full-spectrum sampler: P = {self.population}, target density {100 * self.target_density:.3f}%, "
            f"merged {100 * self.merged_density:.3f}% (drift {100 * self.drift:+.3f} points), "
            f"final {100 * self.density:.3f}%{' (re-balanced)' if self.rebalanced else ''}"
        ]
        for n, r in self.replacements.items():
            b, m, f = self.base_points[n], self.merged_points[n], self.best_points[n]
            line = f"  {n}: replaced {r}x; IMDB_mask {b.imdb_mask:.4g} -> {m.imdb_mask:.4g}, F {b.norm:.4g} -> {m.norm:.4g}"
            if self.rebalanced:
                line += f"; after re-balancing IMDB_mask {f.imdb_mask:.4g}, F {f.norm:.4g}"
            lines.append(line)
        return "\n".join(lines)


def full_spectrum_sample(
    draw: Draw,
    weights: Mapping[str, np.ndarray],
    kinds: Mapping[str, KernelKind],
    target_keep: int,
    population: int,
    *,
    do_rebalance: bool = False,
    standardised: bool = False,
    rng: np.random.Generator | None = None,
) -> tuple[dict[str, np.ndarray], SamplerReport]:
    """Run the sampler (module docstring): ``draw(0)`` is ``M_0``, ``draw(1..P)`` the
    population; ``weights`` are the kernels the weighted coordinates use."""
    if population < 0:
        raise PruningError(f"population must be >= 0, got {population}")
    best, base_scores = draw(0)
    best = {n: np.array(m, dtype=bool) for n, m in best.items()}

    def point(name: str, mask: np.ndarray) -> LayerPoint:
        return layer_point(mask, weights[name], kinds[name], standardised)

    base_points = {n: point(n, m) for n, m in best.items()}
    points = dict(base_points)
    replaced = dict.fromkeys(best, 0)
    for t in range(1, population + 1):
        masks, _ = draw(t)
        for n, m in masks.items():
            p = point(n, m)
            if p.dominates(points[n]):
                best[n], points[n] = np.array(m, dtype=bool), p
                replaced[n] += 1
    total = sum(int(np.size(m)) for m in best.values())
    merged = mask_density(best).density
    merged_points = dict(points)
    if do_rebalance:
        best = rebalance(best, base_scores, target_keep, rng)
        points = {n: point(n, m) for n, m in best.items()}
    report = SamplerReport(
        population=population,
        target_density=target_keep / total,
        merged_density=merged,
        density=mask_density(best).density,
        rebalanced=do_rebalance,
        standardised=standardised,
        replacements=MappingProxyType(replaced),
        base_points=MappingProxyType(base_points),
        merged_points=MappingProxyType(merged_points),
        best_points=MappingProxyType(points),
    )
    return best, report
