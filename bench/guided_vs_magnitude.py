"""Spectral-gap-guided vs plain magnitude quantisation-aware pruning on digits, at equal
sparsity and bit width.

A QKeras MLP 64-64-32-10 (6-bit weights, biases and activations) goes through the global
iterative schedule with fine-tuning (Ps and Qs) twice from the same initialisation: once
choosing the weights to remove by magnitude, once with :class:`GuidedSelector`
(magnitude outside a +-20% band around the threshold, spectral gap / degree balance
inside it). Early stopping watches a validation split of the training half; accuracy is
on the test half. Every round keeps exactly the same number of weights in both runs. Per
round: test accuracy, sparsity after quantisation, BOPs, how many layers are Ramanujan
(Delta_r > 0; "def" = where Delta_r is defined), the mean normalised gap and IMDB, and
the mean layer density (the control). Prints, never asserts.

    PYTHONPATH=. .venv/bin/python bench/guided_vs_magnitude.py [--quick] [--seeds 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from digits_common import Clock, build, digits, fmt  # noqa: E402


def gaps(masks: Any, kinds: dict[str, str]) -> dict[str, float]:
    from hlsflow.sparsity.guided import layer_gap

    gs = [layer_gap(np.asarray(masks[n]), kinds[n]) for n in masks]  # type: ignore[arg-type]
    dr = [g.ramanujan_gap_norm for g in gs if g.ramanujan_gap_norm is not None]
    im = [g.imdb for g in gs if g.imdb is not None]
    return {
        "ramanujan": float(sum(g.is_ramanujan for g in gs)),
        "defined": float(len(dr)),
        "dr_norm": float(np.mean(dr)) if dr else float("nan"),
        "imdb": float(np.mean(im)) if im else float("nan"),
        "layer_density": float(np.mean([np.mean(masks[n]) for n in masks])),
    }


def run(selector: Any, seed: int, sparsities: tuple[float, ...], config: Any) -> list[dict[str, float]]:
    from sklearn.model_selection import train_test_split

    from hlsflow.sparsity.pai import prunable_kernels
    from hlsflow.sparsity.qap import iterative_pruning

    (x_tr, y_tr), test = digits()
    x_fit, x_val, y_fit, y_val = train_test_split(x_tr, y_tr, test_size=0.2, random_state=0, stratify=y_tr)
    model = build("qmlp", seed)
    kinds = {k.name: k.kind for k in prunable_kernels(model)}
    res = iterative_pruning(
        model,
        (x_fit, y_fit),
        validation=(x_val, y_val),
        test=test,
        sparsities=sparsities,
        config=config,
        selector=selector,
    )
    out = []
    for r in res.rounds:
        row = {
            "target": r.target_sparsity,
            "sparsity": r.sparsity,
            "accuracy": r.accuracy,
            "bops": r.bops,
            "epochs": float(r.epochs),
        }
        row.update(gaps(r.masks, kinds))
        out.append(row)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--tolerance", type=float, default=0.2)
    args = ap.parse_args()
    from hlsflow.sparsity.guided import GuidedSelector
    from hlsflow.sparsity.qap import MagnitudeSelector, TrainConfig

    seeds = range(1 if args.quick else args.seeds)
    if args.quick:
        sparsities = (0.0, 0.5, 0.75, 0.9, 0.95)
        config = TrainConfig(epochs=30, batch_size=32, patience=5)
    else:
        sparsities = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.966)
        config = TrainConfig(epochs=60, batch_size=32, patience=8)
    selectors = {"magnitude": MagnitudeSelector(), "guided": GuidedSelector(tolerance=args.tolerance)}
    clock = Clock()
    print(f"seeds {list(seeds)}, sparsities {sparsities}, {config}, guided tolerance {args.tolerance}", flush=True)
    results: dict[str, list[list[dict[str, float]]]] = {n: [] for n in selectors}
    for seed in seeds:
        for name, sel in selectors.items():
            results[name].append(run(sel, seed, sparsities, config))
            print(f"[{clock}] seed {seed} {name} done", flush=True)

    print("\n== per round, means over seeds (acc in %, sparsity after quantisation) ==")
    print(
        f"{'target':>6} | {'acc mag':>7} {'acc gd':>7} {'+-mag':>5} {'+-gd':>5} | {'sp mag':>6} {'sp gd':>6} | "
        f"{'Raman mag':>9} {'Raman gd':>8} | {'Dr/rho mag':>10} {'Dr/rho gd':>9} | {'IMDB mag':>8} {'IMDB gd':>8} | "
        f"{'ldens mag':>9} {'ldens gd':>8} | {'kBOPs mag':>9}"
    )
    for i, s in enumerate(sparsities):
        m = [runs[i] for runs in results["magnitude"]]
        g = [runs[i] for runs in results["guided"]]

        def mean(rows: list[dict[str, float]], key: str) -> float:
            vals = [r[key] for r in rows if np.isfinite(r[key])]
            return float(np.mean(vals)) if vals else float("nan")

        def sd(rows: list[dict[str, float]], key: str) -> float:
            return float(np.std([r[key] for r in rows]))

        print(
            f"{100 * s:5.1f}% | {100 * mean(m, 'accuracy'):7.2f} {100 * mean(g, 'accuracy'):7.2f} {100 * sd(m, 'accuracy'):5.2f} "
            f"{100 * sd(g, 'accuracy'):5.2f} | {100 * mean(m, 'sparsity'):6.2f} {100 * mean(g, 'sparsity'):6.2f} | "
            f"{mean(m, 'ramanujan'):4.1f}/{mean(m, 'defined'):<4.1f} {mean(g, 'ramanujan'):4.1f}/{mean(g, 'defined'):<3.1f} | "
            f"{fmt(mean(m, 'dr_norm'), 10)} {fmt(mean(g, 'dr_norm'), 9)} | {fmt(mean(m, 'imdb'), 8)} {fmt(mean(g, 'imdb'), 8)} | "
            f"{mean(m, 'layer_density'):9.4f} {mean(g, 'layer_density'):8.4f} | {mean(m, 'bops') / 1e3:9.1f}"
        )
    print(f"\ntotal wall time {clock}")


if __name__ == "__main__":
    main()
