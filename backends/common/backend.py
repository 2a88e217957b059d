"""Backend base: lowering + templates -> a project folder. Subclasses say only what
differs between tools (type spelling, pragmas, build script lines, tool command)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from hlsflow.backends.common.lowering import lower_graph
from hlsflow.backends.common.views import ProjectView, VarView
from hlsflow.backends.common.writer import (
    MARKER,
    atomic_replace,
    check_destination,
    copy_tree,
    make_env,
    staging_dir,
    templates_root,
)

from hlsflow.ir.types import FixedType

if TYPE_CHECKING:
    from hlsflow.config import Config
    from hlsflow.ir.graph import Graph


@dataclass(frozen=True)
class Backend:
    name: ClassVar[str] = "backend"
    #: folder under templates/ holding this tool family's templates and sim headers
    family: ClassVar[str] = "vivado"
    tool_title: ClassVar[str] = ""
    run_command: ClassVar[str] = ""
    export_format: ClassVar[str] = "ip_catalog"
    #: templates a family does not provide itself come from this family's folder
    base_family: ClassVar[str] = "vivado"

    # -- what differs per tool -----------------------------------------------------
    def spell(self, t: FixedType) -> str:
        raise NotImplementedError

    def top_pragmas(self, prj: ProjectView) -> list[str]:
        raise NotImplementedError

    def array_pragmas(self, v: VarView) -> list[str]:
        raise NotImplementedError

    def stream_pragmas(self, v: VarView) -> list[str]:
        raise NotImplementedError

    def solution_lines(self, prj: ProjectView) -> list[str]:
        raise NotImplementedError

    def stream_type(self, v: VarView) -> str:
        return f"hlsflow::stream<nnet::array<{v.type_name}, {v.channels}> >"

    def stream_args(self, v: VarView) -> str:
        """Constructor arguments of an internal stream (its name, where the tool takes one)."""
        return f'("{v.name}")'

    def top_prefix(self, prj: ProjectView) -> list[str]:
        """Lines before the top function's definition (e.g. Catapult's ``#pragma hls_design top``)."""
        return []

    def target_line(self, prj: ProjectView) -> str:
        """What the project is built for, as the README states it."""
        return f"part `{prj.part}`, clock {prj.clock_period} ns ({prj.clock_uncertainty}% uncertainty)"

    # -- the vendor tool ---------------------------------------------------------------
    def run_build(self, project_dir: str | Path, **steps: Any) -> Any:
        """Run this backend's vendor tool on a written project (steps: csim, synth,
        cosim, export, tool, timeout, log); returns the tool's build result."""
        raise NotImplementedError

    def synthesis_report(self, project_dir: str | Path, top: str) -> Any:
        """The newest synthesis report the vendor tool left in ``project_dir`` (parsed), or
        None when there is none yet."""
        raise NotImplementedError

    def template(self, rel: str) -> str:
        """``<family>/<rel>`` when the family has it, else the base family's."""
        own = f"{self.family}/{rel}"
        return own if (templates_root() / own).is_file() else f"{self.base_family}/{rel}"

    # -- shared ----------------------------------------------------------------------
    def signature(self, prj: ProjectView) -> str:
        if prj.io_type == "io_stream":
            parts = [f"{self.stream_type(v)}& {v.name}" for v in prj.inputs + prj.outputs]
        else:
            parts = [f"const {v.type_name} {v.name}[{v.size}]" for v in prj.inputs]
            parts += [f"{v.type_name} {v.name}[{v.size}]" for v in prj.outputs]
        return ", ".join(parts)

    def lower(self, graph: Graph, config: Config) -> ProjectView:
        return lower_graph(graph, config, self.name)

    def write(
        self,
        graph: Graph,
        config: Config,
        output_dir: str | Path,
        *,
        force: bool = False,
        tb_inputs: list[np.ndarray] | None = None,
        tb_outputs: list[np.ndarray] | None = None,
    ) -> Path:
        """Write the project; returns its folder. See ``writer`` for the safety rules."""
        out = Path(output_dir).resolve()
        check_destination(out, force)
        prj = self.lower(graph, config)
        env = _environment(self)
        ctx: dict[str, Any] = {
            "prj": prj,
            "signature": self.signature(prj),
            "pragmas_top": self.top_pragmas(prj),
            "array_pragmas": self.array_pragmas,
            "stream_pragmas": self.stream_pragmas,
            "stream_type": self.stream_type,
            "stream_args": self.stream_args,
            "top_prefix": self.top_prefix(prj),
            "target_line": self.target_line(prj),
            "cfg": config,
            "solution_lines": self.solution_lines(prj),
            "tool_title": self.tool_title,
            "run_command": self.run_command,
            "export_format": self.export_format,
        }
        stage = staging_dir(out)
        try:
            fam = self.family
            files = {
                f"firmware/{prj.name}.cpp": "firmware/top.cpp.jinja",
                f"firmware/{prj.name}.h": "firmware/top.h.jinja",
                "firmware/defines.h": "firmware/defines.h.jinja",
                "firmware/parameters.h": "firmware/parameters.h.jinja",
                f"tb/{prj.name}_test.cpp": "tb/test.cpp.jinja",
                "csim/bridge.cpp": "csim/bridge.cpp.jinja",
                "build_prj.tcl": "build_prj.tcl.jinja",
                "README.md": "README.md.jinja",
            }
            for dst, tpl in files.items():
                path = stage / dst
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(env.get_template(self.template(tpl)).render(**ctx))
            wtpl = env.get_template(self.template("firmware/weights.h.jinja"))
            (stage / "firmware/weights").mkdir(parents=True, exist_ok=True)
            for a in prj.arrays:
                (stage / "firmware/weights" / f"{a.name}.h").write_text(wtpl.render(a=a))
            root = templates_root()
            copy_tree(root / "common" / "nnet", stage / "firmware" / "nnet")
            copy_tree(root / fam, stage / "firmware", ("hlsflow_types.h",))
            copy_tree(root / fam / "sim", stage / "sim")
            copy_tree(root / "common" / "sim", stage / "sim")
            (stage / "tb_data").mkdir(exist_ok=True)
            if tb_inputs is not None:
                _write_dat(stage / "tb_data" / "tb_input_features.dat", tb_inputs)
            if tb_outputs is not None:
                _write_dat(stage / "tb_data" / "tb_output_predictions.dat", tb_outputs)
            config.to_yaml(stage / "hlsflow_config.yml")
            (stage / MARKER).write_text(f"created by hlsflow ({self.name} backend)\n")
        except BaseException:
            import shutil

            shutil.rmtree(stage, ignore_errors=True)
            raise
        atomic_replace(stage, out)
        return out


@functools.lru_cache(maxsize=16)
def _environment(backend: Backend) -> Any:
    """One Jinja environment per backend (a frozen, hashable value): its compiled
    templates are reused by every later write in the process."""
    return make_env({"ctype": backend.spell})


def _write_dat(path: Path, arrays: list[np.ndarray]) -> None:
    """One sample per line; floats written with repr() so values round-trip exactly."""
    flat = [np.asarray(a, dtype=np.float64).reshape(len(a), -1) for a in arrays]
    with path.open("w") as f:
        for rows in zip(*flat):
            f.write(" ".join(repr(float(v)) for r in rows for v in r) + "\n")
