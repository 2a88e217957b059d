"""Vivado HLS: ap_fixed spelling, pragmas, and the vivado_hls build script lines."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from hlsflow.backends.common.backend import Backend
from hlsflow.backends.common.views import ProjectView, VarView

from hlsflow.ir.types import FixedType, Overflow, Rounding


def spell_ap(t: FixedType) -> str:
    """``ap_fixed<W,I,AP_Q,AP_O>`` / ``ap_ufixed<...>``; default modes left out."""
    base = "ap_fixed" if t.signed else "ap_ufixed"
    if t.rounding is Rounding.TRN and t.overflow is Overflow.WRAP:
        return f"{base}<{t.width},{t.integer}>"
    return f"{base}<{t.width},{t.integer},AP_{t.rounding.value},AP_{t.overflow.value}>"


@dataclass(frozen=True)
class VivadoBackend(Backend):
    name: ClassVar[str] = "vivado"
    family: ClassVar[str] = "vivado"
    tool_title: ClassVar[str] = "Vivado HLS"
    run_command: ClassVar[str] = "vivado_hls -f build_prj.tcl"

    def spell(self, t: FixedType) -> str:
        return spell_ap(t)

    def run_build(self, project_dir: str | Path, **steps: Any) -> Any:
        from hlsflow.backends.vivado.runner import run_build

        return run_build(project_dir, self.name, **steps)

    def synthesis_report(self, project_dir: str | Path, top: str) -> Any:
        from hlsflow.backends.vivado.report import find_csynth_report, parse_csynth_xml

        path = find_csynth_report(project_dir, top)
        return parse_csynth_xml(path) if path is not None else None

    def top_pragmas(self, prj: ProjectView) -> list[str]:
        ports = [v.name for v in prj.inputs + prj.outputs]
        if prj.io_type == "io_stream":
            return [f"#pragma HLS INTERFACE axis port={p}" for p in ports] + ["#pragma HLS DATAFLOW"]
        lines = [f"#pragma HLS ARRAY_RESHAPE variable={p} complete dim=0" for p in ports]
        lines.append("#pragma HLS INTERFACE ap_vld port=" + ",".join(ports))
        lines.append("#pragma HLS PIPELINE")
        return lines

    def array_pragmas(self, v: VarView) -> list[str]:
        return [f"#pragma HLS ARRAY_PARTITION variable={v.name} complete dim=0"]

    def stream_pragmas(self, v: VarView) -> list[str]:
        depth = max(v.size // max(v.channels, 1), 1)
        return [f"#pragma HLS STREAM variable={v.name} depth={depth}"]

    def solution_lines(self, prj: ProjectView) -> list[str]:
        return ["open_solution {*}$hlsflow_reset solution1", "config_array_partition -maximum_size 4096"]
