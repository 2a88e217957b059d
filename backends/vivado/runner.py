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
from pathlib import Path
from typing import Unpack

from hlsflow.backends.common.build import (
    BUILD_OPTS,
    BUILD_SCRIPT,
    LOG_NAME,
    BuildResult,
    BuildSteps,
    run_build_steps,
    write_build_opts,
)
from hlsflow.backends.common.tool import (
    ToolCandidate,
    ToolError,
    ToolFailedError,
    ToolInfo,
    ToolNotFoundError,
    ToolSpec,
    ToolTimeoutError,
    locate_tool,
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

#: Backends this runner serves.
BACKENDS = ("vivado", "vitis")

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


def run_build(
    project_dir: str | Path,
    backend: str,
    *,
    tool: str | os.PathLike[str] | None = None,
    **steps: Unpack[BuildSteps],
) -> BuildResult[SynthReport]:
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
    return run_build_steps(
        project_dir,
        lambda: find_tool(backend, tool),
        find_report=lambda p, since: find_csynth_report(p, newer_than=since),
        parse_report=parse_csynth_xml,
        **steps,
    )
