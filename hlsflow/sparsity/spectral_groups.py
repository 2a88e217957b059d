"""Spectra of the nested regular sub-graphs of a layer graph (IMDB, ICLR and NeurIPS).

For every left degree ``d`` the sub-graph ``B_d`` keeps the ``c_d`` left nodes of that
degree and the ``o_d`` right nodes they reach. A wide layer has a hundred or more such
groups, almost all with a few dozen rows, so calling a solver per group would cost more
than the whole-layer spectrum. Instead the rows are sorted by degree and the Gram blocks
``B_d B_d^T`` of all small groups come out of *one* sparse product: each group's columns
are shifted into a disjoint range, which makes the product block diagonal. The blocks are
then solved in batches of equal size with one stacked ``eigvalsh`` call each. Groups with
more than ``GRAM_MAX_SIDE`` rows go through :func:`top_singular_values` one by one.

As for the ``gram`` solver, ``sigma_i = sqrt(eig_i(B_d B_d^T))``, so a near-zero
``sigma_2`` is resolved to about ``1e-8 sigma_1``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from hlsflow.sparsity.spectral_graph import (
    GRAM_MAX_SIDE,
    BipartiteGraph,
    Solver,
    blas_single_thread,
    top_singular_values,
)

#: ``keep(degree, count, outputs)``: whether a group's spectrum is needed at all.
GroupFilter = Callable[[int, int, int], bool]


@dataclass(frozen=True)
class GroupSpectrum:
    """One nested sub-graph: the ``count`` left nodes of degree ``degree``, the
    ``outputs`` right nodes they touch, and the top two singular values of its binary
    (``sigma``) and, when the layer has weights, weighted (``sigma_w``) biadjacency."""

    degree: int
    count: int
    outputs: int
    sigma: tuple[float, float]
    sigma_w: tuple[float, float] | None

    @property
    def d_right(self) -> float:
        """Average right degree of the sub-graph, ``c_d d / o_d``."""
        return self.count * self.degree / self.outputs

    @property
    def kappa(self) -> float:
        """NeurIPS weight ``max(c, o) / (c + o - 1)``: 1 for a star, near 1/2 when both
        sides have the same size, so it favours lopsided (strongly expanding) groups."""
        return max(self.count, self.outputs) / (self.count + self.outputs - 1)


def _outputs_per_group(indices: np.ndarray, edge_group: np.ndarray, n_groups: int, n_right: int) -> np.ndarray:
    """How many distinct right nodes each group's edges reach."""
    key = edge_group.astype(np.int64) * n_right + indices
    if n_groups * n_right <= 1 << 25:  # a presence table is O(E) and small enough
        seen = np.bincount(key, minlength=n_groups * n_right).reshape(n_groups, n_right) > 0
        return seen.sum(axis=1)
    return np.bincount(np.unique(key) // n_right, minlength=n_groups)


def _top2(eig: np.ndarray) -> np.ndarray:
    """Top two singular values from ascending Gram eigenvalues along the last axis
    (rounding can leave a zero eigenvalue slightly negative)."""
    top = np.zeros(eig.shape[:-1] + (2,))
    k = min(2, eig.shape[-1])
    top[..., :k] = eig[..., ::-1][..., :k]
    return np.sqrt(np.clip(top, 0.0, None))


def _batched_gram_top2(rows: sp.csr_array, slot: np.ndarray, sizes: np.ndarray, n_right: int) -> np.ndarray:
    """Top two singular values of every group block of ``rows``.

    ``rows`` (CSR) stores the groups consecutively, in ascending size; ``slot`` is each
    row's group and ``sizes`` the rows per group.
    """
    edge_slot = np.repeat(slot, np.diff(rows.indptr))
    shifted = sp.csr_array(
        (rows.data, edge_slot.astype(np.int64) * n_right + rows.indices, rows.indptr),
        shape=(rows.shape[0], len(sizes) * n_right),
    )
    gram = (shifted @ shifted.T).tocoo()  # block diagonal: groups share no shifted column
    # Scatter every block, row-major, into one flat buffer; groups of equal size sit next
    # to each other, so each size is a (k, c, c) view for one stacked eigvalsh call.
    row_start = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    block_start = np.concatenate(([0], np.cumsum(sizes * sizes)[:-1]))
    g = slot[gram.row]
    buf = np.zeros(int(np.sum(sizes * sizes)))
    buf[block_start[g] + (gram.row - row_start[g]) * sizes[g] + (gram.col - row_start[g])] = gram.data
    out = np.zeros((len(sizes), 2))
    first = np.flatnonzero(np.diff(sizes, prepend=-1))  # first group of each size
    with blas_single_thread():
        for lo, hi in zip(first.tolist(), np.append(first[1:], len(sizes)).tolist()):
            c = int(sizes[lo])
            blocks = buf[block_start[lo] : block_start[lo] + (hi - lo) * c * c].reshape(hi - lo, c, c)
            out[lo:hi] = _top2(np.linalg.eigvalsh(blocks))
    return out


def degree_groups(
    graph: BipartiteGraph, min_count: int = 2, keep: GroupFilter | None = None, solver: Solver = "auto"
) -> tuple[GroupSpectrum, ...]:
    """The :class:`GroupSpectrum` of each left degree held by at least ``min_count``
    left nodes (ascending degree), skipping groups for which ``keep`` says no (their
    spectra are never computed)."""
    if graph.edges == 0:
        return ()
    deg = graph.left_degrees
    order = np.argsort(deg, kind="stable")
    values, counts = np.unique(deg[order], return_counts=True)
    binary = graph.binary[order]
    group_of_row = np.repeat(np.arange(len(values)), counts)
    outputs = _outputs_per_group(
        binary.indices, np.repeat(group_of_row, np.diff(binary.indptr)), len(values), graph.n_right
    )
    chosen = [
        g
        for g in range(len(values))
        if counts[g] >= min_count and (keep is None or keep(int(values[g]), int(counts[g]), int(outputs[g])))
    ]
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    matrices = [binary] + ([graph.weighted[order]] if graph.weighted is not None else [])
    sigmas = [np.zeros((len(values), 2)) for _ in matrices]
    small = sorted((g for g in chosen if counts[g] <= GRAM_MAX_SIDE), key=lambda g: counts[g])
    if small:
        row_sel = np.concatenate([np.arange(starts[g], starts[g] + counts[g]) for g in small])
        slot = np.repeat(np.arange(len(small)), counts[small])
        for m, sig in zip(matrices, sigmas):
            sig[small] = _batched_gram_top2(m[row_sel], slot, counts[small], graph.n_right)
    for g in chosen:
        if counts[g] > GRAM_MAX_SIDE:
            for m, sig in zip(matrices, sigmas):
                sig[g] = top_singular_values(m[starts[g] : starts[g] + counts[g]], 2, solver).values
    return tuple(
        GroupSpectrum(
            int(values[g]),
            int(counts[g]),
            int(outputs[g]),
            (float(sigmas[0][g, 0]), float(sigmas[0][g, 1])),
            (float(sigmas[1][g, 0]), float(sigmas[1][g, 1])) if len(sigmas) > 1 else None,
        )
        for g in chosen
    )
