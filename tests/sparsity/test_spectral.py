"""Spectral sparsity metrics: the check vectors of SPARSITY.md, the layer -> graph
mapping, solver agreement on random masks, undefined cases, reports and outputs."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hlsflow.ir.constant import Constant
from hlsflow.ir.graph import Graph
from hlsflow.ir.ops.conv2d import Conv2D
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.ops.depthwise_conv2d import DepthwiseConv2D
from hlsflow.ir.ops.flatten import Flatten
from hlsflow.ir.ops.pointwise_conv import PointwiseConv
from hlsflow.ir.types import FixedType, FloatType, TensorType
from hlsflow.sparsity import spectral as S


def mask_a() -> np.ndarray:
    """SPARSITY.md's Mask A: 12 inputs x 8 outputs, input i -> outputs i, i+1, i+3 mod 8."""
    m = np.zeros((12, 8), dtype=bool)
    for i in range(12):
        for d in (0, 1, 3):
            m[i, (i + d) % 8] = True
    return m


def adjacency(b: np.ndarray) -> np.ndarray:
    nl, nr = b.shape
    return np.block([[np.zeros((nl, nl)), b], [b.T, np.zeros((nr, nr))]])


# -- check vectors ----------------------------------------------------------------------------
def test_k27_64_check_vector() -> None:
    r = S.layer_report(np.ones((27, 64), dtype=bool))
    assert r.iclr.lambda1 == pytest.approx(41.569, abs=5e-4)
    assert r.iclr.mu == pytest.approx(0.0, abs=5e-4)
    assert r.iclr.ramanujan_gap == pytest.approx(13.036, abs=5e-4)
    assert r.iclr.spectral_gap == pytest.approx(12.739, abs=5e-4)
    assert r.iclr.is_ramanujan is True


def test_mask_a_adjacency_spectrum() -> None:
    b = mask_a().astype(float)
    top = np.sort(np.abs(np.linalg.eigvalsh(adjacency(b))))[::-1][:3]
    np.testing.assert_allclose(top, [3.767778, 3.767778, 2.175328], atol=5e-7)
    g = S.bipartite_graph(mask_a())
    for solver in ("svd", "gram", "lanczos", "svds", "adjacency"):
        np.testing.assert_allclose(S.top_singular_values(g.binary, 2, solver).values, [3.767778, 2.175328], atol=5e-7)


def test_mask_a_iclr_check_vector() -> None:
    i = S.layer_report(mask_a()).iclr
    assert i.spectral_gap == pytest.approx(1.152000, abs=5e-7)
    assert i.spectral_gap_norm == pytest.approx(0.346224, abs=5e-7)
    assert i.ramanujan_gap == pytest.approx(1.109715, abs=5e-7)
    assert i.ramanujan_gap_norm == pytest.approx(0.337808, abs=5e-7)
    assert i.narc_as_coded == pytest.approx(-0.152197, abs=5e-7)
    assert i.imdb == pytest.approx(0.337808, abs=5e-7)
    assert i.imdb == pytest.approx(i.ramanujan_gap_norm, abs=1e-9)  # one group: the whole graph
    # Corrected NaRC: E instead of 2E; no isolated node, so the |.| term vanishes.
    mu = 2.1753277471610755
    assert i.narc_corrected == pytest.approx((mu * mu / 4 + 1) * math.sqrt(96) / 96, rel=1e-9)


def test_mask_a_neurips_check_vector() -> None:
    n = S.layer_report(mask_a(), mask_a() * 1.0).neurips
    assert n.imdb_groups == 1
    g = S.degree_groups(S.bipartite_graph(mask_a()))
    assert g[0].kappa == pytest.approx(12 / 19, rel=1e-12)
    assert n.imdb_mask == pytest.approx(0.700872, abs=5e-7)


# -- layer -> graph ---------------------------------------------------------------------------
def test_dense_graph_drops_isolated_nodes_and_keeps_sizes() -> None:
    m = np.zeros((5, 4), dtype=bool)
    m[[0, 0, 3, 4], [1, 3, 1, 3]] = True
    w = np.arange(20.0).reshape(5, 4) - 10.0
    g = S.bipartite_graph(m, w)
    assert g.weighted is not None
    assert (g.n_in, g.n_out, g.n_left, g.n_right, g.edges) == (5, 4, 3, 2, 4)
    assert g.left_index.tolist() == [0, 3, 4] and g.right_index.tolist() == [1, 3]
    np.testing.assert_array_equal(g.binary.toarray(), m[np.ix_([0, 3, 4], [1, 3])])
    np.testing.assert_array_equal(g.weighted.toarray(), np.abs(w * m)[np.ix_([0, 3, 4], [1, 3])])
    assert g.d_left == pytest.approx(4 / 3) and g.d_right == pytest.approx(2.0)


def test_weights_alone_define_the_mask() -> None:
    w = np.array([[0.0, -2.0], [3.0, 0.0], [0.0, 1.0]])
    g = S.bipartite_graph(weights=w)
    assert g.edges == 3 and g.weighted is not None
    np.testing.assert_array_equal(g.weighted.toarray(), np.abs(w))


def test_conv_kernel_flattens_taps_and_input_channels() -> None:
    rng = np.random.default_rng(0)
    m = rng.random((2, 3, 4, 5)) < 0.6
    m[..., 0] = True  # every left node keeps an edge, so nothing is dropped
    g = S.bipartite_graph(m)
    assert (g.n_in, g.n_out) == (24, 5)
    np.testing.assert_array_equal(g.binary.toarray(), m.reshape(24, 5))


def test_depthwise_kernel_is_block_diagonal() -> None:
    rng = np.random.default_rng(1)
    kh, kw, c, mult = 2, 2, 3, 2
    m = rng.random((kh, kw, c, mult)) < 0.7
    m[0, 0] = True
    want = np.zeros((kh * kw * c, c * mult), dtype=bool)
    for p, q, ch, j in np.ndindex(m.shape):
        want[(p * kw + q) * c + ch, ch * mult + j] = m[p, q, ch, j]
    g = S.bipartite_graph(m, kind="depthwise")
    assert (g.n_in, g.n_out) == want.shape
    dense = np.zeros(want.shape)
    dense[np.ix_(g.left_index, g.right_index)] = g.binary.toarray()
    np.testing.assert_array_equal(dense.astype(bool), want)


def test_bad_inputs_raise() -> None:
    with pytest.raises(S.SpectralError):
        S.bipartite_graph()
    with pytest.raises(S.SpectralError):
        S.bipartite_graph(np.ones((2, 2)), np.ones((2, 3)))
    with pytest.raises(S.SpectralError):
        S.bipartite_graph(np.ones((2, 2, 2)), kind="depthwise")
    with pytest.raises(S.SpectralError):
        S.top_singular_values(np.ones((3, 3)), 2, "lanczos")  # sides must exceed k + 1


# -- solvers ----------------------------------------------------------------------------------
SEEDS = st.integers(0, 2**32 - 1)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(4, 40),
    cols=st.integers(4, 40),
    density=st.floats(0.02, 0.9),
    seed=SEEDS,
    weighted=st.booleans(),
)
def test_solvers_agree_on_random_masks(rows: int, cols: int, density: float, seed: int, weighted: bool) -> None:
    rng = np.random.default_rng(seed)
    m = rng.random((rows, cols)) < density
    w = rng.standard_normal((rows, cols)) if weighted else None
    g = S.bipartite_graph(m, w)
    mat = g.weighted if g.weighted is not None else g.binary
    if min(mat.shape, default=0) <= 3:  # the iterative solvers need both sides above k + 1
        return
    ref = np.linalg.svd(mat.toarray(), compute_uv=False)[:2]
    scale = max(1.0, ref[0])
    for solver in ("svd", "gram", "lanczos", "svds", "adjacency"):
        got = S.top_singular_values(mat, 2, solver).values
        # gram squares the spectrum: a sigma_2 near 0 is resolved to ~sqrt(eps) sigma_1.
        np.testing.assert_allclose(got, ref, atol=(1e-7 if solver == "gram" else 1e-9) * scale, err_msg=solver)


def test_lanczos_matches_svd_on_a_layer_auto_sends_to_it() -> None:
    rng = np.random.default_rng(7)
    m = rng.random((700, 500)) < 0.05
    w = rng.standard_normal(m.shape)
    g = S.bipartite_graph(m, w)
    assert S.choose_solver(g.binary.shape) == "lanczos"
    for mat in (g.binary, g.weighted):
        auto = S.top_singular_values(mat)
        assert auto.solver == "lanczos"
        np.testing.assert_allclose(auto.values, S.top_singular_values(mat, 2, "svd").values, rtol=1e-8)


def test_solver_choice_and_trivial_cases() -> None:
    assert S.choose_solver((12, 8)) == "svd"
    assert S.choose_solver((100, 5000)) == "gram"
    assert S.choose_solver((1000, 1000)) == "lanczos"
    assert S.top_singular_values(np.zeros((3, 3))).values == (0.0, 0.0)
    one = S.top_singular_values(np.ones((1, 5)))  # rank one: sigma_2 is 0
    assert one.values == pytest.approx((math.sqrt(5), 0.0))
    assert S.top_singular_values(np.eye(600), 3).values == pytest.approx((1.0, 1.0, 1.0))  # repeated eigenvalue


@settings(max_examples=40, deadline=None)
@given(shape=st.tuples(st.integers(3, 300), st.integers(3, 60)), max_degree=st.integers(1, 8), seed=SEEDS)
def test_batched_group_spectra_match_direct_svd(shape: tuple[int, int], max_degree: int, seed: int) -> None:
    # Up to 300 rows: groups both below and above GRAM_MAX_SIDE, many sizes per batch.
    rows, cols = shape
    rng = np.random.default_rng(seed)
    m = np.zeros((rows, cols), dtype=bool)
    for i, d in enumerate(rng.integers(0, min(max_degree, cols) + 1, size=rows)):
        m[i, rng.choice(cols, size=d, replace=False)] = True
    w = rng.standard_normal((rows, cols))
    g = S.bipartite_graph(m, w)
    groups = S.degree_groups(g, min_count=2)
    deg = m.sum(axis=1)
    want = sorted(d for d, c in zip(*np.unique(deg[deg > 0], return_counts=True)) if c >= 2)
    assert [x.degree for x in groups] == want
    for x in groups:
        rows_d = m[deg == x.degree]
        assert x.count == len(rows_d) and x.outputs == int(rows_d.any(axis=0).sum())
        s = np.linalg.svd(rows_d.astype(float), compute_uv=False)
        sw = np.linalg.svd(np.abs(w * m)[deg == x.degree], compute_uv=False)
        np.testing.assert_allclose(x.sigma, np.pad(s, (0, 2))[:2], atol=1e-6 * max(1.0, s[0]))
        assert x.sigma_w is not None
        np.testing.assert_allclose(x.sigma_w, np.pad(sw, (0, 2))[:2], atol=1e-6 * max(1.0, sw[0]))


def test_a_group_larger_than_the_gram_limit_is_solved_directly() -> None:
    rng = np.random.default_rng(9)
    m = ring(S.GRAM_MAX_SIDE + 44, 60, 3)
    m[:7] = False
    m[:7, :5] = True  # a second, small group beside the big one
    w = rng.standard_normal(m.shape)
    groups = S.degree_groups(S.bipartite_graph(m, w), min_count=2)
    assert [(x.degree, x.count) for x in groups] == [(3, S.GRAM_MAX_SIDE + 37), (5, 7)]
    for x, rows in zip(groups, (m.sum(axis=1) == 3, m.sum(axis=1) == 5)):
        s = np.linalg.svd(m[rows].astype(float), compute_uv=False)[:2]
        sw = np.linalg.svd(np.abs(w * m)[rows], compute_uv=False)[:2]
        np.testing.assert_allclose(x.sigma, s, atol=1e-6 * s[0])
        np.testing.assert_allclose(x.sigma_w, sw, atol=1e-6 * sw[0])


def test_metrics_ignore_node_order() -> None:
    rng = np.random.default_rng(3)
    m = rng.random((40, 30)) < 0.3
    w = rng.standard_normal(m.shape)
    p, q = rng.permutation(40), rng.permutation(30)
    a, b = S.layer_report(m, w), S.layer_report(m[p][:, q], w[p][:, q])
    for key, v in a.metrics().items():
        assert b.metrics()[key] == pytest.approx(v, rel=1e-7, abs=1e-9), key


# -- undefined and the validity rules ---------------------------------------------------------
def ring(n_in: int, n_out: int, degree: int) -> np.ndarray:
    """Input i -> outputs (degree * i + j) mod n_out: left-regular, right-regular when
    the sizes divide."""
    m = np.zeros((n_in, n_out), dtype=bool)
    for i in range(n_in):
        m[i, (degree * i + np.arange(degree)) % n_out] = True
    return m


def test_empty_layer_is_undefined_everywhere() -> None:
    r = S.layer_report(np.zeros((4, 6)), np.zeros((4, 6)))
    for v in r.metrics().values():
        assert v == 0.0 or isinstance(v, S.Undefined)
    assert isinstance(r.iclr.lambda1, S.Undefined) and "no kept weight" in r.iclr.lambda1.reason
    assert r.neurips.coordinate == (0.0, 0.0, 0.0, 0.0)


def test_low_left_degree_is_undefined_with_reason() -> None:
    r = S.layer_report(ring(10, 10, 2))
    assert isinstance(r.iclr.ramanujan_gap, S.Undefined)
    assert "d_l = 2" in r.iclr.ramanujan_gap.reason
    assert isinstance(r.iclr.imdb, S.Undefined)
    assert r.iclr.lambda1 == pytest.approx(2.0)  # the spectrum itself is still reported
    assert not r.iclr.is_ramanujan and isinstance(r.iclr.is_ramanujan, S.Undefined)


def test_relaxed_rules_define_a_sparse_16_input_layer() -> None:
    m = ring(16, 32, 4)  # d_l = 4, d_r = 2: too thin on the right for the ICLR rule
    strict = S.layer_report(m)
    assert isinstance(strict.iclr.ramanujan_gap, S.Undefined) and "d_r = 2 < 3" in strict.iclr.ramanujan_gap.reason
    assert isinstance(strict.iclr.imdb, S.Undefined)
    relaxed = S.layer_report(m, iclr_rules=S.RELAXED_RULES)
    mu = np.linalg.svd(m.astype(float), compute_uv=False)[1]
    assert relaxed.iclr.ramanujan_gap == pytest.approx(math.sqrt(3) + 1 - mu, rel=1e-9)
    assert S.is_defined(relaxed.iclr.imdb)
    assert S.is_defined(strict.neurips.ramanujan_gap)  # NeurIPS rules are the relaxed ones


def test_validity_boundaries() -> None:
    assert S.ICLR_RULES.check(3.0, 3.0) is None
    assert S.ICLR_RULES.check(3.0, 2.999) is not None
    assert S.RELAXED_RULES.check(3.0, 1.0) is not None  # d_r > 1 is strict
    assert S.RELAXED_RULES.check(3.0, 1.001) is None
    assert S.RELAXED_RULES.check(2.999, 5.0) is not None


def test_missing_weights_leave_weighted_parts_undefined() -> None:
    n = S.layer_report(mask_a()).neurips
    assert S.is_defined(n.imdb_mask) and S.is_defined(n.ramanujan_gap)
    for v in (n.weighted_gap, n.imdb_weighted, n.coordinate, n.norm, n.norm_std):
        assert isinstance(v, S.Undefined) and "no weights" in v.reason


def test_invalid_graph_zero_fills_the_coordinate_but_not_the_raw_parts() -> None:
    rng = np.random.default_rng(4)
    m = ring(10, 10, 2)
    n = S.layer_report(m, rng.standard_normal(m.shape)).neurips
    assert isinstance(n.ramanujan_gap, S.Undefined) and isinstance(n.weighted_gap, S.Undefined)
    assert n.coordinate == (0.0, 0.0, 0.0, 0.0) and n.norm == 0.0


def test_neurips_coordinate_and_standardised_norm() -> None:
    rng = np.random.default_rng(5)
    m = rng.random((60, 40)) < 0.3
    w = rng.standard_normal(m.shape)
    n = S.layer_report(m, w).neurips
    c, c_std = n.coordinate, n.coordinate_std
    assert not isinstance(c, S.Undefined) and not isinstance(c_std, S.Undefined)
    assert c[0] == n.ramanujan_gap and c[1] == n.weighted_gap
    assert n.norm == pytest.approx(math.sqrt(sum(x * x for x in c)))
    sw = np.linalg.svd(np.abs(w * m), compute_uv=False)
    assert n.weighted_gap == pytest.approx(sw[0] - sw[1], rel=1e-9)
    assert n.weighted_gap_std == pytest.approx(1 - sw[1] / sw[0], rel=1e-9)
    assert all(abs(x) <= 1.0 for x in c_std)  # every standardised part is at most 1


# -- reports ----------------------------------------------------------------------------------
def small_cnn() -> Graph:
    rng = np.random.default_rng(6)
    g = Graph("cnn")
    x = g.add_input("x", TensorType((6, 6, 3), FloatType()))

    def kernel(shape: tuple[int, ...], keep: float) -> Constant:
        return Constant.from_array(rng.standard_normal(shape) * (rng.random(shape) < keep))

    c = g.add_node(Conv2D(8, (3, 3)), [x], name="conv", params={"kernel": kernel((3, 3, 3, 8), 0.5)})
    d = g.add_node(
        DepthwiseConv2D((3, 3), depth_multiplier=2), [c.output], name="dw", params={"kernel": kernel((3, 3, 8, 2), 0.8)}
    )
    p = g.add_node(PointwiseConv(6), [d.output], name="pw", params={"kernel": kernel((16, 6), 0.7)})
    f = g.add_node(Flatten(), [p.output], name="flat")
    q = Constant.from_array(rng.standard_normal((24, 10)) * 0.5).quantize(FixedType(4, 1))
    o = g.add_node(Dense(10), [f.output], name="fc", params={"kernel": q})
    g.set_outputs([o.output])
    g.verify()
    return g


def test_report_from_ir_graph_matches_numpy_path() -> None:
    g = small_cnn()
    rep = S.spectral_report(g)
    assert rep.name == "cnn"
    assert [r.name for r in rep.layers] == ["conv", "dw", "pw", "fc"]
    assert [r.kind for r in rep.layers] == ["conv", "depthwise", "dense", "dense"]
    assert rep.layers[1].n_in == 72 and rep.layers[1].n_out == 16
    k = g.node("conv").params["kernel"]
    direct = S.layer_report(k.mask, k.values, name="conv")
    assert rep.layers[0].metrics() == direct.metrics()


def test_other_sources_go_through_the_model_loader(tmp_path: Path) -> None:
    from hlsflow.loader import ModelLoadError

    with pytest.raises(ModelLoadError, match="no such file"):
        S.spectral_report(tmp_path / "missing.h5")


def test_quantised_zeros_are_pruned_unless_asked() -> None:
    g = small_cnn()
    k = g.node("fc").params["kernel"]
    rounded_away = int(np.count_nonzero(k.mask)) - int(np.count_nonzero(k.float_values()))
    assert rounded_away > 0
    hw = S.spectral_report(g).layers[-1]
    raw = S.spectral_report(g, drop_quantized_zeros=False).layers[-1]
    assert raw.edges - hw.edges == rounded_away
    assert hw.density < raw.density


def test_network_means_and_density_control() -> None:
    rng = np.random.default_rng(8)
    big = rng.standard_normal((40, 30)) * (rng.random((40, 30)) < 0.4)
    rep = S.spectral_report({"big": big, "thin": ring(10, 10, 2) * 1.0, "a": (mask_a(), mask_a() * 2.0)})
    assert rep.mean_layer_density == pytest.approx(np.mean([r.density for r in rep.layers]))
    defined = [r.iclr.ramanujan_gap for r in rep.layers if S.is_defined(r.iclr.ramanujan_gap)]
    assert len(defined) == 2 and rep.mean("ramanujan_gap") == pytest.approx(np.mean(defined))
    # F: the thin layer is invalid and counts as 0 in the network mean.
    assert rep.full_spectrum_norm() == pytest.approx(sum(S.value_or(r.neurips.norm, 0.0) for r in rep.layers) / 3)
    assert rep.layers[1].neurips.norm == 0.0
    s = rep.summary()
    assert s["mean_layer_density"] == rep.mean_layer_density
    only_thin = S.spectral_report({"thin": ring(10, 10, 2)})
    assert isinstance(only_thin.mean("imdb"), S.Undefined)
    assert isinstance(only_thin.full_spectrum_norm(), S.Undefined)  # a bare mask has no weights


def test_table_lists_layers_undefined_and_control() -> None:
    rep = S.spectral_report({"a": (mask_a(), mask_a() * 1.0), "thin": ring(10, 10, 2) * 1.0})
    text = S.format_table(rep)
    assert "a " in text and "thin" in text and "undef" in text
    assert "mean layer density" in text and "NaRC*" in text
    assert "0.3378" in text  # Mask A's Dr/rho and IMDB
    narrow = S.format_table(rep, columns=["imdb"], legend=False)
    assert "NaRC" not in narrow
    with pytest.raises(KeyError):
        S.format_table(rep, columns=["nope"])


def test_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    rep = S.spectral_report({"a": (mask_a(), mask_a() * 1.0), "thin": ring(10, 10, 2) * 1.0})
    out = S.plot_report(rep, tmp_path / "spectral.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_import_is_light() -> None:
    code = (
        "import sys, hlsflow.sparsity; hlsflow.sparsity.__all__; "
        "print(sorted(m for m in ('scipy', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
