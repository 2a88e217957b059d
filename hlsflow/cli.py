"""Command line: ``hlsflow run | convert | emulate | report | build | spectral | config``.

Every command takes a model (``.h5``, ``.json`` + ``--weights``, or an example-model
folder) and an optional ``--config`` YAML. Errors print one line naming the file, layer
or option and exit with status 2; ``--debug`` shows the full traceback instead.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


#: Built-in exception types that mean bad input when they escape a command (a file that
#: cannot be opened, an extra that is not installed, a backend's ValueError/RuntimeError).
_EXPECTED = (ValueError, RuntimeError, OSError, ImportError)


def _one_line(exc: BaseException | Warning | str) -> str:
    """``exc``'s message on one line: the lines of a multi-line message (every
    unsupported layer, a compiler's first errors) are joined with '; '."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    text = lines[0]
    for line in lines[1:]:
        text += (" " if text.endswith(":") else "; ") + line
    return text


@contextlib.contextmanager
def _one_line_warnings() -> Iterator[None]:
    """Within a command, print hlsflow's own warnings as one ``warning: ...`` line on
    stderr (not Python's two-line file:line format); other warnings are left alone."""
    with warnings.catch_warnings():
        original = warnings.showwarning

        def show(message: Any, category: type[Warning], filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
            if category.__module__.split(".")[0] == "hlsflow":
                click.echo(f"warning: {_one_line(message)}", err=True)
            else:
                original(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


def _handled(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every error into one line on stderr and exit status 2 unless --debug is
    given (then the traceback is shown). hlsflow's own errors (HlsflowError) and the
    built-in types in _EXPECTED are bad input; anything else is reported as a bug."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        debug = bool(ctx.find_root().params.get("debug"))
        try:
            with _one_line_warnings():
                return fn(*args, **kwargs)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as exc:
            if debug:
                raise
            from hlsflow.errors import HlsflowError

            msg = _one_line(exc)
            if isinstance(exc, (HlsflowError, *_EXPECTED)):
                if isinstance(exc, ImportError):
                    msg += " (install the extra it needs, e.g. pip install 'hlsflow[keras]')"
                _fail(f"{msg}  [{type(exc).__name__}; rerun with --debug for a traceback]")
            _fail(
                f"unexpected {type(exc).__name__}: {msg}  [a bug in hlsflow, not in your input: rerun with --debug "
                "and report the traceback]"
            )

    return wrapper


def _count(n: int, noun: str) -> str:
    """``1 thread``, ``2 threads``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=False, highlight=False)


def _convert(
    model: str,
    config: str | None,
    weights: str | None,
    io_type: str | None,
    dump_ir: str | None,
    calibration: str | None = None,
    backend: str | None = None,
) -> Any:
    """Convert with a progress spinner; ``calibration`` (a samples file) is emulated after
    conversion and an overflow warning is printed as one yellow line, not a traceback."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from hlsflow.diagnostics import HlsflowPrecisionWarning
    from hlsflow.project import convert

    x = _load_samples(calibration, "--calibration") if calibration is not None else None
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True) as prog:
        task = prog.add_task(f"reading {model}", total=None)

        def step(rec: Any) -> None:
            prog.update(task, description=f"pass {rec.name} done ({rec.seconds * 1e3:.0f} ms)")

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", HlsflowPrecisionWarning)
            try:
                prj = convert(
                    model, config=config, weights=weights, io_type=io_type, backend=backend, dump_ir=dump_ir, on_pass=step,
                    calibration=x,
                )
            except ValueError as exc:
                if calibration is not None and str(exc).startswith("calibration data:"):
                    raise ValueError(f"--calibration {calibration}: {str(exc).removeprefix('calibration data: ')}") from None
                raise
    for w in caught:
        if issubclass(w.category, HlsflowPrecisionWarning):
            from rich.console import Console

            Console(stderr=True, highlight=False).print(f"warning: {w.message}", style="yellow", markup=False, soft_wrap=True)
        else:  # not ours: hand it back to the normal warning machinery
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return prj


def _load_samples(path: str, option: str) -> Any:
    """Input samples for ``option`` from ``path``; any unreadable file is one error line
    naming the option and the file."""
    p = Path(path)
    if p.suffix == ".npy" and p.is_file():
        with p.open("rb") as fh:
            if fh.read(6) != b"\x93NUMPY":
                raise ValueError(f"{option} {path}: not a .npy file (no NumPy header); save samples with numpy.save")
    try:
        x = _load_array(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"{option} {path}: no such file") from None
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError(f"{option} {path}: not a readable array file ({str(exc).strip() or type(exc).__name__})") from None
    if getattr(x, "dtype", None) is None or x.dtype.kind not in "biuf":
        raise ValueError(f"{option} {path}: holds {getattr(x, 'dtype', type(x))} data; expected numbers, batch first")
    if x.ndim < 1 or len(x) == 0:
        raise ValueError(f"{option} {path}: holds no samples (shape {x.shape}); expected a batch-first array")
    return x


def _load_array(path: str) -> Any:
    import numpy as np

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such input file")
    if p.suffix == ".npy":
        return np.load(p)
    if p.suffix == ".npz":
        data = np.load(p)
        return data[list(data.keys())[0]]
    if p.suffix in (".csv", ".txt", ".dat"):
        return np.loadtxt(p, delimiter="," if p.suffix == ".csv" else None, ndmin=2)
    raise ValueError(f"{p}: inputs must be .npy, .npz, .csv or whitespace-separated .dat/.txt")


# not exists=True: a missing model is a one-line ModelLoadError, not a usage screen
MODEL_ARG = click.argument("model", type=click.Path(dir_okay=True))
CONFIG_OPT = click.option("--config", "-c", type=click.Path(exists=True, dir_okay=False), help="Config YAML (see `hlsflow config`); defaults apply when omitted.")
WEIGHTS_OPT = click.option("--weights", type=click.Path(exists=True, dir_okay=False), help="Weights .h5 for a .json architecture.")
CALIBRATION_OPT = click.option("--calibration", type=click.Path(dir_okay=False), default=None, help="Input samples (.npy/.npz/.csv/.dat, batch first) emulated after conversion: warns when a layer wraps or saturates on them, with the suggested precision.")
IO_OPT = click.option("--io-type", type=click.Choice(["io_parallel", "io_stream"]), default=None, help="Override the config's IOType.")
BACKEND_OPT = click.option(
    "--backend", "-b", type=click.Choice(["vitis", "vivado", "catapult"]), default=None, help="Override the config's Backend."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.version_option(package_name="hlsflow", prog_name="hlsflow")
def main(debug: bool) -> None:
    """hlsflow: compile quantised, pruned neural networks to bit-exact HLS C++."""


@main.command()
@MODEL_ARG
@CONFIG_OPT
@WEIGHTS_OPT
@IO_OPT
@BACKEND_OPT
@click.option("--output-dir", "-o", type=click.Path(file_okay=False), default=None, help="Write the HLS project here (plus model.ir and report.json). Refuses a non-empty folder hlsflow did not create unless --force.")
@click.option("--dump-ir", type=click.Path(file_okay=False), default=None, help="Write the IR after every pass into this folder.")
@click.option("--force", is_flag=True, help="Allow writing into a non-empty folder hlsflow did not create.")
@CALIBRATION_OPT
@_handled
def convert(model: str, config: str | None, weights: str | None, io_type: str | None, backend: str | None, output_dir: str | None, dump_ir: str | None, force: bool, calibration: str | None) -> None:
    """Convert MODEL (fixed-point IR, printed as a summary) and, with --output-dir,
    write the HLS project."""
    prj = _convert(model, config, weights, io_type, dump_ir, calibration, backend)
    _print_report(prj)
    if output_dir is not None:
        out = prj.write(output_dir, force=force)
        (out / "model.ir").write_text(str(prj.graph) + "\n")
        rep = prj.report().to_dict()
        if prj.calibration is not None:
            rep["calibration"] = prj.calibration.to_dict()
        (out / "report.json").write_text(json.dumps(rep, indent=1, default=str))
        click.echo(f"wrote the {prj.config.backend} project to {out}")


@main.command()
@MODEL_ARG
@click.option("--input", "-i", "inputs", required=True, type=click.Path(exists=True, dir_okay=False), help="Input samples (.npy/.npz/.csv/.dat), batch first.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write the emulated outputs here (.npy).")
@click.option("--compare", type=click.Path(exists=True, dir_okay=False), default=None, help="Reference outputs (.npy), e.g. the source framework's; prints argmax agreement and max error.")
@click.option("--trace", "show_trace", is_flag=True, help="Print per-layer value ranges and overflow counts.")
@CONFIG_OPT
@WEIGHTS_OPT
@IO_OPT
@BACKEND_OPT
@_handled
def emulate(model: str, inputs: str, output: str | None, compare: str | None, show_trace: bool, config: str | None, weights: str | None, io_type: str | None, backend: str | None) -> None:
    """Run the bit-exact emulator on MODEL for the samples in --input."""
    import numpy as np

    prj = _convert(model, config, weights, io_type, None, backend=backend)
    x = _load_array(inputs)
    y = np.asarray(prj.emulate(x))
    click.echo(f"emulated {y.shape[0]} samples -> output shape {y.shape[1:]}")
    if output:
        np.save(output, y)
        click.echo(f"wrote {output}")
    if compare:
        ref = np.load(compare)
        if ref.shape != y.shape:
            raise ValueError(f"--compare {compare}: shape {ref.shape} differs from the output shape {y.shape}")
        agree = float(np.mean(np.argmax(ref.reshape(len(ref), -1), 1) == np.argmax(y.reshape(len(y), -1), 1)))
        click.echo(f"argmax agreement {100 * agree:.2f}%  max |error| {float(np.max(np.abs(ref - y))):.3g}")
    if show_trace:
        _print_trace(prj.trace(x))


@main.command()
@MODEL_ARG
@CONFIG_OPT
@WEIGHTS_OPT
@IO_OPT
@BACKEND_OPT
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--trace", "trace_path", type=click.Path(dir_okay=False), default=None, help="Input samples (.npy/.npz/.csv/.dat, batch first) to emulate: per-layer ranges vs type ranges, wrapped/saturated/underflow counts and the narrowest type holding every value.")
@click.option("--plots", type=click.Path(file_okay=False), default=None, help="With --trace: write one histogram PNG per layer into this folder.")
@_handled
def report(model: str, config: str | None, weights: str | None, io_type: str | None, backend: str | None, as_json: bool, trace_path: str | None, plots: str | None) -> None:
    """Per-layer types, multipliers, sparsity and BOPs of the converted MODEL; with
    --trace, the numerics of every layer on those samples."""
    if plots is not None and trace_path is None:
        raise ValueError("--plots needs --trace X.npy (the samples whose values are plotted)")
    x = _load_samples(trace_path, "--trace") if trace_path is not None else None
    prj = _convert(model, config, weights, io_type, None, backend=backend)
    diag = None
    if x is not None:
        from hlsflow import diagnostics as _diag
        from hlsflow.emulate import EmulationError

        try:
            tr = prj.trace(x)
        except EmulationError as exc:
            raise ValueError(f"--trace {trace_path}: {exc}") from None
        diag = _diag.diagnose(tr, prj.graph)
    if as_json:
        rep = prj.report().to_dict()
        if diag is not None:
            rep["trace"] = diag.to_dict()
        click.echo(json.dumps(rep, indent=1, default=str))
    else:
        _print_report(prj)
        if diag is not None:
            _print_diagnostics(diag)
    if diag is not None and plots is not None:
        paths = _diag.write_trace_plots(diag, tr, plots)
        click.echo(f"wrote {len(paths)} plots to {plots}", err=as_json)  # stdout stays pure JSON


@main.command()
@click.argument("model_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--output-dir", "-o", type=click.Path(file_okay=False), default=None, help="Where to write the HLS project (default: build/<model folder name>).")
@IO_OPT
@BACKEND_OPT
@click.option("--no-csim", is_flag=True, help="Stop after writing the project (no g++ build).")
@click.option("--force", is_flag=True, help="Allow replacing a non-empty folder hlsflow did not create.")
@click.option("--calibration", type=click.Path(dir_okay=False), default=None, help="Samples emulated after conversion to warn about overflowing layers (default: the folder's x_test.npy).")
@_handled
def run(model_dir: str, output_dir: str | None, io_type: str | None, backend: str | None, no_csim: bool, force: bool, calibration: str | None) -> None:
    """The main job on an example-model folder: convert, write the HLS project, C-simulate
    the shipped inputs, check csim == emulator bit for bit, compare with the source
    framework's outputs, and report.

    MODEL_DIR holds model.h5 (or model.json + weights.h5, model.keras, model.onnx),
    x_test.npy, the source outputs y_source.npy (older folders: y_keras.npy) and
    optionally config.yml (see example-models/README.md).
    """
    import time

    import numpy as np

    d = Path(model_dir)
    cfg = d / "config.yml"
    x_path = d / "x_test.npy"
    # y_source.npy is the current name of the source framework's outputs; y_keras.npy
    # the name the Keras-only folders were made with
    y_path = next((p for p in (d / "y_source.npy", d / "y_keras.npy") if p.exists()), d / "y_source.npy")
    if not x_path.exists():
        raise FileNotFoundError(f"{x_path}: the model folder needs test inputs (x_test.npy)")
    con = _console()
    t0 = time.perf_counter()
    prj = _convert(str(d), str(cfg) if cfg.exists() else None, None, io_type, None, calibration or str(x_path), backend)
    times = {"convert": time.perf_counter() - t0}
    _print_report(prj)
    x = np.load(x_path)
    t = time.perf_counter()
    y = np.asarray(prj.emulate(x))
    times["emulate"] = time.perf_counter() - t
    out = Path(output_dir) if output_dir else Path("build") / d.name
    t = time.perf_counter()
    with con.status(f"writing the {prj.config.backend} project to {out}"):
        prj.write(out, force=force, tb_inputs=x[: min(len(x), 100)])
    times["write"] = time.perf_counter() - t
    summary: dict[str, object] = {"model": d.name, "samples": int(len(x)), "project": str(out)}
    if not no_csim:
        t = time.perf_counter()
        with con.status("building the C-simulation library with g++"):
            lib = prj.compile()
        times["csim_build"] = time.perf_counter() - t
        from hlsflow.sim.csim import threads_for

        threads = threads_for(lib, len(x))
        t = time.perf_counter()
        with con.status(f"C-simulating {len(x)} samples on {_count(threads, 'thread')}"):
            yc = np.asarray(prj.csim(x))
        times["csim_run"] = time.perf_counter() - t
        diff = int(np.count_nonzero(yc != y))
        summary.update({"csim_mismatches": diff, "csim_cached": not lib.rebuilt, "csim_threads": threads})
    if y_path.exists():
        ref = np.load(y_path).reshape(y.shape)
        agree = float(np.mean(np.argmax(ref.reshape(len(ref), -1), 1) == np.argmax(y.reshape(len(y), -1), 1)))
        summary.update({"argmax_agreement": agree, "max_abs_error": float(np.max(np.abs(ref - y)))})
    summary["seconds"] = times
    np.save(out / "y_emulate.npy", y)
    rep = prj.report().to_dict()
    rep["run"] = summary
    rep["calibration"] = prj.calibration.to_dict() if prj.calibration is not None else None
    (out / "report.json").write_text(json.dumps(rep, indent=1, default=str))
    con.print("times: " + ", ".join(f"{k} {v:.2f} s" for k, v in times.items()))
    if "csim_mismatches" in summary:
        verdict = "bit-exact" if summary["csim_mismatches"] == 0 else "MISMATCH"
        con.print(
            f"csim vs emulator on {len(x)} samples ({_count(int(summary['csim_threads']), 'thread')}): "
            f"{summary['csim_mismatches']} values differ ({verdict})"
        )
    if "argmax_agreement" in summary:
        con.print(
            f"agreement with the source model: argmax {100 * float(summary['argmax_agreement']):.2f}%, "
            f"max |error| {float(summary['max_abs_error']):.3g}"
        )
    con.print(f"project in {out}/ (report.json, y_emulate.npy, build_prj.tcl for the vendor tool)")
    if summary.get("csim_mismatches"):
        sys.exit(1)


@main.command()
@click.argument("project_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--csim/--no-csim", default=False, help="Run the vendor C-simulation (hlsflow's own csim needs no vendor tool).")
@click.option("--synth/--no-synth", default=True, help="Run C-synthesis.")
@click.option("--cosim/--no-cosim", default=False, help="Run C/RTL co-simulation.")
@click.option("--export/--no-export", default=False, help="Export the IP.")
@click.option("--tool", default=None, help="Tool name, path or install folder (default: found on PATH / XILINX_HLS / XILINX_VIVADO).")
@_handled
def build(project_dir: str, csim: bool, synth: bool, cosim: bool, export: bool, tool: str | None) -> None:
    """Run the vendor HLS tool (Vivado/Vitis HLS or Catapult, per the project's backend) on
    a project written by `hlsflow convert -o` / `run`."""
    import yaml

    from hlsflow.backends.registry import get_backend

    cfg_path = Path(project_dir) / "hlsflow_config.yml"
    if not cfg_path.is_file():
        raise FileNotFoundError(f"{cfg_path}: not an hlsflow project (write one with `hlsflow convert -o DIR`)")
    cfg = yaml.safe_load(cfg_path.read_text()) or {}
    backend = get_backend(str(cfg.get("Backend", "vitis")))
    res = backend.run_build(project_dir, csim=csim, synth=synth, cosim=cosim, export=export, tool=tool)
    con = _console()
    con.print(f"{res.tool.name} finished in {res.seconds:.0f} s; log: {res.log_path}")
    if res.report is not None:
        con.print(res.report.summary())


@main.command()
@MODEL_ARG
@WEIGHTS_OPT
@click.option("--plot", type=click.Path(dir_okay=False), default=None, help="Write a per-layer plot of the metrics to this PNG.")
@click.option("--relaxed", is_flag=True, help="Relaxed validity rules (left degree >= 3, right > 1, groups >= 2) so small layers get values.")
@_handled
def spectral(model: str, weights: str | None, plot: str | None, relaxed: bool) -> None:
    """Spectral-gap report of MODEL's sparse layers (Ramanujan gap, IMDB, NaRC, weighted
    gap, full-spectrum coordinate), one row per layer; undefined values say so."""
    from hlsflow.loader import load_graph
    from hlsflow.sparsity import spectral as sp

    graph = load_graph(model, weights)
    kwargs = {"iclr_rules": sp.RELAXED_RULES, "neurips_rules": sp.RELAXED_RULES} if relaxed else {}
    rep = sp.spectral_report(graph, **kwargs)
    click.echo(sp.format_table(rep))
    click.echo(f"mean layer density (the control every comparison must show): {rep.mean_layer_density:.4f}")
    if plot:
        sp.plot_report(rep, plot)
        click.echo(f"wrote {plot}")


@main.command("config")
@MODEL_ARG
@WEIGHTS_OPT
@click.option("--granularity", "-g", type=click.Choice(["model", "type", "name"]), default="name", show_default=True, help="List settings for the whole model, per layer type, or per layer.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write the YAML here instead of printing it.")
@_handled
def config_cmd(model: str, weights: str | None, granularity: str, output: str | None) -> None:
    """Print (or write) an editable config YAML for MODEL."""
    from hlsflow.project import config_from_model

    cfg = config_from_model(model, granularity=granularity, weights=weights)
    text = cfg.to_yaml(output)
    click.echo(f"wrote {output}" if output else text)


def _print_report(prj: Any) -> None:
    from rich.table import Table

    rep = prj.report()
    t = Table(title=f"{rep.model}: {len(rep.layers)} layers, converted in {rep.convert_seconds:.2f} s")
    for col in ("layer", "op", "output", "exact/accum", "params", "nonzero/weights", "mult", "BOPs"):
        t.add_column(col)
    for r in rep.layers:
        t.add_row(
            r.name,
            r.op,
            r.output,
            r.natural,
            r.params,
            f"{r.nonzero}/{r.weights}" if r.weights else "",
            str(r.multipliers) if r.weights else "",
            f"{r.bops:,.0f}" if r.bops else "",
        )
    con = _console()
    con.print(t)
    con.print(
        f"multipliers {rep.multipliers}, weights {rep.weights}, sparsity {100 * rep.sparsity:.1f}%, BOPs {rep.bops:,.0f}"
    )
    for line in rep.log:
        con.print(f"note: {line}")


def _print_diagnostics(diag: Any) -> None:
    con = _console()
    if not con.is_terminal:
        con.width = max(con.width, 160)  # a pipe or file has no width to fit: keep rows whole
    con.print(diag.table())
    bad = diag.overflowing
    if bad:
        for d in bad:
            what = f"{d.wrapped} wrapped" if d.wrapped else f"{d.saturated} saturated"
            con.print(
                f"{d.layer}: {what} of {d.count} values in {d.type}; "
                f"suggested LayerName.{d.node}.Precision.result: {d.suggested}",
                style="yellow",
                markup=False,
                soft_wrap=True,
            )
    else:
        pinned = [d.layer for d in diag.layers if d.pinned and d.overflows]
        con.print(
            f"no layer overflows on these {diag.samples} samples"
            + (f" (the source model's quantisers saturate in {', '.join(pinned)}, by design)" if pinned else "")
        )


def _print_trace(tr: Any) -> None:
    from rich.table import Table

    t = Table(title="trace")
    for col in ("layer", "op", "type", "overflows", "exact min", "exact max"):
        t.add_column(col)
    for name, op, typ, ov, lo, hi in tr.summary():
        t.add_row(name, op, typ, str(ov), f"{lo:.4g}", f"{hi:.4g}")
    _console().print(t)


if __name__ == "__main__":  # pragma: no cover
    main()
