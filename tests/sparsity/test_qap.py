"""Quantisation-aware pruning: schedule values, masks fixed through training, zeros
counted after quantisation, BOPs (the jet-MLP check value through a QKeras model),
fine-tune vs rewind, and the end-to-end path into hlsflow (multipliers, CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hlsflow.sparsity.pai_alloc import PruningError
from hlsflow.sparsity.qap_schedule import (
    PS_AND_QS_SPARSITIES,
    ConstantSparsity,
    GlobalRequest,
    MagnitudeSelector,
    PolynomialDecay,
    kept_for,
)

keras = pytest.mark.keras
pytestmark = [
    pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file"),
    pytest.mark.filterwarnings("ignore:The `keras.constraints.serialize"),
]
Q6 = "quantized_bits(6,0,alpha=1)"


# -- schedules and selectors (numpy only) ----------------------------------------------------
def test_polynomial_decay_values() -> None:
    s = PolynomialDecay(0.1, 0.9, begin_step=100, end_step=500, power=3, frequency=50)
    assert s.sparsity(0) == pytest.approx(0.1) and s.sparsity(100) == pytest.approx(0.1)
    assert s.sparsity(300) == pytest.approx(0.9 + (0.1 - 0.9) * 0.5**3)  # half way: 0.8
    assert s.sparsity(400) == pytest.approx(0.9 - 0.8 * 0.25**3)
    assert s.sparsity(500) == pytest.approx(0.9) and s.sparsity(10_000) == pytest.approx(0.9)
    assert [t for t in range(0, 700, 10) if s.should_prune(t)] == [100, 150, 200, 250, 300, 350, 400, 450, 500]
    lin = PolynomialDecay(0.0, 0.5, 0, 10, power=1, frequency=1)
    assert [lin.sparsity(t) for t in (0, 2, 5, 10)] == pytest.approx([0.0, 0.1, 0.25, 0.5])
    with pytest.raises(PruningError):
        PolynomialDecay(0.0, 0.5, 10, 10)


def test_constant_sparsity_and_ps_and_qs_schedule() -> None:
    c = ConstantSparsity(0.75, begin_step=20, end_step=60, frequency=20)
    assert c.sparsity(0) == c.sparsity(1000) == 0.75
    assert [t for t in range(100) if c.should_prune(t)] == [20, 40, 60]
    assert [t for t in range(0, 50) if ConstantSparsity(0.5, frequency=25).should_prune(t)] == [0, 25]
    assert PS_AND_QS_SPARSITIES == (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.966, 0.988)
    assert kept_for(0.966, 1000) == 34 and kept_for(0.0, 7) == 7
    with pytest.raises(PruningError):
        ConstantSparsity(1.0)


def test_magnitude_selector_never_revives() -> None:
    rng = np.random.default_rng(0)
    w = {"a": rng.standard_normal((6, 5)), "b": rng.standard_normal((5, 4))}
    masks = {"a": rng.random((6, 5)) < 0.7, "b": np.ones((5, 4), bool)}
    masks["a"][0, 0], w["a"][0, 0] = False, 100.0  # huge but pruned: stays pruned
    out = MagnitudeSelector().select_global(GlobalRequest(w, masks, 20, {"a": "dense", "b": "dense"}))
    assert sum(int(m.sum()) for m in out.values()) == 20 and not out["a"][0, 0]
    assert all(np.all(masks[n] | ~out[n]) for n in out)
    lay = MagnitudeSelector().select_layer(w["a"], masks["a"], 5, "dense")
    assert lay.sum() == 5 and np.all(masks["a"] | ~lay)


# -- Keras -------------------------------------------------------------------------------------
def _qmlp(K: Any, Q: Any, sizes: tuple[int, ...], seed: int = 0, bits: int = 6) -> Any:
    K.utils.set_random_seed(seed)
    q = f"quantized_bits({bits},0,alpha=1)"
    layers: list[Any] = [K.layers.InputLayer((sizes[0],))]
    for i, n in enumerate(sizes[1:]):
        layers.append(Q.QDense(n, kernel_quantizer=q, bias_quantizer=q, name=f"fc{i}"))
        if i < len(sizes) - 2:
            layers.append(Q.QActivation(f"quantized_relu({bits})", name=f"relu{i}"))
    return K.Sequential(layers)


def _set_all(model: Any, value_fn: Any) -> None:
    model.set_weights([value_fn(w.shape).astype(np.float32) for w in model.get_weights()])


@keras
def test_jet_mlp_bops_check_value_through_qkeras(K: Any, Q: Any) -> None:
    """16-64-32-32-5, 6-bit weights and activations, 32-bit input: 412,960 BOPs dense;
    a pruned model matches mlp_bops at its measured kept fractions."""
    from hlsflow.sparsity.bops import mlp_bops
    from hlsflow.sparsity.qap import sparsity_report

    m = _qmlp(K, Q, (16, 64, 32, 32, 5))
    _set_all(m, lambda s: np.full(s, 0.5))
    rep = sparsity_report(m, input_bits=32)
    assert [r.bits_input for r in rep.layers] == [32, 6, 6, 6]
    assert rep.bops == pytest.approx(412_960)
    rng = np.random.default_rng(1)
    _set_all(m, lambda s: np.where(rng.random(s) < 0.3, 0.5, 0.0))
    rep = sparsity_report(m, input_bits=32)
    want = mlp_bops((16, 64, 32, 32, 5), 6, 32, [r.kept_fraction for r in rep.layers])
    assert rep.bops == pytest.approx(sum(b.bops for b in want))
    assert "BOPs" in rep.format()


@keras
def test_zeros_are_counted_after_quantisation(K: Any, Q: Any) -> None:
    from hlsflow.sparsity.qap import quantised_kernels, sparsity_report

    m = _qmlp(K, Q, (8, 6, 3))
    rng = np.random.default_rng(2)
    # 6-bit, alpha=1: the grid step is 1/32, so |w| < 1/64 rounds to zero
    _set_all(m, lambda s: np.where(rng.random(s) < 0.4, 0.005, 0.5) * rng.choice([-1, 1], s))
    masks = {"fc0": np.ones((8, 6), bool), "fc1": np.ones((6, 3), bool)}
    rep = sparsity_report(m, masks)
    tiny = sum(
        int(np.count_nonzero(np.abs(w) < 0.01))
        for w in (m.get_layer("fc0").kernel.numpy(), m.get_layer("fc1").kernel.numpy())
    )
    assert rep.mask_sparsity == 0.0
    assert rep.weights - rep.nonzero == tiny > 0
    qk = quantised_kernels(m)
    assert np.all(qk["fc0"].kernel[np.abs(m.get_layer("fc0").kernel.numpy()) < 0.01] == 0)
    assert qk["fc0"].bits_weight == 6


@keras
def test_masks_stay_fixed_through_training(K: Any, Q: Any, digits: Any) -> None:
    from hlsflow.sparsity.qap import MaskCallback, TrainConfig, fit

    x, y = digits
    m = _qmlp(K, Q, (64, 16, 10))
    rng = np.random.default_rng(3)
    masks = {"fc0": rng.random((64, 16)) < 0.3, "fc1": rng.random((16, 10)) < 0.5}
    before = {n: m.get_layer(n).kernel.numpy().copy() for n in masks}
    fit(m, (x[:256], y[:256]), TrainConfig(epochs=2, batch_size=32, patience=0), [MaskCallback(masks)])
    for n, mask in masks.items():
        k = m.get_layer(n).kernel.numpy()
        assert np.all(k[~mask] == 0)
        assert not np.allclose(k[mask], before[n][mask])  # the kept ones did train


@keras
def test_scheduled_pruning_follows_the_schedule_then_freezes(K: Any, Q: Any, digits: Any) -> None:
    from hlsflow.sparsity.qap import ScheduledPruning, TrainConfig, fit

    x, y = digits
    m = _qmlp(K, Q, (64, 16, 10))
    sched = PolynomialDecay(0.0, 0.8, begin_step=0, end_step=8, power=1, frequency=2)
    cb = ScheduledPruning({"fc0": sched, "fc1": ConstantSparsity(0.5, frequency=1000)})
    seen: list[dict[str, np.ndarray]] = []
    probe = K.callbacks.LambdaCallback(on_batch_end=lambda b, logs: seen.append(cb.masks))
    fit(m, (x[:192], y[:192]), TrainConfig(epochs=2, batch_size=16, patience=0), [cb, probe])  # 24 steps
    assert len(seen) == 24
    for prev, cur in zip(seen, seen[1:]):  # pruned weights never come back
        assert all(np.all(prev[n] | ~cur[n]) for n in cur)
    assert [int(s["fc0"].size - s["fc0"].sum()) for s in seen[:9:2]] == [0, 205, 410, 614, 819]
    assert all(np.array_equal(s["fc0"], seen[-1]["fc0"]) for s in seen[8:])  # fixed after end_step
    assert seen[-1]["fc1"].sum() == 80
    for n, mask in seen[-1].items():
        assert np.all(m.get_layer(n).kernel.numpy()[~mask] == 0)


@keras
def test_iterative_pruning_finetune_vs_rewind(K: Any, Q: Any, digits: Any) -> None:
    from hlsflow.sparsity.qap import TrainConfig, iterative_pruning

    x, y = digits
    data = (x[:256], y[:256])
    cfg = TrainConfig(epochs=2, batch_size=32, patience=0)
    for mode in ("finetune", "rewind"):
        m = _qmlp(K, Q, (64, 16, 10), seed=4)
        init = {n: m.get_layer(n).kernel.numpy().copy() for n in ("fc0", "fc1")}
        starts: list[dict[str, np.ndarray]] = []

        def snapshot(logs: Any, m: Any = m, starts: list = starts) -> None:
            starts.append({n: m.get_layer(n).kernel.numpy().copy() for n in ("fc0", "fc1")})

        probe = K.callbacks.LambdaCallback(on_train_begin=snapshot)
        res = iterative_pruning(m, data, sparsities=(0.0, 0.6), mode=mode, config=cfg, callbacks=[probe])
        assert [r.target_sparsity for r in res.rounds] == [0.0, 0.6]
        assert res.final.mask_sparsity == pytest.approx(1 - kept_for(0.6, 1184) / 1184)
        assert res.final.sparsity >= res.final.mask_sparsity  # quantisation only adds zeros
        mask = res.masks["fc0"]
        rewound = np.allclose(starts[1]["fc0"], np.where(mask, init["fc0"], 0))
        assert rewound == (mode == "rewind"), mode
        assert np.all(m.get_layer("fc0").kernel.numpy()[~mask] == 0)
    assert "QAP (rewind, magnitude)" in res.format()


@keras
def test_pruned_qkeras_model_converts_with_zeros_honoured(K: Any, Q: Any, tmp_path: Path) -> None:
    """hlsflow's multipliers = the non-zero quantised weights; a 70%-pruned model needs
    ~70% fewer multipliers than its dense twin; `hlsflow spectral` reads it."""
    import hlsflow
    from hlsflow.sparsity.pai import apply_masks, prune_at_init
    from hlsflow.sparsity.qap import quantised_kernels

    dense = _qmlp(K, Q, (16, 32, 10), seed=5)
    rng = np.random.default_rng(5)
    _set_all(dense, lambda s: rng.uniform(0.1, 0.9, s) * rng.choice([-1, 1], s))  # no weight rounds to 0
    pruned = K.models.clone_model(dense)
    pruned.set_weights(dense.get_weights())
    apply_masks(pruned, prune_at_init(pruned, "magnitude", density=0.3))
    mult = {}
    for name, model in (("dense", dense), ("pruned", pruned)):
        nonzero = sum(int(np.count_nonzero(q.kernel)) for q in quantised_kernels(model).values())
        mult[name] = hlsflow.convert(model).report().multipliers
        assert mult[name] == nonzero, name
    assert mult["dense"] == 16 * 32 + 32 * 10
    assert 1 - mult["pruned"] / mult["dense"] == pytest.approx(0.70, abs=0.005)

    from click.testing import CliRunner

    from hlsflow.cli import main

    path, png = tmp_path / "pruned.h5", tmp_path / "spectral.png"
    pruned.save(path)
    out = CliRunner().invoke(main, ["spectral", str(path), "--plot", str(png)])
    assert out.exit_code == 0, out.output
    assert "fc0" in out.output and "fc1" in out.output and "mean layer density" in out.output
    assert png.exists() and png.stat().st_size > 0
