"""Spectral-gap-guided pruning: magnitude pruning whose close calls are decided by the
layer graph's spectrum, so each sparse layer stays a good expander.

Magnitude pruning removes the ``r`` smallest ``|w|``. Around its threshold ``t`` many
weights are nearly equal, and which of them go barely changes the loss but can change
the layer's topology a lot (magnitude alone happily leaves a few dense blocks: a poor
expander with a large second eigenvalue). Here a weight with ``|w| < t (1 - tol)`` is
always removed and one with ``|w| > t (1 + tol)`` always kept; the *band* in between
(at most ``max_candidates`` per layer, the ones closest to ``t`` in rank) is where the
metrics choose:

1. **Which weights go, inside a layer.** The band's removals are made in ``chunks``
   greedy steps. Before each step the biadjacency ``B`` of the current mask gives
   ``sigma_2`` and its singular vectors ``u_2, v_2``; removing edge ``(i, j)`` changes
   ``sigma_2`` by ``-u_2[i] v_2[j]`` to first order, and the Ramanujan bound
   ``sqrt(d_l - 1) + sqrt(d_r - 1)`` depends only on the number of edges, so the edges
   with the largest ``u_2[i] v_2[j]`` raise ``Delta_r = bound - sigma_2`` the most. A
   degree term ``(deg(i) - d_l*) / d_l* + (deg(j) - d_r*) / d_r*`` (``*``: the average
   degrees after the step) prefers edges at over-full nodes, which keeps the graph close
   to biregular -- what makes the degree groups of IMDB large and valid. An edge whose
   removal would isolate a node is taken last. Candidates are ranked by
   ``u_2[i] v_2[j] sqrt(n_l n_r) + degree_weight * degree term``, ties by smaller ``|w|``.
2. **How many go from each layer** (global pruning). Start from magnitude's split of
   the band. A layer whose chosen graph has ``Delta_r < 0`` (where defined) hands a share
   ``shift`` of its band removals to the layers with the largest normalised gap and
   room left in their band; the move is kept only if no layer that was Ramanujan stops
   being one and the smallest normalised gap does not fall. At most
   ``rebalance_steps`` moves. Everything stays within the magnitude band, so the total
   count is exactly magnitude's and no weight outside ``t (1 +- tol)`` is treated
   differently.

Metrics are computed on the binary mask only (the Ramanujan gap under ``rules``), one
small SVD per chunk per layer: cheap next to a training epoch. The selector plugs into
:func:`hlsflow.sparsity.qap.iterative_pruning` and :class:`~hlsflow.sparsity.qap.ScheduledPruning`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from hlsflow.sparsity.pai_alloc import PruningError, apportion, frozen_masks
from hlsflow.sparsity.qap_schedule import GlobalRequest
from hlsflow.sparsity.spectral_graph import KernelKind, bipartite_graph, blas_single_thread
from hlsflow.sparsity.spectral_metrics import ICLR_RULES, Validity, graph_spectra, iclr_metrics, is_defined

_DENSE_SVD_MAX = 1 << 18  # biadjacency entries up to which the SVD is dense


def edge_coordinates(
    flat: np.ndarray, shape: tuple[int, ...], kind: KernelKind
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Row and column in the layer's biadjacency of the kernel positions ``flat``, and
    the biadjacency's size (the mapping of :mod:`hlsflow.sparsity.spectral_graph`)."""
    if kind == "depthwise":
        chans, mult = shape[-2], shape[-1]
        tc, m = np.divmod(flat, mult)
        return tc, (tc % chans) * mult + m, math.prod(shape) // mult, chans * mult
    n_out = shape[-1]
    rows, cols = np.divmod(flat, n_out)
    return rows, cols, math.prod(shape) // n_out, n_out


def _second_pair(b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Second left/right singular vectors of the biadjacency ``b`` (zeros when rank < 2)."""
    if min(b.shape) < 2 or np.count_nonzero(b) == 0:
        return np.zeros(b.shape[0]), np.zeros(b.shape[1])
    if b.size <= _DENSE_SVD_MAX:
        u, _, vt = np.linalg.svd(b, full_matrices=False)
        return u[:, 1], vt[1]
    u, s, vt = spla.svds(sp.csr_array(b), k=2, random_state=0)
    top = np.argsort(s)[::-1]
    return u[:, top[1]], vt[top[1]]


@dataclass(frozen=True)
class LayerGap:
    """The Ramanujan gap of one layer's mask (plain and normalised; undefined as None),
    and IMDB (ICLR, normalised)."""

    ramanujan_gap: float | None
    ramanujan_gap_norm: float | None
    imdb: float | None

    @property
    def is_ramanujan(self) -> bool:
        return self.ramanujan_gap is not None and self.ramanujan_gap > 0


def layer_gap(mask: np.ndarray, kind: KernelKind, rules: Validity = ICLR_RULES) -> LayerGap:
    """:class:`LayerGap` of a mask under ``rules``."""
    m = iclr_metrics(graph_spectra(bipartite_graph(mask, None, kind), (rules,)), rules)

    def num(v: object) -> float | None:
        return float(v) if is_defined(v) else None  # type: ignore[arg-type]

    return LayerGap(num(m.ramanujan_gap), num(m.ramanujan_gap_norm), num(m.imdb))


@dataclass(frozen=True)
class _Band:
    """One layer's split around the threshold: flat positions always removed, the band
    (positions and magnitudes), and how many of the band magnitude alone would remove."""

    below: np.ndarray
    band: np.ndarray
    band_mags: np.ndarray
    magnitude_removes: int


def _split(
    alive: np.ndarray, mags: np.ndarray, removed_by_magnitude: np.ndarray, t: float, tol: float, cap: int
) -> _Band:
    """Split alive positions into always-removed / band / always-kept around ``t``;
    ``removed_by_magnitude`` flags what plain magnitude pruning would remove."""
    lo, hi = t * (1.0 - tol), t * (1.0 + tol)
    in_band = (mags >= lo) & (mags <= hi)
    below = (mags < lo) & ~in_band
    idx = np.flatnonzero(in_band)
    if len(idx) > cap:
        # keep the cap nearest the threshold: as many just below it as just above it
        lower = idx[removed_by_magnitude[idx]]
        upper = idx[~removed_by_magnitude[idx]]
        lower = lower[np.argsort(mags[lower], kind="stable")]
        upper = upper[np.argsort(mags[upper], kind="stable")]
        n_low = min(len(lower), max(cap - len(upper), cap // 2))
        n_up = min(len(upper), cap - n_low)
        below[lower[: len(lower) - n_low]] = True
        idx = np.concatenate((lower[len(lower) - n_low :], upper[:n_up]))
    return _Band(alive[below], alive[idx], mags[idx], int(np.count_nonzero(removed_by_magnitude[idx])))


@dataclass(frozen=True)
class LayerChoice:
    """What the guided selector did in one layer: band size, removals magnitude would
    make there and those made, and the resulting gap."""

    name: str
    band: int
    magnitude_removes: int
    removed: int
    gap: LayerGap


@dataclass(frozen=True)
class GuidedResult:
    """Masks from :func:`guided_masks`, per-layer choices, and the re-balancing moves
    accepted."""

    masks: Mapping[str, np.ndarray]
    layers: tuple[LayerChoice, ...]
    moves: int

    def format(self) -> str:
        lines = [f"guided pruning: {self.moves} allocation move(s)"]
        for c in self.layers:
            g = c.gap
            dr = "undef" if g.ramanujan_gap is None else f"{g.ramanujan_gap:+.3f}"
            imdb = "undef" if g.imdb is None else f"{g.imdb:.3f}"
            lines.append(
                f"  {c.name}: band {c.band}, magnitude would remove {c.magnitude_removes}, removed {c.removed}; "
                f"Delta_r {dr}, IMDB {imdb}"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class GuidedSelector:
    """Spectral-gap-guided :class:`~hlsflow.sparsity.qap_schedule.MaskSelector` (module
    docstring). ``tolerance``: relative width of the magnitude band; ``max_candidates``:
    band cap per layer; ``chunks``: greedy steps per layer; ``degree_weight``: weight of
    the degree-balance term; ``shift`` / ``rebalance_steps``: the allocation moves;
    ``rules``: validity of the Ramanujan gap."""

    tolerance: float = 0.2
    max_candidates: int = 4096
    step_fraction: float = 0.05
    degree_weight: float = 1.0
    shift: float = 0.25
    rebalance_steps: int = 3
    rules: Validity = field(default=ICLR_RULES)

    def __post_init__(self) -> None:
        if not 0.0 <= self.tolerance < 1.0:
            raise PruningError(f"tolerance must be in [0, 1), got {self.tolerance}")
        if not 0.0 < self.step_fraction <= 1.0 or self.max_candidates < 1:
            raise PruningError("step_fraction must be in (0, 1] and max_candidates >= 1")

    # -- one layer ----------------------------------------------------------------------------
    def remove_from_band(
        self, mask: np.ndarray, band: np.ndarray, mags: np.ndarray, count: int, kind: KernelKind
    ) -> np.ndarray:
        """``mask`` (flat positions in ``band`` still alive) with ``count`` band positions
        removed, chosen greedily by the spectral / degree score."""
        flat = np.array(mask, dtype=bool).reshape(-1)
        rows, cols, n_rows, n_cols = edge_coordinates(band, mask.shape, kind)
        active = np.ones(len(band), dtype=bool)
        remaining = min(count, len(band))
        with blas_single_thread():
            while remaining > 0:
                b = np.zeros((n_rows, n_cols))
                r_all, c_all, _, _ = edge_coordinates(np.flatnonzero(flat), mask.shape, kind)
                b[r_all, c_all] = 1.0
                n_step = min(remaining, max(1, math.ceil(self.step_fraction * len(r_all))))
                picked = self._step(b, rows, cols, mags, active, n_step)
                flat[band[picked]] = False
                active[picked] = False
                remaining -= len(picked)
        return flat.reshape(mask.shape)

    def _step(
        self, b: np.ndarray, rows: np.ndarray, cols: np.ndarray, mags: np.ndarray, active: np.ndarray, n_step: int
    ) -> np.ndarray:
        """One greedy step: up to ``n_step`` active candidates, best score first, at most
        ``ceil(n_step / live nodes)`` per node of either side and none that would
        isolate a node (those only when nothing else is left)."""
        n_rows, n_cols = b.shape
        u2, v2 = _second_pair(b)
        deg_l, deg_r = b.sum(axis=1), b.sum(axis=0)
        live_l, live_r = max(int(np.count_nonzero(deg_l)), 1), max(int(np.count_nonzero(deg_r)), 1)
        edges_after = max(float(b.sum()) - n_step, 1.0)
        tgt_l, tgt_r = edges_after / live_l, edges_after / live_r
        cand = np.flatnonzero(active)
        r, c = rows[cand], cols[cand]
        score = u2[r] * v2[c] * math.sqrt(n_rows * n_cols) + self.degree_weight * (
            (deg_l[r] - tgt_l) / tgt_l + (deg_r[c] - tgt_r) / tgt_r
        )
        order = np.lexsort((mags[cand], -score))
        cap_l, cap_r = math.ceil(n_step / live_l), math.ceil(n_step / live_r)
        used_l: dict[int, int] = {}
        used_r: dict[int, int] = {}
        picked: list[int] = []
        for o in order.tolist():
            i, j = int(r[o]), int(c[o])
            ul, ur = used_l.get(i, 0), used_r.get(j, 0)
            if ul >= cap_l or ur >= cap_r or deg_l[i] - ul <= 1 or deg_r[j] - ur <= 1:
                continue
            used_l[i], used_r[j] = ul + 1, ur + 1
            picked.append(int(cand[o]))
            if len(picked) == n_step:
                return np.asarray(picked, dtype=np.int64)
        if picked:
            return np.asarray(picked, dtype=np.int64)
        # Every candidate left would isolate a node or exceed a cap: take the best ones.
        return cand[order[:n_step]]

    def select_layer(self, weights: np.ndarray, mask: np.ndarray, keep: int, kind: KernelKind) -> np.ndarray:
        """Keep ``keep`` of the layer's live weights (magnitude with a guided band)."""
        alive = np.flatnonzero(mask)
        r = len(alive) - keep
        if r <= 0:
            return np.array(mask, dtype=bool)
        mags = np.abs(np.asarray(weights, dtype=np.float64).reshape(-1)[alive])
        order = np.argsort(mags, kind="stable")
        removed = np.zeros(len(alive), dtype=bool)
        removed[order[:r]] = True
        band = _split(alive, mags, removed, float(mags[order[r - 1]]), self.tolerance, self.max_candidates)
        out = np.array(mask, dtype=bool).reshape(-1)
        out[band.below] = False
        return self.remove_from_band(out.reshape(mask.shape), band.band, band.band_mags, r - len(band.below), kind)

    # -- the network ----------------------------------------------------------------------------
    def select_global(self, request: GlobalRequest) -> dict[str, np.ndarray]:
        r = request
        return dict(guided_masks(r.weights, r.masks, r.keep, r.kinds, self).masks)


def _bands(
    weights: Mapping[str, np.ndarray], masks: Mapping[str, np.ndarray], keep: int, sel: GuidedSelector
) -> dict[str, _Band]:
    names = list(masks)
    alive = {n: np.flatnonzero(masks[n]) for n in names}
    mags = {n: np.abs(np.asarray(weights[n], dtype=np.float64).reshape(-1)[alive[n]]) for n in names}
    allm = np.concatenate([mags[n] for n in names])
    r = len(allm) - keep
    order = np.argsort(allm, kind="stable")
    removed = np.zeros(len(allm), dtype=bool)
    removed[order[:r]] = True
    t = float(allm[order[r - 1]])
    out, start = {}, 0
    for n in names:
        size = len(alive[n])
        out[n] = _split(alive[n], mags[n], removed[start : start + size], t, sel.tolerance, sel.max_candidates)
        start += size
    return out


def _worse(new: Mapping[str, LayerGap], old: Mapping[str, LayerGap]) -> bool:
    """A move is rejected when a Ramanujan layer stops being one or the smallest
    normalised gap falls."""
    if any(old[n].is_ramanujan and not new[n].is_ramanujan for n in old):
        return True
    return _lowest_gap(new) < _lowest_gap(old)


def _lowest_gap(gaps: Mapping[str, LayerGap]) -> float:
    return min((g.ramanujan_gap_norm for g in gaps.values() if g.ramanujan_gap_norm is not None), default=math.inf)


def guided_masks(
    weights: Mapping[str, np.ndarray],
    masks: Mapping[str, np.ndarray],
    keep: int,
    kinds: Mapping[str, KernelKind],
    selector: GuidedSelector | None = None,
) -> GuidedResult:
    """Keep exactly ``keep`` weights over all layers (module docstring, both steps)."""
    sel = selector or GuidedSelector()
    alive_total = sum(int(np.count_nonzero(m)) for m in masks.values())
    if keep >= alive_total:
        same = {n: np.array(m, dtype=bool) for n, m in masks.items()}
        gaps = {n: layer_gap(m, kinds[n], sel.rules) for n, m in same.items()}
        return GuidedResult(frozen_masks(same), tuple(LayerChoice(n, 0, 0, 0, gaps[n]) for n in same), 0)
    bands = _bands(weights, masks, keep, sel)
    base = {}
    for n, m in masks.items():
        flat = np.array(m, dtype=bool).reshape(-1)
        flat[bands[n].below] = False
        base[n] = flat.reshape(np.shape(m))

    def choose(n: str, count: int) -> np.ndarray:
        b = bands[n]
        return sel.remove_from_band(base[n], b.band, b.band_mags, count, kinds[n])

    counts = {n: b.magnitude_removes for n, b in bands.items()}
    chosen = {n: choose(n, c) for n, c in counts.items()}
    gaps = {n: layer_gap(m, kinds[n], sel.rules) for n, m in chosen.items()}
    moves = 0
    for _ in range(sel.rebalance_steps):
        stressed = [n for n, g in gaps.items() if g.ramanujan_gap is not None and g.ramanujan_gap < 0 and counts[n] > 0]
        slack = [n for n, g in gaps.items() if g.is_ramanujan and counts[n] < len(bands[n].band)]
        if not stressed or not slack:
            break
        give = {n: max(1, int(sel.shift * counts[n])) for n in stressed}
        room = [len(bands[n].band) - counts[n] for n in slack]
        total = min(sum(give.values()), sum(room))
        weight = [(gaps[n].ramanujan_gap_norm or 0.0) * r for n, r in zip(slack, room)]
        quotas = [total * w / sum(weight) for w in weight] if sum(weight) > 0 else [total * r / sum(room) for r in room]
        take = apportion(quotas, room, total)
        new_counts = dict(counts)
        left = total
        for n in stressed:  # take back what the slack layers can absorb
            g = min(give[n], left)
            new_counts[n] -= g
            left -= g
        for n, t in zip(slack, take):
            new_counts[n] += t
        changed = [n for n in counts if new_counts[n] != counts[n]]
        new_chosen = dict(chosen, **{n: choose(n, new_counts[n]) for n in changed})
        new_gaps = dict(gaps, **{n: layer_gap(new_chosen[n], kinds[n], sel.rules) for n in changed})
        if _worse(new_gaps, gaps):
            break
        counts, chosen, gaps = new_counts, new_chosen, new_gaps
        moves += 1
    layers = tuple(LayerChoice(n, len(bands[n].band), bands[n].magnitude_removes, counts[n], gaps[n]) for n in masks)
    return GuidedResult(frozen_masks(chosen), layers, moves)


__all__ = [
    "GuidedResult",
    "GuidedSelector",
    "LayerChoice",
    "LayerGap",
    "edge_coordinates",
    "guided_masks",
    "layer_gap",
]
