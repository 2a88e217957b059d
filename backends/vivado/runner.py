"""Run Vivado HLS (and, through :mod:`hlsflow.backends.vitis.runner`, Vitis HLS) on a generated project.

The generated ``build_prj.tcl`` does the work; this module chooses the steps and runs
the tool::

    result = run_build("build/prj", "vivado", csim=True, synth=True)
    result.report.latency_worst, result.report.used.dsp

:func:`run_build` writes ``build_opts.tcl`` (``set hlsflow_csim 1`` ...), which
``build_prj.tcl`` sources, then runs ``vivado_hls -f build_prj.tcl`` (Vitis: ``vitis-run
--mode hls --tcl build_prj.tcl`` or ``vitis_hls -f build_prj.tcl``) in the project
folder. The tool gets no stdin, so ``build_prj.tcl`` must end with ``exit``. Its output
goes to ``<project>/hlsflow_build.log``.

Vivado HLS and Vitis HLS take the same Tcl and write the same reports; they differ only
in how the tool is found and called, which each backend's ``TOOL_SPEC`` describes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hlsflow.backends.common.tool import (
    ToolCandidate,
    ToolError,
    ToolFailedError,
    ToolInfo,
    ToolNotFoundError,
    ToolSpec,
    ToolTimeoutError,
    locate_tool,
    run_project_steps,
)
from hlsflow.backends.vivado.report import SynthReport, find_csynth_report, parse_csynth_xml

__all__ = [
    "BUILD_OPTS",
    "BUILD_SCRIPT",
    "BuildResult",
    "LOG_NAME",
    "TOOL_SPEC",
    "ToolError",
    "ToolFailedError",
    "ToolInfo",
    "ToolNotFoundError",
    "ToolTimeoutError",
    "find_tool",
    "run_build",
    "tool_spec",
    "write_build_opts",
]

#: The project's build script (written by the project writer).
BUILD_SCRIPT = "build_prj.tcl"
#: The step switches :func:`run_build` writes and ``build_prj.tcl`` sources.
BUILD_OPTS = "build_opts.tcl"
#: The tool's complete output.
LOG_NAME = "hlsflow_build.log"
#: Backends this runner serves.
BACKENDS = ("vivado", "vitis")
# A report older than the start of the build by more than this is stale (seconds; allows
# for file systems that store modification times coarsely).
_MTIME_SLACK = 2.0

TOOL_SPEC = ToolSpec(
    label="Vivado HLS",
    candidates=(ToolCandidate("vivado_hls", ("-f", "{script}")),),
    env_vars=("XILINX_VIVADO",),
)


def tool_spec(backend: str) -> ToolSpec:
    """The :class:`ToolSpec` of ``backend`` (``"vivado"`` or ``"vitis"``)."""
    if backend == "vivado":
        return TOOL_SPEC
    if backend == "vitis":
        from hlsflow.backends.vitis.runner import TOOL_SPEC as VITIS_SPEC  # the vitis module imports this one

        return VITIS_SPEC
    raise ValueError(f"unknown backend {backend!r} for the Xilinx tool runner; expected one of: {', '.join(BACKENDS)}")


def find_tool(backend: str, tool: str | os.PathLike[str] | None = None) -> ToolInfo:
    """Find the HLS tool for ``backend``.

    * ``"vitis"``: ``vitis-run`` (Vitis 2023.1 and later) if present, else ``vitis_hls``;
      looked for in ``$XILINX_HLS/bin``, ``$XILINX_VITIS/bin``, then on ``PATH``.
    * ``"vivado"``: ``vivado_hls`` in ``$XILINX_VIVADO/bin``, then on ``PATH``.

    ``tool`` overrides the search: an executable's path, an install folder, or a name.

    Raises:
        ToolNotFoundError: no tool; the message names what was searched and how to point
            hlsflow at an installed tool.
        ValueError: unknown backend.
    """
    return locate_tool(tool_spec(backend), tool)


@dataclass(frozen=True)
class BuildResult:
    """What one successful :func:`run_build` did.

    Attributes:
        project_dir: the project folder the tool ran in.
        tool: the tool that ran.
        command: the command line, as run.
        returncode: the tool's exit status (0; a failure raises instead).
        seconds: wall-clock run time of the tool, seconds.
        log_path: the file holding the tool's complete output.
        report: the C-synthesis report, when synthesis ran and wrote one (else ``None``).
    """

    project_dir: Path
    tool: ToolInfo
    command: tuple[str, ...]
    returncode: int
    seconds: float
    log_path: Path
    report: SynthReport | None


def write_build_opts(project_dir: str | Path, *, csim: bool, synth: bool, cosim: bool, export: bool) -> Path:
    """Write ``build_opts.tcl`` (``set hlsflow_<step> 0|1`` per step) into the project."""
    path = Path(project_dir) / BUILD_OPTS
    steps = {"csim": csim, "synth": synth, "cosim": cosim, "export": export}
    lines = ["# Build steps, written by hlsflow run_build(); sourced by build_prj.tcl."]
    lines += [f"set hlsflow_{name} {int(bool(on))}" for name, on in steps.items()]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    os.replace(tmp, path)
    return path


def run_build(
    project_dir: str | Path,
    backend: str,
    *,
    csim: bool = False,
    synth: bool = True,
    cosim: bool = False,
    export: bool = False,
    tool: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
    log: Callable[[str], None] | None = None,
) -> BuildResult:
    """Run the vendor tool on a generated project for the chosen steps.

    Args:
        project_dir: folder holding ``build_prj.tcl``; the tool runs there.
        backend: ``"vivado"`` or ``"vitis"`` (chooses the tool, see :func:`find_tool`).
        csim: C simulation; synth: C synthesis; cosim: C/RTL co-simulation;
            export: export the RTL as IP.
        tool: use this tool (path, install folder or name) instead of searching.
        timeout: stop the tool after this many seconds (``None``: no limit).
        log: called with every output line (no newline) as it arrives; the complete
            output also goes to ``<project_dir>/hlsflow_build.log``.

    Returns:
        A :class:`BuildResult`; ``report`` is the synthesis report read from the project
        when ``synth`` ran and the tool wrote one during this run.

    Raises:
        FileNotFoundError: no ``build_prj.tcl`` in ``project_dir``.
        ValueError: unknown backend, no step selected, or a bad timeout.
        ToolNotFoundError: the tool is not installed (or not where ``tool`` says).
        ToolFailedError: the tool exited non-zero (the message quotes its errors).
        ToolTimeoutError: the tool ran past ``timeout``.
        ReportError: synthesis wrote a report that cannot be read.
    """
    run = run_project_steps(
        project_dir,
        lambda: find_tool(backend, tool),
        script=BUILD_SCRIPT,
        log_name=LOG_NAME,
        write_opts=lambda p: write_build_opts(p, csim=csim, synth=synth, cosim=cosim, export=export),
        steps={"csim": csim, "synth": synth, "cosim": cosim, "export": export},
        timeout=timeout,
        log=log,
        find_report=lambda p, started: find_csynth_report(p, newer_than=started - _MTIME_SLACK),
    )
    project, info, command, seconds, log_path = run.project_dir, run.tool, run.command, run.seconds, run.log_path
    report = parse_csynth_xml(run.report_path) if run.report_path is not None else None
    return BuildResult(
        project_dir=project,
        tool=info,
        command=command,
        returncode=0,
        seconds=seconds,
        log_path=log_path,
        report=report,
    )
