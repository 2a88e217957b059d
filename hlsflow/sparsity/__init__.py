"""Sparsity toolkit: spectral metrics of pruned layers and bit-operation counts.

* :mod:`hlsflow.sparsity.spectral` -- each Dense/Conv/Depthwise kernel as a bipartite
  graph, scored with the ICLR 2023 and NeurIPS 2023 spectral metrics (Ramanujan gap,
  spectral-bound gap, NaRC, IMDB, weighted gap, full-spectrum coordinate), per layer and
  per network, as a table or a PNG plot.
* :mod:`hlsflow.sparsity.bops` -- BOPs (Baskin et al.) of dense layers and networks.
* :mod:`hlsflow.sparsity.pai` -- pruning at initialisation of tf_keras / QKeras models
  (random, ERK, magnitude, SNIP, iterSNIP, GraSP, SynFlow, full-spectrum sampler).
* :mod:`hlsflow.sparsity.qap` -- quantisation-aware pruning (per-layer schedules, global
  iterative magnitude pruning with fine-tune or rewind), zeros after quantisation, BOPs.
* :mod:`hlsflow.sparsity.guided` -- spectral-gap-guided pruning (a QAP mask selector).

Importing this package is free: the names below resolve on first use, so scipy (and
matplotlib, for plots) load only when a metric is actually computed, and TensorFlow only
when a pruning function that needs it is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Pruning names -> the module that defines them (loaded on first use).
_PRUNING = {
    "PS_AND_QS_SPARSITIES": "qap_schedule",
    "ConstantSparsity": "qap_schedule",
    "PolynomialDecay": "qap_schedule",
    "MagnitudeSelector": "qap_schedule",
    "MaskDensity": "pai_alloc",
    "PruningError": "pai_alloc",
    "erk_densities": "pai_alloc",
    "mask_density": "pai_alloc",
    "GuidedSelector": "guided",
    "guided_masks": "guided",
    "layer_gap": "guided",
    "PaiOptions": "pai",
    "PaiResult": "pai",
    "apply_masks": "pai",
    "prune_at_init": "pai",
    "run_pai": "pai",
    "MaskCallback": "qap",
    "ScheduledPruning": "qap",
    "TrainConfig": "qap",
    "iterative_pruning": "qap",
    "prune_with_schedule": "qap",
    "sparsity_report": "qap",
}

__all__ = [
    "PS_AND_QS_SPARSITIES",
    "ConstantSparsity",
    "GuidedSelector",
    "MagnitudeSelector",
    "MaskCallback",
    "MaskDensity",
    "PaiOptions",
    "PaiResult",
    "PolynomialDecay",
    "PruningError",
    "ScheduledPruning",
    "TrainConfig",
    "apply_masks",
    "erk_densities",
    "guided_masks",
    "iterative_pruning",
    "layer_gap",
    "mask_density",
    "prune_at_init",
    "prune_with_schedule",
    "run_pai",
    "sparsity_report",
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
    from hlsflow.sparsity.guided import GuidedSelector, guided_masks, layer_gap
    from hlsflow.sparsity.pai import PaiOptions, PaiResult, apply_masks, prune_at_init, run_pai
    from hlsflow.sparsity.pai_alloc import MaskDensity, PruningError, erk_densities, mask_density
    from hlsflow.sparsity.qap import (
        MaskCallback,
        ScheduledPruning,
        TrainConfig,
        iterative_pruning,
        prune_with_schedule,
        sparsity_report,
    )
    from hlsflow.sparsity.qap_schedule import PS_AND_QS_SPARSITIES, ConstantSparsity, MagnitudeSelector, PolynomialDecay
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
    home = _PRUNING.get(attr) or ("bops" if attr in _BOPS else "spectral")
    found = getattr(importlib.import_module(f"{__name__}.{home}"), attr)
    globals()[attr] = found  # later lookups skip this hook
    return found
