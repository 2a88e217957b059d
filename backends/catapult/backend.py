"""Catapult HLS (ASIC flow): ac_fixed spelling, Catapult pragmas, and its build script.

The firmware, testbench and C-simulation bridge templates are the Vivado family's (they
take the spelling, pragmas and stream constructor from the backend); only the Tcl build
script and the type layer / simulation headers are Catapult's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from hlsflow.backends.common.backend import Backend
from hlsflow.backends.common.views import ProjectView, VarView

from hlsflow.ir.types import FixedType

#: hlsflow rounding / overflow names -> Algorithmic C mode names
AC_ROUNDING = {
    "TRN": "AC_TRN",
    "TRN_ZERO": "AC_TRN_ZERO",
    "RND": "AC_RND",
    "RND_ZERO": "AC_RND_ZERO",
    "RND_INF": "AC_RND_INF",
    "RND_MIN_INF": "AC_RND_MIN_INF",
    "RND_CONV": "AC_RND_CONV",
}
AC_OVERFLOW = {"WRAP": "AC_WRAP", "SAT": "AC_SAT", "SAT_ZERO": "AC_SAT_ZERO", "SAT_SYM": "AC_SAT_SYM"}


def spell_ac(t: FixedType) -> str:
    """``ac_fixed<W,I,S,AC_Q,AC_O>`` (modes always spelled out)."""
    try:
        q, o = AC_ROUNDING[t.rounding.value], AC_OVERFLOW[t.overflow.value]
    except KeyError as exc:  # a mode Algorithmic C does not offer
        raise ValueError(f"{t}: mode {exc.args[0]} has no ac_fixed equivalent") from None
    return f"ac_fixed<{t.width},{t.integer},{'true' if t.signed else 'false'},{q},{o}>"


@dataclass(frozen=True)
class CatapultBackend(Backend):
    name: ClassVar[str] = "catapult"
    family: ClassVar[str] = "catapult"
    tool_title: ClassVar[str] = "Catapult HLS"
    run_command: ClassVar[str] = "catapult -shell -file build_prj.tcl"
    export_format: ClassVar[str] = "rtl"

    def spell(self, t: FixedType) -> str:
        return spell_ac(t)

    def run_build(self, project_dir: str | Path, **steps: Any) -> Any:
        from hlsflow.backends.catapult.runner import run_build

        return run_build(project_dir, **steps)

    def synthesis_report(self, project_dir: str | Path, top: str) -> Any:
        from hlsflow.backends.catapult.report import find_rtl_report, parse_rtl_report

        path = find_rtl_report(project_dir)
        return parse_rtl_report(path) if path is not None else None

    def top_prefix(self, prj: ProjectView) -> list[str]:
        return ["#pragma hls_design top"]

    def top_pragmas(self, prj: ProjectView) -> list[str]:
        return []  # interfaces and the main-loop pipelining are directives in build_prj.tcl

    def array_pragmas(self, v: VarView) -> list[str]:
        return []  # arrays of unrolled loops become registers (no partition pragma in Catapult)

    def stream_pragmas(self, v: VarView) -> list[str]:
        return []  # FIFO depths are set by directives

    def stream_args(self, v: VarView) -> str:
        return ""  # ac_channel takes no name

    def target_line(self, prj: ProjectView) -> str:
        return f"ASIC flow, clock {prj.clock_period} ns"

    def solution_lines(self, prj: ProjectView) -> list[str]:
        ii = 1
        return [f"directive set /{prj.name}/core/main -PIPELINE_INIT_INTERVAL {ii}"] if prj.io_type == "io_parallel" else []
