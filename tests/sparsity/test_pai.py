"""Pruning at initialisation: allocation formulas, exact densities, every method's score
against a hand computation on a tiny model, iterative schedules, and the full-spectrum
sampler's merge rule and drift report."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from hlsflow.sparsity.pai_alloc import (
    PruningError,
    apportion,
    erk_densities,
    global_topk,
    iterative_densities,
    keep_count,
    mask_density,
    random_masks,
    rebalance,
)
from hlsflow.sparsity.pai_sampler import full_spectrum_sample, layer_point

keras = pytest.mark.keras
MLP_SHAPES = {"fc1": (64, 256), "fc2": (256, 128), "out": (128, 10)}


# -- allocation (numpy only) -----------------------------------------------------------------
def test_erk_allocation_formula() -> None:
    n = {k: math.prod(s) for k, s in MLP_SHAPES.items()}
    raw = {k: sum(s) / math.prod(s) for k, s in MLP_SHAPES.items()}
    d = erk_densities(MLP_SHAPES, 0.05)
    eps = 0.05 * sum(n.values()) / sum(raw[k] * n[k] for k in n)  # no layer saturates at 5%
    for k in n:
        assert d[k] == pytest.approx(eps * raw[k])
    assert sum(d[k] * n[k] for k in n) == pytest.approx(0.05 * sum(n.values()))
    # at 50% the 128x10 layer would exceed 1: it becomes dense and eps is re-solved
    d = erk_densities(MLP_SHAPES, 0.5)
    assert d["out"] == 1.0
    eps = (0.5 * sum(n.values()) - n["out"]) / (raw["fc1"] * n["fc1"] + raw["fc2"] * n["fc2"])
    assert d["fc1"] == pytest.approx(eps * raw["fc1"]) and d["fc2"] == pytest.approx(eps * raw["fc2"])
    assert sum(d[k] * n[k] for k in n) == pytest.approx(0.5 * sum(n.values()))
    assert erk_densities(MLP_SHAPES, 1.0) == dict.fromkeys(MLP_SHAPES, 1.0)


def test_exact_counts_and_topk() -> None:
    assert apportion([1.5, 2.5, 3.0], [10, 10, 10], 7) == [2, 2, 3]
    assert apportion([5.0, 0.4], [3, 10], 3) == [3, 0]
    with pytest.raises(PruningError):
        apportion([1.0], [1], 2)
    rng = np.random.default_rng(0)
    for density in (0.02, 0.05, 0.1, 0.37):
        k = keep_count(density, 50432)
        layer_d = erk_densities(MLP_SHAPES, density)
        masks = random_masks(MLP_SHAPES, layer_d, rng, exact=True, total_keep=k)
        assert sum(int(m.sum()) for m in masks.values()) == k
        for name, m in masks.items():  # each layer within one weight of its ERK quota
            assert abs(m.sum() - layer_d[name] * m.size) < 1.0
    scores = {n: rng.standard_normal(s) for n, s in MLP_SHAPES.items()}
    top = global_topk(scores, 1000)
    assert sum(int(m.sum()) for m in top.values()) == 1000
    kept = np.concatenate([scores[n][top[n]] for n in scores])
    dropped = np.concatenate([scores[n][~top[n]] for n in scores])
    assert kept.min() >= dropped.max()
    assert iterative_densities(0.01, 2) == pytest.approx((0.1, 0.01))
    with pytest.raises(PruningError):
        keep_count(0.0, 10)


def test_rebalance_hits_the_count_and_respects_scores() -> None:
    rng = np.random.default_rng(1)
    scores = {n: rng.random(s) for n, s in MLP_SHAPES.items()}
    masks = random_masks(MLP_SHAPES, dict.fromkeys(MLP_SHAPES, 0.1), rng)
    for k in (3000, 7000):
        out = rebalance(masks, scores, k)
        assert sum(int(m.sum()) for m in out.values()) == k
        if k < mask_density(masks).density * 50432:  # only removals: a subset of the old mask
            assert all(np.all(masks[n] | ~out[n]) for n in out)
        else:  # only additions: a superset
            assert all(np.all(out[n] | ~masks[n]) for n in out)


def test_sampler_merge_rule_and_drift() -> None:
    """A fake base method: layer masks of random density; the merge keeps, per layer, a
    mask dominating on (IMDB_mask, F), and reports the drift it causes."""
    shapes = {"a": (40, 30), "b": (30, 20)}
    w = {n: np.random.default_rng(2).standard_normal(s) for n, s in shapes.items()}
    kinds = dict.fromkeys(shapes, "dense")
    draws: dict[int, dict[str, np.ndarray]] = {}

    def draw(t: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        rng = np.random.default_rng(t)
        dens = {n: rng.uniform(0.15, 0.45) for n in shapes}
        draws[t] = random_masks(shapes, dens, rng)
        return draws[t], {n: rng.random(s) for n, s in shapes.items()}

    target = 400
    masks, rep = full_spectrum_sample(draw, w, kinds, target, population=12)
    # replay the rule by hand
    best = {n: draws[0][n] for n in shapes}
    pts = {n: layer_point(best[n], w[n], "dense") for n in shapes}
    for t in range(1, 13):
        for n in shapes:
            p = layer_point(draws[t][n], w[n], "dense")
            if p.imdb_mask >= pts[n].imdb_mask and p.norm >= pts[n].norm:
                best[n], pts[n] = draws[t][n], p
    for n in shapes:
        assert np.array_equal(masks[n], best[n])
        assert rep.best_points[n] == pts[n]
        assert rep.best_points[n].dominates(rep.base_points[n]) and rep.merged_points[n] == pts[n]
    assert rep.merged_density == pytest.approx(mask_density(best).density)
    assert rep.drift == pytest.approx(rep.merged_density - target / 1800)
    assert "drift" in rep.format()
    masks2, rep2 = full_spectrum_sample(draw, w, kinds, target, population=12, do_rebalance=True)
    assert sum(int(m.sum()) for m in masks2.values()) == target and rep2.rebalanced
    assert rep2.density == pytest.approx(target / 1800) and rep2.merged_density == rep.merged_density


# -- Keras models ------------------------------------------------------------------------------
def _dense(K: Any, sizes: tuple[int, ...], softmax: bool = True, relu: bool = False, seed: int = 0) -> Any:
    K.utils.set_random_seed(seed)
    layers = [K.layers.InputLayer((sizes[0],))]
    for i, n in enumerate(sizes[1:]):
        last = i == len(sizes) - 2
        act = ("softmax" if softmax else None) if last else ("relu" if relu else None)
        layers.append(K.layers.Dense(n, activation=act, name=f"d{i}"))
    m = K.Sequential(layers)
    rng = np.random.default_rng(seed)
    m.set_weights([rng.uniform(-1, 1, w.shape).astype(np.float32) for w in m.get_weights()])
    return m


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@keras
def test_snip_score_by_hand(K: Any) -> None:
    from hlsflow.sparsity.pai_keras import prunable_kernels
    from hlsflow.sparsity.pai_scores import snip_scores

    m = _dense(K, (4, 3), softmax=False)
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((8, 4)).astype(np.float32), rng.integers(0, 3, 8)
    w, b = (v.astype(np.float64) for v in m.get_weights())
    p = _softmax(x @ w + b)
    g = x.T @ (p - np.eye(3)[y]) / len(x)  # dL/dW of the mean cross-entropy
    got = snip_scores(m, prunable_kernels(m), [(x, y)])["d0"]
    np.testing.assert_allclose(got, np.abs(g * w), rtol=1e-4, atol=1e-7)


@keras
def test_grasp_score_by_hand(K: Any) -> None:
    """Softmax output (swapped for logits inside), T = 200: for a linear softmax layer
    g = x^T (p - Y) / (N T) and H g = sum_n x_n (J_n x_n g) / (N T^2), J = diag(p) - p p^T."""
    from hlsflow.sparsity.pai_keras import prunable_kernels
    from hlsflow.sparsity.pai_scores import grasp_scores

    m = _dense(K, (4, 3), softmax=True)
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((6, 4)).astype(np.float32) * 20, rng.integers(0, 3, 6)
    w, b = (v.astype(np.float64) for v in m.get_weights())
    t, n = 200.0, len(x)
    p = _softmax((x @ w + b) / t)
    g = x.T @ (p - np.eye(3)[y]) / (n * t)
    hg = sum(np.outer(x[i], (np.diag(p[i]) - np.outer(p[i], p[i])) @ (x[i] @ g)) for i in range(n)) / (n * t * t)
    got = grasp_scores(m, prunable_kernels(m), [(x, y)], temperature=t)["d0"]
    np.testing.assert_allclose(got, w * hg, rtol=2e-3, atol=1e-12)
    assert m.layers[-1].activation.__name__ == "softmax"  # restored


@keras
def test_synflow_score_by_hand(K: Any) -> None:
    """|theta| everywhere, all-ones input, activations skipped: R = (1^T|A| + |a|)|B| 1 + ...,
    so score_A[i, j] = |A_ij| (|B| 1)_j and score_B[j, k] = |B_jk| h_j, h = 1^T |A| + |a|."""
    from hlsflow.sparsity.pai_keras import prunable_kernels
    from hlsflow.sparsity.pai_scores import synflow_scores

    m = _dense(K, (3, 4, 2), softmax=True, relu=True)
    a, ab, bk, _ = (np.abs(v.astype(np.float64)) for v in m.get_weights())
    h = a.sum(axis=0) + ab
    got = synflow_scores(m, prunable_kernels(m))
    np.testing.assert_allclose(got["d0"], a * bk.sum(axis=1)[None, :], rtol=1e-12)
    np.testing.assert_allclose(got["d1"], bk * h[:, None], rtol=1e-12)
    mask = {"d0": np.ones((3, 4), bool), "d1": np.ones((4, 2), bool)}
    mask["d0"][:, 1] = False  # hidden unit 1 gets no flow in, so its outgoing weights score 0
    got = synflow_scores(m, prunable_kernels(m), mask)
    assert np.all(got["d0"][:, 1] == 0)
    np.testing.assert_allclose(got["d1"][1], bk[1] * ab[1])


@keras
def test_every_method_hits_the_exact_global_density(K: Any) -> None:
    from hlsflow.sparsity.pai import METHODS, PaiOptions, kernel_values, run_pai

    m = _dense(K, (16, 24, 12, 5), relu=True)
    before = kernel_values(m)
    rng = np.random.default_rng(5)
    data = (rng.standard_normal((64, 16)).astype(np.float32), rng.integers(0, 5, 64))
    total = 16 * 24 + 24 * 12 + 12 * 5
    opts = PaiOptions(batch_size=16, num_batches=2, rounds=4, population=3, rebalance=True)
    for method in METHODS:
        res = run_pai(m, method, 0.2, data=data, seed=1, options=opts)
        k = keep_count(0.2, total)
        assert sum(int(v.sum()) for v in res.masks.values()) == k, method
        assert res.density == pytest.approx(k / total)
        if method == "random":  # the same fraction in every layer
            for name, d in res.layer_density.items():
                assert abs(d * res.masks[name].size - 0.2 * res.masks[name].size) < 1.0
        if method == "erk":
            want = erk_densities({n: v.shape for n, v in res.masks.items()}, 0.2)
            for name, d in res.layer_density.items():
                assert abs(d - want[name]) * res.masks[name].size < 1.0
    after = kernel_values(m)
    assert all(np.array_equal(before[n], after[n]) for n in before)  # PaI never edits the model
    again = run_pai(m, "snip", 0.2, data=data, seed=1, options=opts)
    assert all(
        np.array_equal(again.masks[n], run_pai(m, "snip", 0.2, data=data, seed=1, options=opts).masks[n])
        for n in again.masks
    )


@keras
def test_iterative_methods_follow_the_exponential_schedule(K: Any) -> None:
    from hlsflow.sparsity.pai import PaiOptions, run_pai

    m = _dense(K, (16, 24, 5), relu=True)
    rng = np.random.default_rng(6)
    data = (rng.standard_normal((64, 16)).astype(np.float32), rng.integers(0, 5, 64))
    total = 16 * 24 + 24 * 5
    for method, rounds in (("itersnip", 4), ("synflow", 6)):
        res = run_pai(m, method, 0.05, data=data, options=PaiOptions(batch_size=16, num_batches=1, rounds=rounds))
        want = [keep_count(0.05 ** (t / rounds), total) / total for t in range(1, rounds + 1)]
        assert res.rounds == pytest.approx(want), method
    one = run_pai(m, "snip", 0.05, data=data)
    assert len(one.rounds) == 1


@keras
def test_sampler_report_from_run_pai(K: Any) -> None:
    from hlsflow.sparsity.pai import PaiOptions, run_pai

    m = _dense(K, (32, 48, 10), relu=True)
    res = run_pai(m, "fullspectrum", 0.3, options=PaiOptions(base="erk", population=6, rebalance=False), seed=2)
    rep = res.sampler
    assert rep is not None and rep.population == 6 and not rep.rebalanced
    assert res.density == pytest.approx(rep.merged_density) == pytest.approx(rep.target_density + rep.drift)
    assert set(rep.replacements) == {"d0", "d1"}
    res2 = run_pai(m, "fullspectrum", 0.3, options=PaiOptions(base="erk", population=6, rebalance=True), seed=2)
    assert res2.sampler is not None and res2.sampler.merged_density == rep.merged_density
    assert sum(int(v.sum()) for v in res2.masks.values()) == keep_count(0.3, 32 * 48 + 48 * 10)
    with pytest.raises(PruningError):
        run_pai(m, "fullspectrum", 0.3, options=PaiOptions(base="fullspectrum"))


@keras
def test_qkeras_conv_and_depthwise_masks_apply(K: Any, Q: Any) -> None:
    from hlsflow.sparsity.pai import apply_masks, prunable_kernels, prune_at_init

    q = "quantized_bits(6,0,alpha=1)"
    m = K.Sequential(
        [
            K.layers.InputLayer((8, 8, 1)),
            Q.QConv2D(4, 3, kernel_quantizer=q, name="c1"),
            Q.QActivation("quantized_relu(6)", name="r1"),
            Q.QDepthwiseConv2D(3, depthwise_quantizer=q, depth_multiplier=2, name="dw"),
            K.layers.Flatten(),
            Q.QDense(5, kernel_quantizer=q, name="out"),
            K.layers.Activation("softmax"),
        ]
    )
    assert [(k.name, k.kind) for k in prunable_kernels(m)] == [("c1", "conv"), ("dw", "depthwise"), ("out", "dense")]
    rng = np.random.default_rng(7)
    data = (rng.random((32, 8, 8, 1)).astype(np.float32), rng.integers(0, 5, 32))
    for method in ("snip", "grasp", "synflow"):
        masks = prune_at_init(m, method, 0.25, data=data, rounds=3)
        assert sum(int(v.sum()) for v in masks.values()) == keep_count(0.25, 36 + 72 + 128 * 5)
    apply_masks(m, masks)
    assert np.all(m.get_layer("dw").depthwise_kernel.numpy()[~masks["dw"]] == 0)
    with pytest.raises(PruningError, match="needs data"):
        prune_at_init(m, "snip", 0.25)
    with pytest.raises(PruningError, match="missing"):
        apply_masks(m, {"c1": masks["c1"]})
