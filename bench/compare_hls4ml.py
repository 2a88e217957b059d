"""hlsflow vs hls4ml 1.3.0, same models, same machine, same run.

For each model: conversion time, project write time, C-simulation build time,
C-simulation throughput, emulator throughput (hlsflow only; hls4ml has none; its ratio
is taken against hls4ml's C-simulation), and argmax agreement with the source Keras
model, each tool under its DEFAULT configuration (hls4ml: ``config_from_keras_model``
with its default granularity, "model"). Prints the machine, a table of raw figures,
hlsflow/hls4ml ratios and the issue's targets. Never asserts: a bench reports.

    TF_USE_LEGACY_KERAS=1 .venv/bin/python bench/compare_hls4ml.py [--quick]
        [--models jet_mlp,big_mlp] [--samples 10000] [--skip-hls4ml]

Throughputs are the best of up to three timed runs (the machine may be shared), each
over ``--samples`` inputs (the test set repeated); conversion times are the best of
``--repeats`` runs for both tools (the first run in a process pays one-time import
costs); build and write times are single runs, the build in a fresh cache. ``big_mlp``
is ``example-models/big_mlp`` when it exists, else an equivalent
16x500x500x500x500x500x5 relu MLP (random weights) built here and cached under
``bench/.cache``. hls4ml reserves the layer name ``input``; such a layer is renamed in
the copy of the model hls4ml gets (same weights), and noted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ZOO = ROOT / "example-models"
CACHE = Path(__file__).resolve().parent / ".cache"
DEFAULT_MODELS = "jet_mlp,digits_mlp,digits_cnn,digits_qmlp,jet_qmlp,big_mlp"

#: Metrics in table order: (key, label, unit, higher is better).
METRICS: tuple[tuple[str, str, bool], ...] = (
    ("convert_s", "conversion [s]", False),
    ("write_s", "project write [s]", False),
    ("csim_build_s", "csim build [s]", False),
    ("csim_per_s", "csim [samples/s]", True),
    ("csim_1t_per_s", "csim 1 thread [/s]", True),
    ("emulate_per_s", "emulate [samples/s]", True),
    ("agreement", "argmax agreement", True),
    ("csim_vs_emulate_mismatch", "csim != emulate", False),
)


@dataclass(frozen=True)
class Target:
    """A goal of the issue: ``ratio`` (hlsflow/hls4ml) or ``value`` (hlsflow's own)
    compared with ``bound`` by ``op`` ("<=" or ">=")."""

    metric: str
    kind: str  # "ratio" or "value"
    op: str
    bound: float
    models: tuple[str, ...] = ()  # () = every model

    def applies(self, model: str) -> bool:
        return not self.models or model in self.models

    def met(self, x: float) -> bool:
        return x <= self.bound if self.op == "<=" else x >= self.bound

    def text(self) -> str:
        return f"{'ratio' if self.kind == 'ratio' else 'value'} {self.op} {self.bound:g}"


TARGETS = (
    Target("csim_build_s", "ratio", "<=", 0.3, ("jet_mlp",)),
    Target("csim_build_s", "ratio", "<=", 1.0, ("big_mlp",)),
    Target("csim_per_s", "ratio", ">=", 20.0),
    Target("emulate_per_s", "ratio", ">=", 20.0),  # against hls4ml's csim (its only simulator)
    Target("agreement", "value", ">=", 0.99),
    Target("csim_vs_emulate_mismatch", "value", "<=", 0.0),
)


@dataclass
class Result:
    figures: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str = ""


# -- machine -----------------------------------------------------------------------------
def _run(cmd: list[str], cwd: Path | None = None) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def csim_threads(n: int) -> int:
    """Threads hlsflow's csim uses for ``n`` samples (own headers, this process)."""
    from hlsflow.sim.csim import thread_count

    return thread_count(n)


def machine() -> list[tuple[str, str]]:
    import hlsflow

    try:
        import hls4ml

        h4 = hls4ml.__version__
    except ImportError:
        h4 = "not installed"
    try:
        import tensorflow as tf

        tfv = tf.__version__
    except ImportError:
        tfv = "not installed"
    commit = _run(["git", "rev-parse", "--short=12", "HEAD"], ROOT) or "unknown"
    if _run(["git", "status", "--porcelain", "--untracked-files=no"], ROOT):
        commit += " + uncommitted changes"
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    cxx = os.environ.get("CXX") or "g++"
    return [
        ("CPU", f"{cpu_model()} ({platform.machine()})"),
        ("cores", f"{cores} ({usable} usable by this process)"),
        ("load average (1, 5, 15 min) at start", load),
        ("OS", platform.platform()),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("C++ compiler", (_run([cxx, "--version"]).splitlines() or ["not found"])[0]),
        ("numpy / TensorFlow", f"{np.__version__} / {tfv}"),
        ("hlsflow", f"{getattr(hlsflow, '__version__', '?')}, git {commit}, from {Path(hlsflow.__file__).parent}"),
        ("hls4ml", h4),
        ("hlsflow csim threads (10k samples)", str(csim_threads(10_000))),
    ]


# -- models ------------------------------------------------------------------------------
def _custom_objects() -> dict[str, Any]:
    try:
        from qkeras.utils import _add_supported_quantized_objects

        co: dict[str, Any] = {}
        _add_supported_quantized_objects(co)
        return co
    except ImportError:
        return {}


def zoo_model(name: str) -> tuple[Any, np.ndarray, np.ndarray]:
    import tensorflow as tf

    d = ZOO / name
    model = tf.keras.models.load_model(d / "model.h5", custom_objects=_custom_objects(), compile=False)
    ref = d / "y_keras.npy" if (d / "y_keras.npy").exists() else d / "y_source.npy"
    return model, np.load(d / "x_test.npy"), np.load(ref)


def built_big_mlp() -> tuple[Any, np.ndarray, np.ndarray]:
    """16x500x500x500x500x500x5 relu/softmax MLP, random weights, cached in bench/.cache."""
    import tensorflow as tf

    path = CACHE / "big_mlp.h5"
    x = np.random.default_rng(0).normal(size=(2000, 16)).astype(np.float32)
    if path.exists():
        model = tf.keras.models.load_model(path, compile=False)
    else:
        tf.keras.utils.set_random_seed(0)
        sizes = [500] * 5
        layers = [tf.keras.layers.Dense(sizes[0], activation="relu", input_shape=(16,), name="fc0")]
        layers += [tf.keras.layers.Dense(s, activation="relu", name=f"fc{i + 1}") for i, s in enumerate(sizes[1:])]
        layers += [tf.keras.layers.Dense(5, activation="softmax", name="out")]
        model = tf.keras.Sequential(layers)
        CACHE.mkdir(parents=True, exist_ok=True)
        model.save(path)
    return model, x, model.predict(x, verbose=0, batch_size=1024)


def load(name: str) -> tuple[Any, np.ndarray, np.ndarray, str]:
    if name == "big_mlp" and not (ZOO / "big_mlp" / "model.h5").exists():
        return (*built_big_mlp(), "built in the bench (example-models/big_mlp absent)")
    return (*zoo_model(name), f"example-models/{name}")


def params(model: Any) -> int:
    return int(sum(np.prod(w.shape) for w in model.get_weights()))


def for_hls4ml(model: Any) -> tuple[Any, str]:
    """``model`` itself, or a copy (same weights) whose layers named ``input`` -- a name
    hls4ml reserves -- are renamed; with a note saying so."""
    import tensorflow as tf

    cfg = json.loads(model.to_json())
    # the config lists a Sequential model's InputLayer too (model.layers does not)
    names = [layer["config"]["name"] for layer in cfg["config"]["layers"]]
    if "input" not in names:
        return model, ""
    new = "input_x"
    while new in names:
        new += "_"

    def rename(o: Any) -> Any:
        if isinstance(o, dict):
            return {k: rename(v) for k, v in o.items()}
        if isinstance(o, list):
            return [rename(v) for v in o]
        return new if o == "input" else o

    clone = tf.keras.models.model_from_json(json.dumps(rename(cfg)), custom_objects=_custom_objects())
    clone.set_weights(model.get_weights())
    return clone, f"hls4ml got a copy with layer 'input' renamed '{new}' (it reserves that name)"


# -- timing ------------------------------------------------------------------------------
def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    r = fn()
    return r, time.perf_counter() - t


def best_time(fn: Callable[[], Any], repeats: int, budget_s: float = math.inf) -> tuple[Any, float]:
    """(last result, shortest time) over up to ``repeats`` runs, stopping early once the
    runs so far took ``budget_s``. A conversion's first run in a process also pays
    one-time costs (lazy imports, caches) that say nothing about it."""
    out, best, spent = None, math.inf, 0.0
    for _ in range(max(repeats, 1)):
        out, dt = timed(fn)
        best, spent = min(best, dt), spent + dt
        if spent >= budget_s:
            break
    return out, best


def best_rate(fn: Callable[[], Any], n: int, repeats: int, budget_s: float = 20.0) -> tuple[Any, float]:
    """(last result, best samples/s) of :func:`best_time` with a ``budget_s`` budget
    (slow simulators run once)."""
    out, dt = best_time(fn, repeats, budget_s)
    return out, n / dt


def repeat_to(x: np.ndarray, n: int) -> np.ndarray:
    reps = -(-n // len(x))
    return np.concatenate([x] * reps)[:n]


def agreement(y: np.ndarray, ref: np.ndarray) -> float:
    return float(np.mean(np.argmax(y.reshape(len(y), -1), 1) == np.argmax(ref.reshape(len(ref), -1), 1)))


@contextmanager
def keras_is_tf_keras() -> Iterator[None]:
    """hls4ml routes tf_keras models to its Keras 3 parser; make ``keras`` be tf_keras."""
    import tf_keras

    saved = sys.modules.get("keras")
    sys.modules["keras"] = tf_keras
    try:
        yield
    finally:
        if saved is not None:
            sys.modules["keras"] = saved


def warm_up() -> None:
    """Import what each tool imports lazily, so no one-time import lands in a timing."""
    import importlib

    mods = (
        "hlsflow.project",
        "hlsflow.backends.registry",
        "hlsflow.frontends.keras",
        "hlsflow.sim.csim",
        "hls4ml.converters",
    )
    for mod in mods:
        try:
            importlib.import_module(mod)
        except ImportError:  # hls4ml absent: --skip-hls4ml runs still work
            pass


# -- the two tools -----------------------------------------------------------------------
def run_hlsflow(model: Any, x: np.ndarray, ref: np.ndarray, work: Path, n: int, repeats: int) -> Result:
    import hlsflow

    os.environ["HLSFLOW_CACHE"] = str(work / "hlsflow-cache")  # a cold build every time
    res = Result()
    prj, res.figures["convert_s"] = best_time(lambda: hlsflow.convert(model), repeats)
    _, res.figures["write_s"] = timed(lambda: prj.write(work / "hlsflow_prj", force=True))
    _, res.figures["csim_build_s"] = timed(lambda: prj.compile())
    xs = repeat_to(x, n)
    y_c, res.figures["csim_per_s"] = best_rate(lambda: np.asarray(prj.csim(xs)), n, repeats)
    _, res.figures["csim_1t_per_s"] = best_rate(lambda: np.asarray(prj.csim(xs, threads=1)), n, repeats)
    y_e, res.figures["emulate_per_s"] = best_rate(lambda: np.asarray(prj.emulate(xs)), n, repeats)
    res.figures["agreement"] = agreement(np.asarray(prj.emulate(x)), ref)
    res.figures["csim_vs_emulate_mismatch"] = float(np.count_nonzero(y_c != y_e))
    return res


def run_hls4ml(model: Any, x: np.ndarray, ref: np.ndarray, work: Path, n: int, repeats: int) -> Result:
    import hls4ml

    res = Result()
    model, note = for_hls4ml(model)
    if note:
        res.notes.append(note)
    out = str(work / "hls4ml_prj")
    with keras_is_tf_keras():
        cfg = hls4ml.utils.config_from_keras_model(model, backend="Vitis")
        hm, res.figures["convert_s"] = best_time(
            lambda: hls4ml.converters.convert_from_keras_model(model, hls_config=cfg, output_dir=out, backend="Vitis"),
            repeats,
        )
    _, res.figures["write_s"] = timed(hm.write)
    _, res.figures["csim_build_s"] = timed(hm._compile)  # what compile() does after write()
    xs = np.ascontiguousarray(repeat_to(x, n).astype(np.float32))
    _, res.figures["csim_per_s"] = best_rate(lambda: hm.predict(xs), n, repeats)
    y = np.asarray(hm.predict(np.ascontiguousarray(x.astype(np.float32))))
    res.figures["agreement"] = agreement(y, ref)
    return res


# -- report ------------------------------------------------------------------------------
def _fmt(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.3g}" if abs(v) >= 0.01 else f"{v:.2e}"


def _ratio(metric: str, ours: Result, theirs: Result | None) -> float | None:
    if theirs is None or theirs.error:
        return None
    a = ours.figures.get(metric)
    # hls4ml has one simulator, one thread: every hlsflow rate is compared with its csim
    b = theirs.figures.get("csim_per_s" if metric.endswith("_per_s") else metric)
    if a is None or b is None or b == 0 or metric in ("agreement", "csim_vs_emulate_mismatch"):
        return None
    return a / b


def report(rows: list[tuple[str, str, int, int, Result, Result | None]]) -> None:
    head = f"{'model':<12} {'metric':<21} {'hlsflow':>11} {'hls4ml':>11} {'ratio':>8}  target"
    print(head)
    print("-" * (len(head) + 20))
    missed: list[str] = []
    for name, _src, _params, _n, ours, theirs in rows:
        if ours.error:
            print(f"{name:<12} hlsflow failed: {ours.error}")
            continue
        for key, label, _ in METRICS:
            a = ours.figures.get(key)
            b = None if theirs is None or theirs.error else theirs.figures.get(key)
            r = _ratio(key, ours, theirs)
            status = ""
            for t in TARGETS:
                if t.metric != key or not t.applies(name):
                    continue
                x = r if t.kind == "ratio" else a
                if x is None:
                    status = f"{t.text()}: n/a"
                else:
                    ok = t.met(x)
                    status = f"{t.text()}: {'met' if ok else 'MISSED'}"
                    if not ok:
                        missed.append(f"{name} {label} ({_fmt(x)}; {t.text()})")
            print(f"{name:<12} {label:<21} {_fmt(a):>11} {_fmt(b):>11} {_fmt(r):>8}  {status}")
        print()
    for name, src, n_params, n, ours, theirs in rows:
        notes = [f"{src}, {n_params:,} parameters, {n:,} samples per throughput run"]
        if theirs is None:
            notes.append("hls4ml: not run (--skip-hls4ml)")
        elif theirs.error:
            notes.append(f"hls4ml refused or failed: {theirs.error}")
        notes += theirs.notes if theirs is not None else []
        notes += ours.notes
        print(f"{name}: " + "; ".join(notes))
    print(
        "\nratio = hlsflow / hls4ml (times: < 1 favours hlsflow; rates: > 1 favours hlsflow); emulate's ratio is "
        "against hls4ml's csim (predict: one ctypes call per sample), hls4ml having no emulator. hlsflow's csim "
        "runs a batch on one thread per usable core (see machine); 'csim 1 thread' is the same on one thread, "
        "against the same hls4ml figure (hls4ml's predict is single-threaded)."
    )
    print("targets missed: " + ("; ".join(missed) if missed else "none"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=DEFAULT_MODELS, help=f"comma-separated (default {DEFAULT_MODELS})")
    ap.add_argument("--samples", type=int, default=None, help="inputs per throughput run (default 10000; quick 2000)")
    ap.add_argument("--big-samples", type=int, default=None, help="the same for big_mlp (default 2000; quick 200)")
    ap.add_argument("--repeats", type=int, default=None, help="throughput runs, best kept (default 3; quick 1)")
    ap.add_argument("--quick", action="store_true", help="fewer samples and one throughput run (a smoke test)")
    ap.add_argument("--skip-hls4ml", action="store_true")
    args = ap.parse_args()
    samples = args.samples or (2000 if args.quick else 10_000)
    big_samples = args.big_samples or (200 if args.quick else 2000)
    repeats = args.repeats or (1 if args.quick else 3)

    warm_up()
    print("machine")
    for k, v in machine():
        print(f"  {k:<38} {v}")
    print()
    rows: list[tuple[str, str, int, int, Result, Result | None]] = []
    for name in [m.strip() for m in args.models.split(",") if m.strip()]:
        try:
            model, x, ref, src = load(name)
        except Exception as exc:  # report and go on: a bench prints, it does not stop
            print(f"{name}: cannot load: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            continue
        n = big_samples if name == "big_mlp" else samples
        work = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
        try:
            try:
                ours = run_hlsflow(model, x, ref, work, n, repeats)
            except Exception as exc:
                ours = Result(error=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            theirs: Result | None = None
            if not args.skip_hls4ml:
                try:
                    theirs = run_hls4ml(model, x, ref, work, n, repeats)
                except Exception as exc:
                    msg = " ".join(str(exc).split())
                    theirs = Result(error=f"{type(exc).__name__}: {msg[:300]}")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        rows.append((name, src, params(model), n, ours, theirs))
        done = "failed" if ours.error else "done"
        print(f"{name}: {done} ({', '.join(f'{k}={_fmt(v)}' for k, v in ours.figures.items())})", flush=True)
    print()
    report(rows)
    if hasattr(os, "getloadavg"):
        print("load average at the end: " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
