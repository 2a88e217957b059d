"""Command line: ``hlsflow run | convert | emulate | report | build | spectral | config``.

Every command takes a model (``.h5``, ``.json`` + ``--weights``, or an example-model
folder) and an optional ``--config`` YAML. Errors print one line naming the file, layer
or option and exit with status 2; ``--debug`` shows the full traceback instead.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _handled(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn expected errors into one clear line (and exit 2) unless --debug is given."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        debug = bool(ctx.find_root().params.get("debug"))
        try:
            return fn(*args, **kwargs)
        except click.exceptions.Exit:
            raise
        except (ValueError, RuntimeError, OSError, KeyError, TypeError, ImportError) as exc:
            if debug:
                raise
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if isinstance(exc, ImportError):
                msg += " (install the extra it needs, e.g. pip install 'hlsflow[keras]')"
            _fail(f"{msg}  [{type(exc).__name__}; rerun with --debug for a traceback]")

    return wrapper


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=False, highlight=False)


def _convert(model: str, config: str | None, weights: str | None, io_type: str | None, dump_ir: str | None) -> Any:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from hlsflow.project import convert

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True) as prog:
        task = prog.add_task(f"reading {model}", total=None)

        def step(rec: Any) -> None:
            prog.update(task, description=f"pass {rec.name} done ({rec.seconds * 1e3:.0f} ms)")

        return convert(model, config=config, weights=weights, io_type=io_type, dump_ir=dump_ir, on_pass=step)


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


MODEL_ARG = click.argument("model", type=click.Path(exists=True, dir_okay=True))
CONFIG_OPT = click.option("--config", "-c", type=click.Path(exists=True, dir_okay=False), help="Config YAML (see `hlsflow config`); defaults apply when omitted.")
WEIGHTS_OPT = click.option("--weights", type=click.Path(exists=True, dir_okay=False), help="Weights .h5 for a .json architecture.")
IO_OPT = click.option("--io-type", type=click.Choice(["io_parallel", "io_stream"]), default=None, help="Override the config's IOType.")


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
@click.option("--output-dir", "-o", type=click.Path(file_okay=False), default=None, help="Write the HLS project here (plus model.ir and report.json). Refuses a non-empty folder hlsflow did not create unless --force.")
@click.option("--dump-ir", type=click.Path(file_okay=False), default=None, help="Write the IR after every pass into this folder.")
@click.option("--force", is_flag=True, help="Allow writing into a non-empty folder hlsflow did not create.")
@_handled
def convert(model: str, config: str | None, weights: str | None, io_type: str | None, output_dir: str | None, dump_ir: str | None, force: bool) -> None:
    """Convert MODEL (fixed-point IR, printed as a summary) and, with --output-dir,
    write the HLS project."""
    prj = _convert(model, config, weights, io_type, dump_ir)
    _print_report(prj)
    if output_dir is not None:
        out = prj.write(output_dir, force=force)
        (out / "model.ir").write_text(str(prj.graph) + "\n")
        (out / "report.json").write_text(json.dumps(prj.report().to_dict(), indent=1, default=str))
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
@_handled
def emulate(model: str, inputs: str, output: str | None, compare: str | None, show_trace: bool, config: str | None, weights: str | None, io_type: str | None) -> None:
    """Run the bit-exact emulator on MODEL for the samples in --input."""
    import numpy as np

    prj = _convert(model, config, weights, io_type, None)
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
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_handled
def report(model: str, config: str | None, weights: str | None, io_type: str | None, as_json: bool) -> None:
    """Per-layer types, multipliers, sparsity and BOPs of the converted MODEL."""
    prj = _convert(model, config, weights, io_type, None)
    if as_json:
        click.echo(json.dumps(prj.report().to_dict(), indent=1, default=str))
    else:
        _print_report(prj)


@main.command()
@click.argument("model_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--output-dir", "-o", type=click.Path(file_okay=False), default=None, help="Where to write the HLS project (default: build/<model folder name>).")
@click.option("--io-type", type=click.Choice(["io_parallel", "io_stream"]), default=None, help="Override the config's IOType.")
@click.option("--no-csim", is_flag=True, help="Stop after writing the project (no g++ build).")
@click.option("--force", is_flag=True, help="Allow replacing a non-empty folder hlsflow did not create.")
@_handled
def run(model_dir: str, output_dir: str | None, io_type: str | None, no_csim: bool, force: bool) -> None:
    """The main job on an example-model folder: convert, write the HLS project, C-simulate
    the shipped inputs, check csim == emulator bit for bit, compare with the source
    framework's outputs, and report.

    MODEL_DIR holds model.h5 (or model.json + weights.h5), x_test.npy, y_keras.npy and
    optionally config.yml (see example-models/README.md).
    """
    import time

    import numpy as np

    d = Path(model_dir)
    cfg = d / "config.yml"
    x_path, y_path = d / "x_test.npy", d / "y_keras.npy"
    if not x_path.exists():
        raise FileNotFoundError(f"{x_path}: the model folder needs test inputs (x_test.npy)")
    con = _console()
    t0 = time.perf_counter()
    prj = _convert(str(d), str(cfg) if cfg.exists() else None, None, io_type, None)
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
        t = time.perf_counter()
        with con.status(f"C-simulating {len(x)} samples"):
            yc = np.asarray(prj.csim(x))
        times["csim_run"] = time.perf_counter() - t
        diff = int(np.count_nonzero(yc != y))
        summary.update({"csim_mismatches": diff, "csim_cached": not lib.rebuilt})
    if y_path.exists():
        ref = np.load(y_path).reshape(y.shape)
        agree = float(np.mean(np.argmax(ref.reshape(len(ref), -1), 1) == np.argmax(y.reshape(len(y), -1), 1)))
        summary.update({"argmax_agreement": agree, "max_abs_error": float(np.max(np.abs(ref - y)))})
    summary["seconds"] = times
    np.save(out / "y_emulate.npy", y)
    rep = prj.report().to_dict()
    rep["run"] = summary
    (out / "report.json").write_text(json.dumps(rep, indent=1, default=str))
    con.print("times: " + ", ".join(f"{k} {v:.2f} s" for k, v in times.items()))
    if "csim_mismatches" in summary:
        verdict = "bit-exact" if summary["csim_mismatches"] == 0 else "MISMATCH"
        con.print(f"csim vs emulator on {len(x)} samples: {summary['csim_mismatches']} values differ ({verdict})")
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
