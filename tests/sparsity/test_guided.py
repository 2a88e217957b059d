"""Spectral-gap-guided pruning: on a constructed layer whose magnitudes favour four
disjoint blocks, magnitude pruning leaves a non-Ramanujan graph (Delta_r < 0) while the
guided selector, choosing among the near-equal magnitudes, keeps Delta_r >= 0; counts
stay exact, weights outside the band are treated as magnitude treats them, and the
selector runs inside the QAP loop."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from hlsflow.sparsity.guided import GuidedSelector, edge_coordinates, guided_masks, layer_gap
from hlsflow.sparsity.qap_schedule import GlobalRequest, MagnitudeSelector
from hlsflow.sparsity.spectral_graph import bipartite_graph


def blocky(n: int = 32, blocks: int = 4, seed: int = 1) -> np.ndarray:
    """Weights 1.00-1.01 everywhere, +0.05 on ``blocks`` diagonal blocks: at density
    1/blocks magnitude keeps exactly the blocks, a disjoint union of complete K_{b,b}
    (sigma_2 = sigma_1 = b, beyond the bound 2 sqrt(b - 1))."""
    w = 1.0 + 0.01 * np.random.default_rng(seed).random((n, n))
    b = n // blocks
    for i in range(blocks):
        w[i * b : (i + 1) * b, i * b : (i + 1) * b] += 0.05
    return w


def test_guided_keeps_ramanujan_where_magnitude_does_not() -> None:
    w = blocky()
    full = np.ones_like(w, dtype=bool)
    keep = 256
    mag = MagnitudeSelector().select_layer(w, full, keep, "dense")
    g_mag = layer_gap(mag, "dense")
    assert g_mag.ramanujan_gap is not None and g_mag.ramanujan_gap < 0
    assert g_mag.ramanujan_gap == pytest.approx(2 * np.sqrt(7) - 8)  # 4 x K_{8,8}
    guided = GuidedSelector(tolerance=0.1).select_layer(w, full, keep, "dense")
    g = layer_gap(guided, "dense")
    assert guided.sum() == keep
    assert g.ramanujan_gap is not None and g.ramanujan_gap >= 0
    assert g.imdb is not None and g.imdb > g_mag.imdb
    # no node cut off: every input and output still has a kept weight
    assert guided.any(axis=1).all() and guided.any(axis=0).all()


def test_global_guided_masks_exact_count_and_band() -> None:
    """Two layers pruned together: the exact global count, never a revived weight, and
    outside the magnitude band the same decisions as magnitude."""
    rng = np.random.default_rng(2)
    w = {"blk": blocky(), "rnd": rng.uniform(0.5, 1.5, (24, 16))}
    masks = {"blk": np.ones((32, 32), bool), "rnd": rng.random((24, 16)) < 0.9}
    kinds = {"blk": "dense", "rnd": "dense"}
    alive = sum(int(m.sum()) for m in masks.values())
    keep = alive // 3
    sel = GuidedSelector(tolerance=0.1)
    res = guided_masks(w, masks, keep, kinds, sel)
    assert sum(int(m.sum()) for m in res.masks.values()) == keep
    assert all(np.all(masks[n] | ~res.masks[n]) for n in masks)
    mag = MagnitudeSelector().select_global(GlobalRequest(w, masks, keep, kinds))
    allm = np.sort(np.concatenate([np.abs(w[n][masks[n]]) for n in w]))
    t = allm[alive - keep - 1]
    for n in w:
        outside = masks[n] & ((np.abs(w[n]) < t * 0.9) | (np.abs(w[n]) > t * 1.1))
        assert np.array_equal(res.masks[n][outside], mag[n][outside]), n
    assert "guided pruning" in res.format()
    assert res.layers[0].gap.ramanujan_gap is not None and res.layers[0].gap.ramanujan_gap >= 0
    assert select_global_matches(sel, w, masks, keep, kinds, res.masks)


def select_global_matches(sel: GuidedSelector, w: Any, masks: Any, keep: int, kinds: Any, want: Any) -> bool:
    got = sel.select_global(GlobalRequest(w, masks, keep, kinds))
    return all(np.array_equal(got[n], want[n]) for n in want)


def test_zero_tolerance_is_magnitude() -> None:
    rng = np.random.default_rng(3)
    w = rng.standard_normal((20, 12))
    m = rng.random((20, 12)) < 0.8
    got = GuidedSelector(tolerance=0.0).select_layer(w, m, 60, "dense")
    assert np.array_equal(got, MagnitudeSelector().select_layer(w, m, 60, "dense"))


def test_edge_coordinates_match_the_spectral_graph() -> None:
    rng = np.random.default_rng(4)
    for shape, kind in (((3, 3, 4, 2), "depthwise"), ((3, 3, 2, 5), "conv"), ((7, 6), "dense")):
        mask = rng.random(shape) < 0.5
        rows, cols, n_rows, n_cols = edge_coordinates(np.flatnonzero(mask), shape, kind)
        b = np.zeros((n_rows, n_cols))
        b[rows, cols] = 1
        g = bipartite_graph(mask, None, kind)  # type: ignore[arg-type]
        want = np.zeros((n_rows, n_cols))
        want[np.ix_(g.left_index, g.right_index)] = g.binary.toarray()
        assert np.array_equal(b, want), kind


@pytest.mark.keras
def test_guided_selector_inside_iterative_qap(K: Any, Q: Any, digits: Any) -> None:
    from hlsflow.sparsity.qap import TrainConfig, iterative_pruning

    x, y = digits
    K.utils.set_random_seed(0)
    q = "quantized_bits(6,0,alpha=1)"
    m = K.Sequential(
        [
            K.layers.InputLayer((64,)),
            Q.QDense(24, kernel_quantizer=q, name="fc0"),
            Q.QActivation("quantized_relu(6)"),
            Q.QDense(10, kernel_quantizer=q, name="fc1"),
        ]
    )
    res = iterative_pruning(
        m,
        (x[:256], y[:256]),
        sparsities=(0.0, 0.5),
        config=TrainConfig(epochs=1, patience=0),
        selector=GuidedSelector(),
    )
    assert res.selector == "guided"
    assert res.final.mask_sparsity == pytest.approx(0.5, abs=1e-3)
    assert np.all(m.get_layer("fc0").kernel.numpy()[~res.masks["fc0"]] == 0)
