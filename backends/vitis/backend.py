"""Vitis HLS differs from Vivado HLS in the solution setup and the tool command."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hlsflow.backends.common.views import ProjectView
from hlsflow.backends.vivado.backend import VivadoBackend


@dataclass(frozen=True)
class VitisBackend(VivadoBackend):
    name: ClassVar[str] = "vitis"
    tool_title: ClassVar[str] = "Vitis HLS"
    run_command: ClassVar[str] = "vitis-run --mode hls --tcl build_prj.tcl (or vitis_hls -f build_prj.tcl)"

    def solution_lines(self, prj: ProjectView) -> list[str]:
        # Vitis dropped config_array_partition; the flow target picks the Vivado IP flow.
        return ["open_solution {*}$hlsflow_reset solution1 -flow_target vivado", "config_compile -name_max_length 80"]
