"""Run Catapult HLS on a generated project: ``catapult -shell -file build_prj.tcl``.

The tool is looked for in ``$MGC_HOME/bin``, ``$CATAPULT_HOME/bin``, then on ``PATH``;
steps are switched by ``build_opts.tcl`` as for the Xilinx tools, the output goes to
``<project>/hlsflow_build.log``, and the RTL report is parsed when synthesis ran.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hlsflow.backends.catapult.report import CatapultReport, find_rtl_report, parse_rtl_report
from hlsflow.backends.common.tool import (
    ToolCandidate,
    ToolInfo,
    ToolNotFoundError,
    ToolSpec,
    locate_tool,
    run_project_steps,
)
from hlsflow.backends.vivado.runner import BUILD_SCRIPT, LOG_NAME, write_build_opts

__all__ = ["TOOL_SPEC", "CatapultBuildResult", "ToolNotFoundError", "find_tool", "run_build"]

TOOL_SPEC = ToolSpec(
    label="Catapult HLS",
    candidates=(ToolCandidate("catapult", ("-shell", "-file", "{script}")),),
    env_vars=("MGC_HOME", "CATAPULT_HOME"),
)


def find_tool(tool: str | os.PathLike[str] | None = None) -> ToolInfo:
    """``catapult`` (or ``tool``: a path, install folder or name); ToolNotFoundError otherwise."""
    return locate_tool(TOOL_SPEC, tool)


@dataclass(frozen=True)
class CatapultBuildResult:
    project_dir: Path
    tool: ToolInfo
    command: tuple[str, ...]
    returncode: int
    seconds: float
    log_path: Path
    report: CatapultReport | None


def run_build(
    project_dir: str | Path,
    *,
    csim: bool = False,
    synth: bool = True,
    cosim: bool = False,
    export: bool = False,
    tool: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
    log: Callable[[str], None] | None = None,
) -> CatapultBuildResult:
    run = run_project_steps(
        project_dir,
        lambda: find_tool(tool),
        script=BUILD_SCRIPT,
        log_name=LOG_NAME,
        write_opts=lambda p: write_build_opts(p, csim=csim, synth=synth, cosim=cosim, export=export),
        steps={"csim": csim, "synth": synth, "cosim": cosim, "export": export},
        timeout=timeout,
        log=log,
        find_report=lambda p, started: find_rtl_report(p, newer_than=started - 2.0),
    )
    project, info, command, seconds, log_path = run.project_dir, run.tool, run.command, run.seconds, run.log_path
    report = parse_rtl_report(run.report_path) if run.report_path is not None else None
    return CatapultBuildResult(project, info, command, 0, seconds, log_path, report)
