"""Sparsity toolkit: spectral metrics of pruned layers and bit-operation counts.

* :mod:`hlsflow.sparsity.spectral` -- each Dense/Conv/Depthwise kernel as a bipartite
  graph, scored with the ICLR 2023 and NeurIPS 2023 spectral metrics (Ramanujan gap,
  spectral-bound gap, NaRC, IMDB, weighted gap, full-spectrum coordinate), per layer and
  per network, as a table or a PNG plot.
* :mod:`hlsflow.sparsity.bops` -- BOPs (Baskin et al.) of dense layers and networks.

Importing this package is free: the names below resolve on first use, so scipy (and
matplotlib, for plots) load only when a metric is actually computed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "ICLR_RULES",
    "NEURIPS_RULES",
    "RELAXED_RULES",
    "LayerBops",
    "LayerKernel",
    "LayerReport",
    "NetworkReport",
    "Undefined",
    "Validity",
    "bipartite_graph",
    "dense_bops",
    "format_table",
    "iclr_metrics",
    "is_defined",
    "kept_fraction",
    "layer_report",
    "mlp_bops",
    "neurips_metrics",
    "plot_report",
    "spectral_report",
    "top_singular_values",
]
_BOPS = frozenset({"LayerBops", "dense_bops", "kept_fraction", "mlp_bops"})

if TYPE_CHECKING:
    from hlsflow.sparsity.bops import LayerBops, dense_bops, kept_fraction, mlp_bops
    from hlsflow.sparsity.spectral import (
        ICLR_RULES,
        NEURIPS_RULES,
        RELAXED_RULES,
        LayerKernel,
        LayerReport,
        NetworkReport,
        Undefined,
        Validity,
        bipartite_graph,
        format_table,
        iclr_metrics,
        is_defined,
        layer_report,
        neurips_metrics,
        plot_report,
        spectral_report,
        top_singular_values,
    )


def __getattr__(attr: str) -> Any:
    if attr not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")
    found = getattr(importlib.import_module(f"{__name__}.{'bops' if attr in _BOPS else 'spectral'}"), attr)
    globals()[attr] = found  # later lookups skip this hook
    return found
