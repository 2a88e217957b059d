"""Spectral metrics of one layer graph: ICLR 2023 (Ramanujan / spectral-bound gaps,
NaRC, IMDB) and NeurIPS 2023 (nested regular sub-graphs, weighted gap, full-spectrum
coordinate). Formulas follow SPARSITY.md sections 2 and 3; notation:

* ``n_l, n_r``: left/right nodes after dropping isolated ones; ``n_in, n_out``: the
  kernel's sides before that; ``E``: kept edges; ``d_l = E / n_l``, ``d_r = E / n_r``.
* ``lambda_1 = sigma_1(B)`` and ``mu = sigma_2(B)`` (the adjacency's largest and largest
  non-trivial eigenvalue); ``rho = sqrt(d_l - 1) + sqrt(d_r - 1)``, the biregular
  Ramanujan bound evaluated at the average degrees.

A metric that a rule declares meaningless is an :class:`Undefined` carrying the reason,
never 0 or NaN. The one place the spec asks for zeros is the NeurIPS coordinate, whose
components are zero-filled by definition; the raw components stay available (and
undefined) next to it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeGuard

from hlsflow.sparsity.spectral_graph import BipartiteGraph, Solver, top_singular_values
from hlsflow.sparsity.spectral_groups import GroupSpectrum, degree_groups


@dataclass(frozen=True)
class Undefined:
    """A metric with no value for this layer, and why (e.g. ``d_r = 2.1 < 3``).

    Falsy, prints as ``undefined``; compare with :func:`is_defined`, not truthiness
    (a defined 0.0 is falsy too)."""

    reason: str

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return "undefined"


Metric = float | Undefined


def is_defined(value: object) -> TypeGuard[float]:
    """True for a number (including 0.0), False for :class:`Undefined` or None."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def value_or(value: Metric, default: float) -> float:
    """The number, or ``default`` when undefined."""
    return float(value) if is_defined(value) else default


@dataclass(frozen=True)
class Validity:
    """When a (sub-)graph is regular enough for the Ramanujan bound to mean something:
    ``d_l >= min_left``, ``d_r >= min_right`` (``d_r > min_right`` when ``right_strict``),
    and, for the nested sub-graphs, at least ``min_group`` left nodes sharing a degree."""

    min_left: float = 3.0
    min_right: float = 3.0
    right_strict: bool = False
    min_group: int = 3

    def check(self, d_left: float, d_right: float) -> str | None:
        """None when valid, else the reason."""
        if d_left < self.min_left:
            return f"d_l = {d_left:.3g} < {self.min_left:g}"
        if d_right < self.min_right or (self.right_strict and d_right == self.min_right):
            op = "<=" if self.right_strict else "<"
            return f"d_r = {d_right:.3g} {op} {self.min_right:g}"
        return None


#: ICLR 2023 rules: ``d_l >= 3``, ``d_r >= 3``; IMDB groups of at least 3 nodes.
ICLR_RULES = Validity(3.0, 3.0, False, 3)
#: The relaxed rules (NeurIPS 2023 and the reference code): ``d_l >= 3``, ``d_r > 1``,
#: groups of at least 2 nodes. Pass as ``rules=`` to the ICLR metrics to relax them.
RELAXED_RULES = Validity(3.0, 1.0, True, 2)
NEURIPS_RULES = RELAXED_RULES


# -- spectra computed once per layer ------------------------------------------------------
@dataclass(frozen=True, eq=False)
class GraphSpectra:
    """Everything spectral the metrics read, computed once per layer: the top two
    singular values of the binary (``sigma``) and weighted (``sigma_w``, None without
    weights) biadjacency, the solver used, and the spectra of the degree groups that
    some rule set in ``rules`` accepts."""

    graph: BipartiteGraph
    sigma: tuple[float, float]
    sigma_w: tuple[float, float] | None
    solver: str
    groups: tuple[GroupSpectrum, ...]
    rules: tuple[Validity, ...]


def _group_ok(rules: Validity, degree: int, count: int, outputs: int) -> bool:
    return count >= rules.min_group and rules.check(degree, count * degree / outputs) is None


def graph_spectra(
    graph: BipartiteGraph, rules: Sequence[Validity] = (ICLR_RULES, NEURIPS_RULES), solver: Solver = "auto"
) -> GraphSpectra:
    """Compute :class:`GraphSpectra` (the expensive part of scoring a layer). Only the
    degree groups valid under at least one of ``rules`` are solved."""
    top = top_singular_values(graph.binary, 2, solver)
    sw = None if graph.weighted is None else top_singular_values(graph.weighted, 2, solver).values
    rules = tuple(rules)
    groups = degree_groups(
        graph, min(r.min_group for r in rules), lambda d, c, o: any(_group_ok(r, d, c, o) for r in rules), solver
    )
    return GraphSpectra(
        graph, (top.values[0], top.values[1]), None if sw is None else (sw[0], sw[1]), top.solver, groups, rules
    )


def _spectra_for(source: BipartiteGraph | GraphSpectra, rules: Validity, solver: Solver) -> GraphSpectra:
    if isinstance(source, GraphSpectra) and rules in source.rules:
        return source
    graph = source.graph if isinstance(source, GraphSpectra) else source
    return graph_spectra(graph, (rules,), solver)


def ramanujan_bound(d_left: float, d_right: float) -> float:
    """``rho = sqrt(d_l - 1) + sqrt(d_r - 1)``: the largest non-trivial eigenvalue a
    Ramanujan ``(d_l, d_r)``-biregular graph may have."""
    return math.sqrt(d_left - 1.0) + math.sqrt(d_right - 1.0)


def _mean(xs: Sequence[float]) -> float:
    return float(sum(xs) / len(xs))


# -- ICLR 2023 --------------------------------------------------------------------------------
@dataclass(frozen=True)
class IclrMetrics:
    """Per-layer metrics of Hoang et al., ICLR 2023, under ``rules`` (default ICLR).

    * ``spectral_gap`` ``Ds = 2 sqrt(lambda_1 - 1) - mu``; ``spectral_gap_norm`` divides
      by ``2 sqrt(lambda_1 - 1)``.
    * ``ramanujan_gap`` ``Dr = rho - mu``; ``ramanujan_gap_norm = Dr / rho``;
      ``is_ramanujan``: ``Dr > 0``.
    * ``narc_as_coded``: the reference code's randomness check,
      ``((mu^2 / 4 + 1) sqrt(n_l n_r) - |2E - (d_l / n_out) n_l n_r|) / (n_in n_out)``.
      It counts every undirected edge twice (its edge list is the symmetric adjacency's).
      ``narc_corrected`` uses ``E`` there; since ``(d_l / n_out) n_l n_r = E n_r / n_out``,
      its second term is the edges lost to isolated outputs.
    * ``imdb`` (what the paper plots): the mean of ``Dr / rho`` over the valid
      d-left-regular sub-graphs (left nodes of one degree, at least ``min_group`` of
      them, with every right node they reach); ``imdb_unnormalised`` averages ``Dr``.
    """

    lambda1: Metric
    mu: Metric
    spectral_gap: Metric
    spectral_gap_norm: Metric
    ramanujan_gap: Metric
    ramanujan_gap_norm: Metric
    is_ramanujan: bool | Undefined
    narc_as_coded: Metric
    narc_corrected: Metric
    imdb: Metric
    imdb_unnormalised: Metric
    imdb_groups: int  # sub-graphs that were valid and averaged
    rules: Validity


def _narc(mu: float, graph: BipartiteGraph, edge_count: float) -> float:
    nl, nr = graph.n_left, graph.n_right
    fit = (mu * mu / 4.0 + 1.0) * math.sqrt(nl * nr)
    return (fit - abs(edge_count - graph.d_left / graph.n_out * nl * nr)) / (graph.n_in * graph.n_out)


def _iclr_imdb(groups: Sequence[GroupSpectrum], rules: Validity) -> tuple[Metric, Metric, int]:
    norm, raw = [], []
    for g in groups:
        if g.count < rules.min_group or rules.check(g.degree, g.d_right):
            continue
        rho = ramanujan_bound(g.degree, g.d_right)
        raw.append(rho - g.sigma[1])
        norm.append(raw[-1] / rho)
    if not norm:
        why = Undefined(f"no d-left-regular sub-graph with >= {rules.min_group} nodes passes the degree rules")
        return why, why, 0
    return _mean(norm), _mean(raw), len(norm)


def iclr_metrics(
    source: BipartiteGraph | GraphSpectra, rules: Validity = ICLR_RULES, solver: Solver = "auto"
) -> IclrMetrics:
    """The ICLR 2023 metrics of a layer graph (or of its precomputed spectra)."""
    spec = _spectra_for(source, rules, solver)
    graph = spec.graph
    if graph.edges == 0:
        none = Undefined("the layer has no kept weight")
        return IclrMetrics(none, none, none, none, none, none, none, none, none, none, none, 0, rules)
    lam1, mu = spec.sigma
    imdb, imdb_raw, n_groups = _iclr_imdb(spec.groups, rules)
    reason = rules.check(graph.d_left, graph.d_right)
    if reason is not None:
        bad = Undefined(reason + " (after dropping isolated nodes)")
        return IclrMetrics(lam1, mu, bad, bad, bad, bad, bad, bad, bad, imdb, imdb_raw, n_groups, rules)
    s_bound = 2.0 * math.sqrt(lam1 - 1.0)  # lambda_1 >= sqrt(d_l d_r) >= sqrt(3): positive
    rho = ramanujan_bound(graph.d_left, graph.d_right)
    return IclrMetrics(
        lambda1=lam1,
        mu=mu,
        spectral_gap=s_bound - mu,
        spectral_gap_norm=(s_bound - mu) / s_bound,
        ramanujan_gap=rho - mu,
        ramanujan_gap_norm=(rho - mu) / rho,
        is_ramanujan=rho - mu > 0,
        narc_as_coded=_narc(mu, graph, 2.0 * graph.edges),
        narc_corrected=_narc(mu, graph, float(graph.edges)),
        imdb=imdb,
        imdb_unnormalised=imdb_raw,
        imdb_groups=n_groups,
        rules=rules,
    )


# -- NeurIPS 2023 -----------------------------------------------------------------------------
@dataclass(frozen=True)
class NeuripsMetrics:
    """Per-layer metrics of Hoang et al., NeurIPS 2023, under ``rules`` (default relaxed:
    ``d_L >= 3``, ``d_R > 1``, groups of at least 2).

    Raw components (:class:`Undefined` where the rules or missing weights say so):

    * ``ramanujan_gap``: ``Dr`` of the whole graph.
    * ``weighted_gap``: ``lambda_w = sigma_1(|W*M|) - sigma_2(|W*M|)``.
    * ``imdb_mask``: mean over valid degree groups ``d`` of ``kappa_d Dr(B_d)``;
      ``imdb_weighted``: the same with ``lambda_w(B_d)``. Here ``B_d`` holds the ``c_d``
      inputs of degree ``d`` and the ``o_d`` outputs they touch, and
      ``kappa_d = max(c_d, o_d) / (c_d + o_d - 1)``.

    Standardised components divide each gap by the scale that bounds it on its own
    (sub-)graph before any ``kappa`` weighting: ``Dr / rho`` and ``lambda_w / sigma_1``.
    Each is then at most 1, dimensionless, and comparable across layers of any width,
    whereas the raw ``Dr`` grows like ``sqrt(degree)`` and ``lambda_w`` with the weight
    scale, so the plain norm is dominated by whichever is largest.

    :attr:`coordinate` is the spec's ``(Dr_full, lambda_w_full, IMDB_mask, IMDB_w)`` with
    invalid parts as 0 (the papers' convention); :attr:`norm` is its L2 norm ``F``, which
    reproduces the reference. :attr:`norm_std` is the norm of the standardised
    coordinate, the one to use when comparing layers or networks. Both norms are
    sign-blind: a graph far *beyond* the bound scores like one far inside it, so look at
    the coordinate when the sign matters.
    """

    ramanujan_gap: Metric
    weighted_gap: Metric
    imdb_mask: Metric
    imdb_weighted: Metric
    ramanujan_gap_std: Metric
    weighted_gap_std: Metric
    imdb_mask_std: Metric
    imdb_weighted_std: Metric
    imdb_groups: int  # degree groups that were valid and averaged
    has_weights: bool
    rules: Validity

    def _filled(self, parts: tuple[Metric, ...]) -> tuple[float, ...] | Undefined:
        if not self.has_weights:
            return Undefined(_NO_WEIGHTS)
        return tuple(value_or(p, 0.0) for p in parts)

    @property
    def coordinate(self) -> tuple[float, ...] | Undefined:
        """``(Dr_full, lambda_w_full, IMDB_mask, IMDB_w)``, invalid parts as 0;
        undefined only when the layer has no weights."""
        return self._filled((self.ramanujan_gap, self.weighted_gap, self.imdb_mask, self.imdb_weighted))

    @property
    def coordinate_std(self) -> tuple[float, ...] | Undefined:
        """The standardised coordinate, invalid parts as 0."""
        return self._filled((self.ramanujan_gap_std, self.weighted_gap_std, self.imdb_mask_std, self.imdb_weighted_std))

    @property
    def norm(self) -> Metric:
        """``F``: L2 norm of :attr:`coordinate` (the reference's full-spectrum magnitude)."""
        c = self.coordinate
        return c if isinstance(c, Undefined) else math.hypot(*c)

    @property
    def norm_std(self) -> Metric:
        """L2 norm of :attr:`coordinate_std`."""
        c = self.coordinate_std
        return c if isinstance(c, Undefined) else math.hypot(*c)


_NO_WEIGHTS = "no weights given (the weighted components need W)"


def _weighted_gap(sigma: tuple[float, float]) -> tuple[float, Metric]:
    """``lambda_w`` and ``lambda_w / sigma_1`` from a weighted spectrum."""
    gap = sigma[0] - sigma[1]
    return gap, (gap / sigma[0] if sigma[0] > 0 else Undefined("every kept weight is zero"))


Quad = tuple[Metric, Metric, Metric, Metric]  # (mask part, weighted part, and their standardised forms)


def _neurips_nested(groups: Sequence[GroupSpectrum], rules: Validity, has_w: bool) -> tuple[Quad, int]:
    """``(IMDB_mask, IMDB_w, IMDB_mask_std, IMDB_w_std)`` over the valid degree groups,
    and how many groups were valid."""
    mask: list[float] = []
    mask_std: list[float] = []
    wgap: list[float] = []
    wgap_std: list[float] = []
    for g in groups:
        if g.count < rules.min_group or rules.check(g.degree, g.d_right):
            continue
        rho = ramanujan_bound(g.degree, g.d_right)
        mask.append(g.kappa * (rho - g.sigma[1]))
        mask_std.append(mask[-1] / rho)
        if g.sigma_w is not None:
            gap, gap_std = _weighted_gap(g.sigma_w)
            wgap.append(g.kappa * gap)
            # An all-zero weighted sub-graph has no scale: its standardised gap counts as 0.
            wgap_std.append(g.kappa * value_or(gap_std, 0.0))
    no_w = Undefined(_NO_WEIGHTS)
    if not mask:
        lost = Undefined(f"no degree group with >= {rules.min_group} inputs passes the degree rules")
        return (lost, lost if has_w else no_w, lost, lost if has_w else no_w), 0
    if not has_w:
        return (_mean(mask), no_w, _mean(mask_std), no_w), len(mask)
    return (_mean(mask), _mean(wgap), _mean(mask_std), _mean(wgap_std)), len(mask)


def neurips_metrics(
    source: BipartiteGraph | GraphSpectra, rules: Validity = NEURIPS_RULES, solver: Solver = "auto"
) -> NeuripsMetrics:
    """The NeurIPS 2023 metrics of a layer graph (weighted parts need its weights)."""
    spec = _spectra_for(source, rules, solver)
    graph = spec.graph
    has_w = graph.weighted is not None
    no_w = Undefined(_NO_WEIGHTS)
    if graph.edges == 0:
        none = Undefined("the layer has no kept weight")
        w_none = none if has_w else no_w
        return NeuripsMetrics(none, w_none, none, w_none, none, w_none, none, w_none, 0, has_w, rules)
    imdb, n_groups = _neurips_nested(spec.groups, rules, has_w)
    reason = rules.check(graph.d_left, graph.d_right)
    if reason is not None:
        bad = Undefined(reason + " (after dropping isolated nodes)")
        full: Quad = (bad, bad if has_w else no_w, bad, bad if has_w else no_w)
    else:
        rho = ramanujan_bound(graph.d_left, graph.d_right)
        gap_w, gap_w_std = _weighted_gap(spec.sigma_w) if spec.sigma_w is not None else (no_w, no_w)
        full = (rho - spec.sigma[1], gap_w, (rho - spec.sigma[1]) / rho, gap_w_std)
    return NeuripsMetrics(
        ramanujan_gap=full[0],
        weighted_gap=full[1],
        imdb_mask=imdb[0],
        imdb_weighted=imdb[1],
        ramanujan_gap_std=full[2],
        weighted_gap_std=full[3],
        imdb_mask_std=imdb[2],
        imdb_weighted_std=imdb[3],
        imdb_groups=n_groups,
        has_weights=has_w,
        rules=rules,
    )
