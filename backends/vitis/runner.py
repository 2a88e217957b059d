"""Run Vitis HLS on a generated project.

Vitis HLS takes the same ``build_prj.tcl`` and writes the same reports as Vivado HLS, so
everything but finding and calling the tool is :mod:`hlsflow.backends.vivado.runner`'s. Vitis 2023.1
and later run Tcl through ``vitis-run --mode hls --tcl build_prj.tcl`` (``vitis_hls`` is
deprecated from 2024.2); older releases through ``vitis_hls -f build_prj.tcl``::

    run_build("build/prj", "vitis", synth=True)
"""

from __future__ import annotations

from hlsflow.backends.common.tool import ToolCandidate, ToolSpec
from hlsflow.backends.vivado.runner import (
    BuildResult,
    ToolError,
    ToolFailedError,
    ToolInfo,
    ToolNotFoundError,
    ToolTimeoutError,
    find_tool,
    run_build,
    write_build_opts,
)

__all__ = [
    "TOOL_SPEC",
    "BuildResult",
    "ToolError",
    "ToolFailedError",
    "ToolInfo",
    "ToolNotFoundError",
    "ToolTimeoutError",
    "find_tool",
    "run_build",
    "write_build_opts",
]

#: ``vitis-run`` preferred; ``XILINX_HLS`` is set by Vitis HLS's settings64.sh, and
#: ``XILINX_VITIS`` names the Vitis install whose bin/ holds ``vitis-run``.
TOOL_SPEC = ToolSpec(
    label="Vitis HLS",
    candidates=(
        ToolCandidate("vitis-run", ("--mode", "hls", "--tcl", "{script}")),
        ToolCandidate("vitis_hls", ("-f", "{script}")),
    ),
    env_vars=("XILINX_HLS", "XILINX_VITIS"),
)
