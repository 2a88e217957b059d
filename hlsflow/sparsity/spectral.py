"""Spectral sparsity metrics: how good an expander each pruned layer's graph is.

A pruned layer is a bipartite graph (inputs x outputs, one edge per kept weight). The
seed papers argue that a graph close to Ramanujan -- a second eigenvalue well below the
degree bound -- keeps information flowing at high sparsity. This module scores every
Dense / Conv / DepthwiseConv layer of a model with the metrics of SPARSITY.md:

* ICLR 2023 (:class:`IclrMetrics`): spectral-bound gap, Ramanujan gap (each plain and
  normalised), NaRC as the reference code computes it and corrected, IMDB;
* NeurIPS 2023 (:class:`NeuripsMetrics`): weighted spectral gap, the nested-regular
  IMDB_mask / IMDB_w, the full-spectrum coordinate and its norm F (plain and
  standardised).

Metrics a layer is too small or too irregular for come back as :class:`Undefined` with
the reason. The layer -> graph mapping and the solvers are described in
:mod:`hlsflow.sparsity.spectral_graph`.

    from hlsflow.sparsity import spectral
    rep = spectral.spectral_report(graph)          # hlsflow IR graph, Keras model, .h5 path,
    print(spectral.format_table(rep))              # or {name: kernel or (mask, weights)}
    spectral.plot_report(rep, "spectral.png")
    one = spectral.layer_report(mask, weights)     # a single numpy kernel
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hlsflow.sparsity.spectral_graph import (
    DENSE_MAX_ELEMENTS,
    GRAM_MAX_SIDE,
    LANCZOS_TOL,
    BipartiteGraph,
    KernelKind,
    SingularValues,
    Solver,
    SpectralError,
    bipartite_graph,
    choose_solver,
    infer_kind,
    top_singular_values,
)
from hlsflow.sparsity.spectral_groups import GroupSpectrum, degree_groups
from hlsflow.sparsity.spectral_metrics import (
    ICLR_RULES,
    NEURIPS_RULES,
    RELAXED_RULES,
    GraphSpectra,
    IclrMetrics,
    Metric,
    NeuripsMetrics,
    Undefined,
    Validity,
    graph_spectra,
    iclr_metrics,
    is_defined,
    neurips_metrics,
    ramanujan_bound,
    value_or,
)
from hlsflow.sparsity.spectral_output import METRIC_COLUMNS, format_table, plot_report

if TYPE_CHECKING:
    from hlsflow.ir.graph import Graph

#: IR op name -> how its kernel maps to a bipartite graph.
LINEAR_KINDS: dict[str, KernelKind] = {
    "dense": "dense",
    "pointwise_conv": "dense",
    "conv1d": "conv",
    "conv2d": "conv",
    "depthwise_conv2d": "depthwise",
}


@dataclass(frozen=True, eq=False)
class LayerKernel:
    """One prunable kernel to score: its mask (True = kept), optional weights, kind."""

    name: str
    mask: np.ndarray
    weights: np.ndarray | None = None
    kind: KernelKind | None = None


def kernels_from_graph(graph: Graph, drop_quantized_zeros: bool = True) -> list[LayerKernel]:
    """The kernels of every dense / pointwise / conv / depthwise node, in graph order.

    Weights are the values hardware uses (quantised ones for fixed-point constants).
    With ``drop_quantized_zeros`` (default) a weight whose stored value is zero counts
    as pruned even where the mask keeps it: it costs no multiplier, so it is no edge of
    the circuit. Pass False to score the pruning mask alone.
    """
    out = []
    for node in graph.nodes:
        kind = LINEAR_KINDS.get(node.op.name)
        if kind is None or "kernel" not in node.params:
            continue
        k = node.params["kernel"]
        values = np.asarray(k.float_values(), dtype=np.float64)
        mask = np.asarray(k.mask, dtype=bool)
        if drop_quantized_zeros:
            mask = mask & (values != 0)
        out.append(LayerKernel(node.name, mask, values, kind))
    return out


@dataclass(frozen=True)
class LayerReport:
    """Every metric of one layer. ``density`` is kept weights / kernel size; graph sizes
    are after dropping isolated nodes (``n_in``/``n_out`` before); ``solver`` is what
    computed the whole-graph spectrum."""

    name: str
    kind: str
    shape: tuple[int, ...]
    density: float
    n_in: int
    n_out: int
    n_left: int
    n_right: int
    edges: int
    d_left: float
    d_right: float
    solver: str
    iclr: IclrMetrics
    neurips: NeuripsMetrics

    def metrics(self) -> dict[str, Metric]:
        """The scalar metrics by name (the keys of :data:`METRIC_COLUMNS`)."""
        i, n = self.iclr, self.neurips
        return {
            "density": self.density,
            "lambda1": i.lambda1,
            "mu": i.mu,
            "spectral_gap": i.spectral_gap,
            "spectral_gap_norm": i.spectral_gap_norm,
            "ramanujan_gap": i.ramanujan_gap,
            "ramanujan_gap_norm": i.ramanujan_gap_norm,
            "narc_as_coded": i.narc_as_coded,
            "narc_corrected": i.narc_corrected,
            "imdb": i.imdb,
            "weighted_gap": n.weighted_gap,
            "imdb_mask": n.imdb_mask,
            "imdb_weighted": n.imdb_weighted,
            "full_spectrum_norm": n.norm,
            "full_spectrum_norm_std": n.norm_std,
        }


def _report(
    name: str,
    shape: tuple[int, ...],
    kind: KernelKind,
    graph: BipartiteGraph,
    kept: int,
    iclr_rules: Validity,
    neurips_rules: Validity,
    solver: Solver,
) -> LayerReport:
    spec = graph_spectra(graph, (iclr_rules, neurips_rules), solver)
    return LayerReport(
        name=name,
        kind=kind,
        shape=shape,
        density=kept / max(math.prod(shape), 1),
        n_in=graph.n_in,
        n_out=graph.n_out,
        n_left=graph.n_left,
        n_right=graph.n_right,
        edges=graph.edges,
        d_left=graph.d_left,
        d_right=graph.d_right,
        solver=spec.solver,
        iclr=iclr_metrics(spec, iclr_rules),
        neurips=neurips_metrics(spec, neurips_rules),
    )


def layer_report(
    mask: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    kind: KernelKind | None = None,
    name: str = "layer",
    iclr_rules: Validity = ICLR_RULES,
    neurips_rules: Validity = NEURIPS_RULES,
    solver: Solver = "auto",
) -> LayerReport:
    """Score one kernel (see :func:`bipartite_graph` for ``mask``/``weights``/``kind``).

    ``iclr_rules=RELAXED_RULES`` relaxes the ICLR validity (``d_r > 1``, groups of 2).
    """
    graph = bipartite_graph(mask, weights, kind)  # raises when both are None
    shape = tuple(np.shape(mask if mask is not None else weights))  # type: ignore[arg-type]
    return _report(name, shape, kind or infer_kind(shape), graph, graph.edges, iclr_rules, neurips_rules, solver)


@dataclass(frozen=True)
class NetworkReport:
    """Per-layer reports of a model and its network-level values."""

    name: str
    layers: tuple[LayerReport, ...]

    @property
    def mean_layer_density(self) -> float:
        """Plain mean of the per-layer densities: the control every metric must beat (on
        the ICLR authors' own data it ranks PaI methods as well as IMDB does)."""
        return float(np.mean([r.density for r in self.layers])) if self.layers else math.nan

    def mean(self, metric: str) -> Metric:
        """Unweighted mean of a :meth:`LayerReport.metrics` entry over the layers where it
        is defined (undefined when it is defined nowhere)."""
        vals = [v for r in self.layers if is_defined(v := r.metrics()[metric])]
        return float(np.mean(vals)) if vals else Undefined(f"{metric} is undefined in every layer")

    def full_spectrum_norm(self, standardised: bool = False) -> Metric:
        """Network ``F``: mean over layers of the per-layer norm, a layer whose graph is
        invalid counting as 0 (the coordinate is zero-filled by definition)."""
        vals = [r.neurips.norm_std if standardised else r.neurips.norm for r in self.layers]
        if not vals or any(not r.neurips.has_weights for r in self.layers):
            return Undefined("F needs the weights of every layer")
        return float(np.mean([value_or(v, 0.0) for v in vals]))

    def summary(self) -> dict[str, Metric]:
        """Network values: means over defined layers, F and F_std as above, and the
        mean layer density control."""
        out: dict[str, Metric] = {k: self.mean(k) for k in METRIC_COLUMNS if k != "density"}
        out["full_spectrum_norm"] = self.full_spectrum_norm()
        out["full_spectrum_norm_std"] = self.full_spectrum_norm(standardised=True)
        out["mean_layer_density"] = self.mean_layer_density
        return out


def _kernels(source: Any, drop_quantized_zeros: bool) -> tuple[str, list[LayerKernel]]:
    from hlsflow.ir.graph import Graph

    if isinstance(source, Mapping):
        out = []
        for name, item in source.items():
            if isinstance(item, LayerKernel):
                out.append(item)
            elif isinstance(item, tuple):
                out.append(
                    LayerKernel(str(name), np.asarray(item[0]), None if item[1] is None else np.asarray(item[1]))
                )
            else:
                arr = np.asarray(item)
                # A boolean array is a mask; numbers are weights whose zeros are pruned.
                out.append(
                    LayerKernel(str(name), arr, None) if arr.dtype == bool else LayerKernel(str(name), arr != 0, arr)
                )
        return "model", out
    if isinstance(source, Iterable) and not isinstance(source, (str, bytes)) and not isinstance(source, Graph):
        items = list(source)
        if all(isinstance(k, LayerKernel) for k in items):
            return "model", items
    if not isinstance(source, Graph):
        from hlsflow.loader import load_graph

        source = load_graph(source)
    return source.name, kernels_from_graph(source, drop_quantized_zeros)


def spectral_report(
    source: Any,
    *,
    name: str | None = None,
    iclr_rules: Validity = ICLR_RULES,
    neurips_rules: Validity = NEURIPS_RULES,
    solver: Solver = "auto",
    drop_quantized_zeros: bool = True,
) -> NetworkReport:
    """Score every prunable layer of ``source``: an hlsflow IR graph, anything
    :func:`hlsflow.loader.load_graph` reads (a Keras/QKeras model, ``.h5`` path), a
    sequence of :class:`LayerKernel`, or a mapping ``name -> kernel``, where a kernel is a
    boolean mask, a weight array (zeros pruned), a ``(mask, weights)`` pair or a
    :class:`LayerKernel`. Conv kernels are recognised by rank; give depthwise ones as
    ``LayerKernel(..., kind="depthwise")``."""
    model, kernels = _kernels(source, drop_quantized_zeros)
    reports = []
    for k in kernels:
        graph = bipartite_graph(k.mask, k.weights, k.kind)
        shape = tuple(np.shape(k.mask))
        kept = int(np.count_nonzero(k.mask))
        reports.append(
            _report(k.name, shape, k.kind or infer_kind(shape), graph, kept, iclr_rules, neurips_rules, solver)
        )
    return NetworkReport(name or model, tuple(reports))


__all__ = [
    "DENSE_MAX_ELEMENTS",
    "GRAM_MAX_SIDE",
    "ICLR_RULES",
    "LANCZOS_TOL",
    "LINEAR_KINDS",
    "METRIC_COLUMNS",
    "NEURIPS_RULES",
    "RELAXED_RULES",
    "BipartiteGraph",
    "GraphSpectra",
    "GroupSpectrum",
    "IclrMetrics",
    "KernelKind",
    "LayerKernel",
    "LayerReport",
    "Metric",
    "NetworkReport",
    "NeuripsMetrics",
    "SingularValues",
    "Solver",
    "SpectralError",
    "Undefined",
    "Validity",
    "bipartite_graph",
    "choose_solver",
    "degree_groups",
    "format_table",
    "graph_spectra",
    "iclr_metrics",
    "infer_kind",
    "is_defined",
    "kernels_from_graph",
    "layer_report",
    "neurips_metrics",
    "plot_report",
    "ramanujan_bound",
    "spectral_report",
    "top_singular_values",
    "value_or",
]
