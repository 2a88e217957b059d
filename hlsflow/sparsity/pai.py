"""Pruning at initialisation (PaI) for tf_keras / QKeras models: one API for random, ERK,
magnitude, SNIP, iterSNIP, GraSP, SynFlow and the full-spectrum sampler.

    from hlsflow.sparsity.pai import prune_at_init, run_pai, apply_masks
    masks = prune_at_init(model, method="snip", density=0.05, data=(x, y), seed=0)
    apply_masks(model, masks)                     # zero the pruned kernel weights
    res = run_pai(model, method="erk", density=0.05)
    print(res.summary.format())                   # per-layer and achieved global density

Prunable weights are the kernels of Dense / Conv / DepthwiseConv2D layers and their QKeras
versions (:func:`prunable_kernels`); biases stay. ``density`` is the fraction of all
prunable weights kept. Unless stated, a method scores every weight and keeps the
``k = round(density * N)`` best over the whole network (global top-k, exactly ``k``):

``random``
    every layer keeps the same fraction ``density`` of its weights, at random positions.
``erk``
    Erdos-Renyi-kernel: layer ``l`` keeps ``min(1, eps * sum(dims_l) / prod(dims_l))``
    of its weights at random positions, ``eps`` solved for the global density with
    saturated layers made dense (:func:`erk_densities`).
    Both random methods apportion exact per-layer counts summing to ``k`` (largest
    remainders); ``exact=False`` draws every weight independently (Bernoulli) instead.
``magnitude``
    ``|theta|``.
``snip`` / ``itersnip``
    ``|g * theta|`` over ``num_batches`` mini-batches; iterSNIP repeats it ``rounds``
    times (default 5) on the masked network, keeping ``density ** (t / T)`` at round ``t``.
``grasp``
    ``theta * H g`` with logits / 200, the largest kept.
``synflow``
    ``|dR/dtheta * theta|`` of the positive linearised network, ``rounds`` times
    (default 100) with ``density ** (t / T)``; data-free. Needs a single chain of layers.
``fullspectrum``
    the sampler of :mod:`hlsflow.sparsity.pai_sampler` around ``base`` (default snip):
    ``population`` extra draws, per-layer merge on ``(IMDB_mask, F)``, drift reported
    and, with ``rebalance=True``, corrected to exactly ``k``. Draws of the data methods
    use fresh mini-batches; draws of magnitude and SynFlow (deterministic for fixed
    weights) score a random within-layer permutation of the initial kernels, i.e. a
    fresh i.i.d. initialisation; the masks are always scored against the model's own
    weights. For magnitude that makes the draws random masks with magnitude's layer
    allocation: read its sampler results with that in mind.

Scores come from :mod:`hlsflow.sparsity.pai_scores` (gradients via ``tf.GradientTape``);
the model's weights are never changed (use :func:`apply_masks`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from hlsflow.sparsity.pai_alloc import (
    MaskDensity,
    PruningError,
    check_density,
    erk_densities,
    frozen_masks,
    global_topk,
    iterative_densities,
    keep_count,
    mask_density,
    random_masks,
    restrict,
)
from hlsflow.sparsity.pai_keras import PrunableKernel, apply_masks, kernel_shapes, minibatches, prunable_kernels
from hlsflow.sparsity.pai_sampler import SamplerReport, full_spectrum_sample
from hlsflow.sparsity.pai_scores import grasp_scores, magnitude_scores, snip_scores, synflow_scores

Method = Literal["random", "erk", "magnitude", "snip", "itersnip", "grasp", "synflow", "fullspectrum"]
METHODS: tuple[str, ...] = ("random", "erk", "magnitude", "snip", "itersnip", "grasp", "synflow", "fullspectrum")
DATA_METHODS = frozenset({"snip", "itersnip", "grasp"})
DEFAULT_ROUNDS = {"itersnip": 5, "synflow": 100}
Data = tuple[np.ndarray, np.ndarray]  # (inputs, integer or one-hot labels)
#: what one method run yields: masks, the scores behind them, the density after each round
Outcome = tuple[dict[str, np.ndarray], dict[str, np.ndarray], list[float]]


@dataclass(frozen=True)
class PaiOptions:
    """Knobs of :func:`run_pai` (defaults follow the papers where they say).

    ``batch_size`` x ``num_batches`` samples feed SNIP / iterSNIP / GraSP;
    ``rounds`` is T of iterSNIP (5) and SynFlow (100) when None; ``temperature`` is
    GraSP's; ``exact`` picks exact per-layer counts for random / ERK; the sampler takes
    ``base``, ``population``, ``rebalance`` and ``standardised`` (use the standardised F
    and IMDB_mask)."""

    batch_size: int = 64
    num_batches: int = 4
    rounds: int | None = None
    temperature: float = 200.0
    exact: bool = True
    base: str = "snip"
    population: int = 100
    rebalance: bool = False
    standardised: bool = False


@dataclass(frozen=True)
class PaiResult:
    """Masks of one PaI run and how they came out.

    ``rounds`` lists the global density after each pruning round of an iterative method
    (a single entry otherwise); ``sampler`` is set for the full-spectrum sampler."""

    method: str
    target_density: float
    masks: Mapping[str, np.ndarray]
    rounds: tuple[float, ...]
    seconds: float
    sampler: SamplerReport | None = None

    @property
    def summary(self) -> MaskDensity:
        return mask_density(self.masks)

    @property
    def density(self) -> float:
        """The achieved global density."""
        return self.summary.density

    @property
    def layer_density(self) -> dict[str, float]:
        return self.summary.layer_density


class _Pruner:
    """One PaI request: the model's kernels, the data, and the method dispatch."""

    def __init__(self, model: Any, data: Any, seed: int, opts: PaiOptions) -> None:
        self.model = model
        self.kernels: list[PrunableKernel] = prunable_kernels(model)
        self.shapes = kernel_shapes(self.kernels)
        self.total = sum(int(np.prod(s)) for s in self.shapes.values())
        self.data = data
        self.seed = seed
        self.opts = opts

    def rng(self, draw: int, salt: int = 0) -> np.random.Generator:
        return np.random.default_rng([self.seed, draw, salt])

    def batches(self, draw: int, salt: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
        if self.data is None:
            raise PruningError("this method needs data: pass data=(x, y)")
        return minibatches(self.data, self.opts.batch_size, self.opts.num_batches, self.rng(draw, salt))

    def permuted(self, draw: int) -> dict[str, np.ndarray] | None:
        """Kernels shuffled within each layer (a fresh i.i.d. initialisation); None for
        draw 0, which uses the model's own kernels."""
        if draw == 0:
            return None
        rng = self.rng(draw, 7)
        return {k.name: rng.permutation(k.value.reshape(-1)).reshape(k.shape) for k in self.kernels}

    # -- methods: each returns (masks, scores used, densities per round) ------------------
    def random_like(self, method: str, density: float, draw: int) -> Outcome:
        rng = self.rng(draw)
        layer_d = erk_densities(self.shapes, density) if method == "erk" else dict.fromkeys(self.shapes, density)
        masks = random_masks(self.shapes, layer_d, rng, self.opts.exact, keep_count(density, self.total))
        scores = {n: rng.random(s) for n, s in self.shapes.items()}
        return masks, scores, [mask_density(masks).density]

    def one_shot(self, method: str, density: float, draw: int) -> Outcome:
        if method == "magnitude":
            scores = magnitude_scores(self.kernels, self.permuted(draw))
        elif method == "snip":
            scores = snip_scores(self.model, self.kernels, self.batches(draw))
        else:
            scores = grasp_scores(self.model, self.kernels, self.batches(draw), self.opts.temperature)
        masks = global_topk(scores, keep_count(density, self.total), self.rng(draw, 1))
        return masks, scores, [mask_density(masks).density]

    def iterative(self, method: str, density: float, draw: int) -> Outcome:
        rounds = self.opts.rounds or DEFAULT_ROUNDS[method]
        masks: dict[str, np.ndarray] | None = None
        values = self.permuted(draw) if method == "synflow" else None
        trace: list[float] = []
        scores: dict[str, np.ndarray] = {}
        for t, d in enumerate(iterative_densities(density, rounds)):
            if method == "synflow":
                scores = synflow_scores(self.model, self.kernels, masks, values)
            else:
                scores = snip_scores(self.model, self.kernels, self.batches(draw, t), masks)
            masks = global_topk(restrict(scores, masks), keep_count(d, self.total), self.rng(draw, 1 + t))
            trace.append(mask_density(masks).density)
        assert masks is not None
        return masks, scores, trace

    def run(self, method: str, density: float, draw: int = 0) -> Outcome:
        if method in ("random", "erk"):
            return self.random_like(method, density, draw)
        if method in ("magnitude", "snip", "grasp"):
            return self.one_shot(method, density, draw)
        if method in ("itersnip", "synflow"):
            return self.iterative(method, density, draw)
        raise PruningError(f"unknown PaI method {method!r}; choose from {', '.join(METHODS)}")


def run_pai(
    model: Any,
    method: str = "magnitude",
    density: float = 0.1,
    data: Data | None = None,
    seed: int = 0,
    options: PaiOptions | None = None,
) -> PaiResult:
    """Masks for ``model`` by ``method`` at global ``density`` (see the module docstring),
    with the achieved densities. ``data = (x, y)`` (integer or one-hot labels) is needed
    by snip, itersnip, grasp and a sampler around them. Deterministic for a given
    ``seed``."""
    opts = options or PaiOptions()
    d = check_density(density)
    method = method.lower()
    pr = _Pruner(model, data, seed, opts)
    start = time.perf_counter()
    if method != "fullspectrum":
        masks, _, trace = pr.run(method, d)
        return PaiResult(method, d, frozen_masks(masks), tuple(trace), time.perf_counter() - start)
    base = opts.base.lower()
    if base == "fullspectrum":
        raise PruningError("the full-spectrum sampler needs another method as its base")

    def draw(t: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        masks, scores, _ = pr.run(base, d, t)
        return masks, scores

    weights = {k.name: k.value for k in pr.kernels}
    kinds = {k.name: k.kind for k in pr.kernels}
    masks, report = full_spectrum_sample(
        draw,
        weights,
        kinds,
        keep_count(d, pr.total),
        opts.population,
        do_rebalance=opts.rebalance,
        standardised=opts.standardised,
        rng=pr.rng(0, 99),
    )
    return PaiResult(
        f"fullspectrum({base})", d, frozen_masks(masks), (report.density,), time.perf_counter() - start, report
    )


def prune_at_init(
    model: Any, method: str = "magnitude", density: float = 0.1, data: Data | None = None, seed: int = 0, **options: Any
) -> dict[str, np.ndarray]:
    """``{layer name: boolean mask}`` for ``model``; ``options`` are the fields of
    :class:`PaiOptions` (e.g. ``population=50, rebalance=True`` for the sampler). Use
    :func:`run_pai` for the densities and the sampler's report."""
    res = run_pai(model, method, density, data, seed, PaiOptions(**options))
    return {k: np.array(v) for k, v in res.masks.items()}


def kernel_values(model: Any) -> dict[str, np.ndarray]:
    """The prunable kernels' current values by layer name."""
    return {k.name: k.value for k in prunable_kernels(model)}


__all__ = [
    "DATA_METHODS",
    "METHODS",
    "MaskDensity",
    "Method",
    "PaiOptions",
    "PaiResult",
    "PruningError",
    "SamplerReport",
    "apply_masks",
    "erk_densities",
    "kernel_values",
    "mask_density",
    "prunable_kernels",
    "prune_at_init",
    "run_pai",
]
