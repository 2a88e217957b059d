"""hlsflow vs hls4ml 1.3.0, same models, same machine, same run.

For each model: conversion time, project write time, C-simulation build time,
C-simulation throughput, emulator throughput (hlsflow only; hls4ml has none), and argmax
agreement with the source Keras model under each tool's DEFAULT configuration.
Prints a table of the raw figures and the hlsflow/hls4ml ratios. Never asserts.

    TF_USE_LEGACY_KERAS=1 .venv/bin/python bench/compare_hls4ml.py [--models jet_mlp,big_mlp] [--samples 10000]

``big_mlp`` is the 1M-parameter MLP 16x500x500x500x500x500x5 built here (random
weights, relu), the known stress case for csim builds.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

ZOO = Path(__file__).resolve().parent.parent / "example-models"


def big_mlp() -> tuple[Any, np.ndarray, np.ndarray]:
    import tensorflow as tf

    tf.keras.utils.set_random_seed(0)
    sizes = [500, 500, 500, 500, 500]
    layers = [tf.keras.layers.Dense(sizes[0], activation="relu", input_shape=(16,), name="fc0")]
    layers += [tf.keras.layers.Dense(s, activation="relu", name=f"fc{i + 1}") for i, s in enumerate(sizes[1:])]
    layers += [tf.keras.layers.Dense(5, activation="softmax", name="out")]
    model = tf.keras.Sequential(layers)
    x = np.random.default_rng(0).normal(size=(10_000, 16)).astype(np.float32)
    return model, x, model.predict(x, verbose=0, batch_size=1024)


def zoo_model(name: str) -> tuple[Any, np.ndarray, np.ndarray]:
    import tensorflow as tf

    d = ZOO / name
    try:
        from qkeras.utils import _add_supported_quantized_objects

        co: dict[str, Any] = {}
        _add_supported_quantized_objects(co)
    except ImportError:
        co = {}
    model = tf.keras.models.load_model(d / "model.h5", custom_objects=co, compile=False)
    return model, np.load(d / "x_test.npy"), np.load(d / "y_keras.npy")


def timed(fn: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    r = fn()
    return r, time.perf_counter() - t


def repeat_to(x: np.ndarray, n: int) -> np.ndarray:
    reps = -(-n // len(x))
    return np.concatenate([x] * reps)[:n]


def agreement(y: np.ndarray, ref: np.ndarray) -> float:
    return float(np.mean(np.argmax(y.reshape(len(y), -1), 1) == np.argmax(ref.reshape(len(ref), -1), 1)))


@contextmanager
def keras_is_tf_keras() -> Iterator[None]:
    """hls4ml routes tf_keras models to its Keras 3 parser; make `keras` be tf_keras."""
    import tf_keras

    saved = sys.modules.get("keras")
    sys.modules["keras"] = tf_keras
    try:
        yield
    finally:
        if saved is not None:
            sys.modules["keras"] = saved


def run_hlsflow(model: Any, x: np.ndarray, ref: np.ndarray, work: Path, n: int) -> dict[str, float]:
    import hlsflow

    cache = work / "hlsflow-cache"
    os.environ["HLSFLOW_CACHE"] = str(cache)
    prj, t_conv = timed(lambda: hlsflow.convert(model))
    _, t_write = timed(lambda: prj.write(work / "hlsflow_prj", force=True))
    _, t_build = timed(lambda: prj.compile())
    xs = repeat_to(x, n)
    y_c, t_csim = timed(lambda: np.asarray(prj.csim(xs)))
    y_e, t_emu = timed(lambda: np.asarray(prj.emulate(xs)))
    return {
        "convert_s": t_conv,
        "write_s": t_write,
        "csim_build_s": t_build,
        "csim_per_s": n / t_csim,
        "emulate_per_s": n / t_emu,
        "agreement": agreement(np.asarray(prj.emulate(x)), ref),
        "csim_vs_emulate_mismatch": float(np.count_nonzero(y_c != y_e)),
    }


def run_hls4ml(model: Any, x: np.ndarray, ref: np.ndarray, work: Path, n: int) -> dict[str, float]:
    import hls4ml

    out = str(work / "hls4ml_prj")
    with keras_is_tf_keras():
        cfg = hls4ml.utils.config_from_keras_model(model, granularity="name", backend="Vitis")
        hm, t_conv = timed(
            lambda: hls4ml.converters.convert_from_keras_model(model, hls_config=cfg, output_dir=out, backend="Vitis")
        )
    _, t_write = timed(hm.write)
    # compile() writes again and builds; count only the build part
    _, t_total = timed(hm.compile)
    t_build = max(t_total - t_write, 0.0)
    xs = repeat_to(x, n).astype(np.float32)
    _, t_pred = timed(lambda: hm.predict(xs))
    y = np.asarray(hm.predict(np.ascontiguousarray(x.astype(np.float32))))
    return {
        "convert_s": t_conv,
        "write_s": t_write,
        "csim_build_s": t_build,
        "csim_per_s": n / t_pred,
        "emulate_per_s": float("nan"),
        "agreement": agreement(y, ref),
        "csim_vs_emulate_mismatch": float("nan"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="jet_mlp,digits_mlp,digits_cnn,digits_qmlp,big_mlp")
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--skip-hls4ml", action="store_true")
    args = ap.parse_args()
    gxx = subprocess.run(["g++", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, {gxx}")
    rows = []
    for name in args.models.split(","):
        model, x, ref = big_mlp() if name == "big_mlp" else zoo_model(name)
        n = args.samples if name != "big_mlp" else min(args.samples, 2000)
        work = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
        try:
            ours = run_hlsflow(model, x, ref, work, n)
            theirs = run_hls4ml(model, x, ref, work, n) if not args.skip_hls4ml else None
        except Exception as exc:  # report and go on: a bench prints, it does not stop
            print(f"{name}: failed: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            continue
        finally:
            shutil.rmtree(work, ignore_errors=True)
        rows.append((name, n, ours, theirs))
        print(f"{name}: hlsflow {ours}")
        if theirs:
            print(f"{name}: hls4ml  {theirs}")
    print()
    head = f"{'model':<12} {'metric':<22} {'hlsflow':>12} {'hls4ml':>12} {'ratio':>8}"
    print(head)
    print("-" * len(head))
    for name, n, ours, theirs in rows:
        for k in ("convert_s", "write_s", "csim_build_s", "csim_per_s", "emulate_per_s", "agreement", "csim_vs_emulate_mismatch"):
            a = ours[k]
            b = theirs[k] if theirs else float("nan")
            ratio = a / b if theirs and b and not np.isnan(b) else float("nan")
            print(f"{name:<12} {k:<22} {a:>12.4g} {b:>12.4g} {ratio:>8.3g}")
    print("\nratios: times < 1 and rates > 1 favour hlsflow; csim_per_s for hls4ml is its predict() (per-sample ctypes calls)")


if __name__ == "__main__":
    main()
