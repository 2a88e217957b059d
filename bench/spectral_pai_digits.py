"""Do the spectral metrics rank pruning-at-initialisation methods on scikit-learn digits?

For an MLP 64-256-128-10 and a small CNN (conv 3x3x16, conv 3x3x32, dense 10), every PaI
method (random, ERK, magnitude, SNIP, iterSNIP, GraSP, SynFlow) at densities 2%, 5%,
10% and 3 seeds: the masks' network-level metrics at initialisation, a short training
with the masks fixed, and the test accuracy. Then, per (model, density), the Kendall tau
of every metric against accuracy across the methods (seed means), printed NEXT TO the
mean-layer-density control: on the ICLR authors' own data that control ranks methods as
well as IMDB does. Last, the full-spectrum sampler against its base method at equal
actual density (the sampler's mask re-balanced to the exact count). Prints, never asserts.

    PYTHONPATH=. .venv/bin/python bench/spectral_pai_digits.py [--quick] [--relaxed]

``--quick``: 1 seed, fewer epochs, smaller sampler population. ``--relaxed``: relaxed
validity for the ICLR metrics (d_l >= 3, d_r > 1, groups of 2) so small layers score.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from digits_common import METRICS, Clock, build, digits, fmt, kendall, network_metrics, train_masked  # noqa: E402

METHODS = ("random", "erk", "magnitude", "snip", "itersnip", "grasp", "synflow")
SHORT = {
    "mean_layer_density": "layer-dens (control)",
    "full_spectrum_norm": "F",
    "full_spectrum_norm_std": "F_std",
}
TABLE_COLS = (
    "mean_layer_density",
    "ramanujan_gap",
    "imdb",
    "imdb_mask",
    "full_spectrum_norm",
    "full_spectrum_norm_std",
)


def run_one(
    kind: str, method: str, density: float, seed: int, data: Any, epochs: int, relaxed: bool, **opts: Any
) -> dict[str, float]:
    from hlsflow.sparsity.pai import PaiOptions, kernel_values, run_pai

    train, test = data
    model = build(kind, seed)
    weights = kernel_values(model)
    res = run_pai(model, method, density, data=train, seed=seed, options=PaiOptions(**opts))
    row = network_metrics(res.masks, weights, relaxed)
    row["density"] = res.density
    row["pai_seconds"] = res.seconds
    row["accuracy"] = train_masked(model, res.masks, train, test, epochs)
    if res.sampler is not None:
        row["drift"] = res.sampler.drift
    return row


def mean_rows(rows: list[dict[str, float]]) -> dict[str, float]:
    keys = rows[0].keys()
    return {
        k: float(np.nanmean([r[k] for r in rows])) if any(np.isfinite(r[k]) for r in rows) else float("nan")
        for k in keys
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--relaxed", action="store_true")
    ap.add_argument("--models", default="mlp,cnn")
    ap.add_argument("--densities", default="0.02,0.05,0.10")
    args = ap.parse_args()
    seeds = (0,) if args.quick else (0, 1, 2)
    epochs = {"mlp": 8 if args.quick else 15, "cnn": 10 if args.quick else 20}
    population = 20 if args.quick else 50
    densities = tuple(float(d) for d in args.densities.split(","))
    models = args.models.split(",")
    clock = Clock()
    print(f"seeds {seeds}, epochs {epochs}, sampler P = {population}, relaxed rules: {args.relaxed}", flush=True)

    runs: dict[tuple[str, float, str], list[dict[str, float]]] = defaultdict(list)
    for kind in models:
        data = digits(conv=kind == "cnn")
        for density in densities:
            for seed in seeds:
                for method in METHODS:
                    runs[kind, density, method].append(
                        run_one(kind, method, density, seed, data, epochs[kind], args.relaxed)
                    )
            print(f"[{clock}] {kind} at {100 * density:g}% done", flush=True)

    taus: dict[str, list[float]] = defaultdict(list)
    for kind in models:
        for density in densities:
            print(f"\n== {kind}, density {100 * density:g}% (means over {len(seeds)} seed(s)) ==")
            head = f"{'method':<10} {'acc':>6} {'+-':>5} {'density':>8} {'PaI s':>6} {'#Dr def':>7} " + " ".join(
                f"{SHORT.get(c, c)[:11]:>11}" for c in TABLE_COLS
            )
            print(head)
            means = {}
            for method in METHODS:
                rows = runs[kind, density, method]
                m = mean_rows(rows)
                means[method] = m
                sd = float(np.std([r["accuracy"] for r in rows]))
                print(
                    f"{method:<10} {100 * m['accuracy']:6.2f} {100 * sd:5.2f} {100 * m['density']:7.3f}% {m['pai_seconds']:6.2f} "
                    f"{m['defined']:7.1f} " + " ".join(fmt(m[c], 11, 4) for c in TABLE_COLS)
                )
            acc = [means[x]["accuracy"] for x in METHODS]
            for metric in METRICS:
                taus[metric].append(kendall([means[x][metric] for x in METHODS], acc))

    settings = [f"{k}@{100 * d:g}%" for k in models for d in densities]
    print("\n== Kendall tau of each network metric with accuracy, across the 7 methods ==")
    print(f"{'metric':<24} " + " ".join(f"{s:>9}" for s in settings) + f" {'mean':>7} {'#def':>5}")
    for metric in METRICS:
        vals = taus[metric]
        finite = [v for v in vals if np.isfinite(v)]
        mean = float(np.mean(finite)) if finite else float("nan")
        print(
            f"{SHORT.get(metric, metric):<24} " + " ".join(fmt(v, 9) for v in vals) + f" {fmt(mean)} {len(finite):>5}"
        )

    print("\n== full-spectrum sampler vs its base method at equal actual density (re-balanced) ==")
    print(
        f"{'setting':<12} {'base':<6} {'acc base':>8} {'acc FS':>8} {'drift pts':>9} {'IMDBm base':>10} {'IMDBm FS':>9} {'F base':>8} {'F FS':>8} {'dens base':>9} {'dens FS':>8}"
    )
    for kind in models:
        data = digits(conv=kind == "cnn")
        for density in densities:
            for base in ("snip", "erk"):
                fs = [
                    run_one(
                        kind,
                        "fullspectrum",
                        density,
                        seed,
                        data,
                        epochs[kind],
                        args.relaxed,
                        base=base,
                        population=population,
                        rebalance=True,
                    )
                    for seed in seeds
                ]
                b, f = mean_rows(runs[kind, density, base]), mean_rows(fs)
                print(
                    f"{kind + '@' + format(100 * density, 'g') + '%':<12} {base:<6} {100 * b['accuracy']:8.2f} {100 * f['accuracy']:8.2f} "
                    f"{100 * f['drift']:+9.3f} {fmt(b['imdb_mask'], 10)} {fmt(f['imdb_mask'], 9)} {fmt(b['full_spectrum_norm'], 8)} "
                    f"{fmt(f['full_spectrum_norm'], 8)} {100 * b['density']:8.3f}% {100 * f['density']:7.3f}%",
                    flush=True,
                )
    print(f"\ntotal wall time {clock}")


if __name__ == "__main__":
    main()
