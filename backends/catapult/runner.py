"""Run Catapult HLS on a generated project: ``catapult -shell -file build_prj.tcl``.

The tool is looked for in ``$MGC_HOME/bin``, ``$CATAPULT_HOME/bin``, then on ``PATH``;
steps are switched by ``build_opts.tcl`` as for the Xilinx tools, the output goes to
``<project>/hlsflow_build.log``, and the RTL report is parsed when synthesis ran.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeAlias, Unpack

from hlsflow.backends.catapult.report import CatapultReport, find_rtl_report, parse_rtl_report
from hlsflow.backends.common.build import BuildResult, BuildSteps, run_build_steps
from hlsflow.backends.common.tool import ToolCandidate, ToolInfo, ToolNotFoundError, ToolSpec, locate_tool

__all__ = ["TOOL_SPEC", "CatapultBuildResult", "ToolNotFoundError", "find_tool", "run_build"]

TOOL_SPEC = ToolSpec(
    label="Catapult HLS",
    candidates=(ToolCandidate("catapult", ("-shell", "-file", "{script}")),),
    env_vars=("MGC_HOME", "CATAPULT_HOME"),
)


def find_tool(tool: str | os.PathLike[str] | None = None) -> ToolInfo:
    """``catapult`` (or ``tool``: a path, install folder or name); ToolNotFoundError otherwise."""
    return locate_tool(TOOL_SPEC, tool)


#: What one successful :func:`run_build` did (``report``: the parsed ``rtl.rpt``).
CatapultBuildResult: TypeAlias = BuildResult[CatapultReport]


def run_build(
    project_dir: str | Path, *, tool: str | os.PathLike[str] | None = None, **steps: Unpack[BuildSteps]
) -> CatapultBuildResult:
    """Run ``catapult -shell -file build_prj.tcl`` for the chosen steps (:class:`BuildSteps`:
    csim, synth, cosim, export, timeout, log, as for the Xilinx tools); ``tool``: a path,
    install folder or name instead of the search. The result's ``report`` is the RTL
    report of this run when synthesis ran."""
    return run_build_steps(
        project_dir,
        lambda: find_tool(tool),
        find_report=lambda p, since: find_rtl_report(p, newer_than=since),
        parse_report=parse_rtl_report,
        **steps,
    )
