"""One vendor build of a written project, the same for every tool family.

Every backend's ``build_prj.tcl`` sources ``build_opts.tcl`` (``set hlsflow_<step> 0|1``
for csim, synth, cosim, export), so choosing the steps, running the tool with a log and
reading the synthesis report it wrote follow one sequence; a backend supplies only how
its tool is found and how its report is located and parsed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypedDict, TypeVar

from hlsflow.backends.common.tool import ToolInfo, run_project_steps

__all__ = ["BUILD_OPTS", "BUILD_SCRIPT", "LOG_NAME", "BuildResult", "BuildSteps", "run_build_steps", "write_build_opts"]

#: The project's build script (written by the project writer).
BUILD_SCRIPT = "build_prj.tcl"
#: The step switches :func:`write_build_opts` writes and ``build_prj.tcl`` sources.
BUILD_OPTS = "build_opts.tcl"
#: The tool's complete output.
LOG_NAME = "hlsflow_build.log"
#: A report older than the start of the build by more than this many seconds is stale
#: (allows for file systems that store modification times coarsely).
MTIME_SLACK = 2.0

R = TypeVar("R")


class BuildSteps(TypedDict, total=False):
    """The options every runner's ``run_build`` takes (defaults: :func:`run_build_steps`'s).

    csim: C simulation; synth: synthesis; cosim: C/RTL co-simulation; export: export the
    RTL (IP catalog / RTL files); timeout: stop the tool after this many seconds (None:
    no limit); log: called with every output line as it arrives (the whole output also
    goes to ``<project>/hlsflow_build.log``).
    """

    csim: bool
    synth: bool
    cosim: bool
    export: bool
    timeout: float | None
    log: Callable[[str], None] | None


@dataclass(frozen=True)
class BuildResult(Generic[R]):
    """What one successful build did.

    Attributes:
        project_dir: the project folder the tool ran in.
        tool: the tool that ran.
        command: the command line, as run.
        returncode: the tool's exit status (0; a failure raises instead).
        seconds: wall-clock run time of the tool, seconds.
        log_path: the file holding the tool's complete output.
        report: the synthesis report (Vivado/Vitis csynth, Catapult rtl.rpt), when
            synthesis ran and wrote one during this build (else ``None``).
    """

    project_dir: Path
    tool: ToolInfo
    command: tuple[str, ...]
    returncode: int
    seconds: float
    log_path: Path
    report: R | None


def write_build_opts(project_dir: str | Path, *, csim: bool, synth: bool, cosim: bool, export: bool) -> Path:
    """Write ``build_opts.tcl`` (``set hlsflow_<step> 0|1`` per step) into the project,
    atomically (a tool started meanwhile never reads half a file)."""
    path = Path(project_dir) / BUILD_OPTS
    steps = {"csim": csim, "synth": synth, "cosim": cosim, "export": export}
    lines = ["# Build steps, written by hlsflow run_build(); sourced by build_prj.tcl."]
    lines += [f"set hlsflow_{name} {int(bool(on))}" for name, on in steps.items()]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    os.replace(tmp, path)
    return path


def run_build_steps(
    project_dir: str | Path,
    locate: Callable[[], ToolInfo],
    *,
    find_report: Callable[[Path, float], Path | None],
    parse_report: Callable[[Path], R],
    csim: bool = False,
    synth: bool = True,
    cosim: bool = False,
    export: bool = False,
    timeout: float | None = None,
    log: Callable[[str], None] | None = None,
) -> BuildResult[R]:
    """Write the step switches, run the tool ``locate`` finds on ``build_prj.tcl`` with
    its output logged, and parse the report ``find_report(project, newer_than)`` finds
    (only when synthesis ran; ``newer_than`` is the start time less MTIME_SLACK, so a
    report left by an earlier build is never taken for this one's)."""
    run = run_project_steps(
        project_dir,
        locate,
        script=BUILD_SCRIPT,
        log_name=LOG_NAME,
        write_opts=lambda p: write_build_opts(p, csim=csim, synth=synth, cosim=cosim, export=export),
        steps={"csim": csim, "synth": synth, "cosim": cosim, "export": export},
        timeout=timeout,
        log=log,
        find_report=lambda p, started: find_report(p, started - MTIME_SLACK),
    )
    report = parse_report(run.report_path) if run.report_path is not None else None
    return BuildResult(run.project_dir, run.tool, run.command, 0, run.seconds, run.log_path, report)
