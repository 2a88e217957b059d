"""The public conversion API: ``convert`` and ``config_from_model`` return / take the
objects users work with; :class:`Project` holds the converted graph and its config."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hlsflow import emulate as _emu
from hlsflow.config import Config, config_for_graph
from hlsflow.errors import ClippedWeights, ClippedWeightsWarning, clipped_weights_message, find_clipped_weights
from hlsflow.ir.graph import Graph
from hlsflow.ir.types import FixedType
from hlsflow.loader import load_graph
from hlsflow.passes.base import PassContext
from hlsflow.passes.manager import PassManager, PassRecord

if TYPE_CHECKING:
    from hlsflow.diagnostics import Diagnostics
    from hlsflow.sim.csim import CsimLibrary

LINEAR_OPS = ("dense", "pointwise_conv", "conv1d", "conv2d", "depthwise_conv2d")


@dataclass(frozen=True)
class LayerReport:
    """One node's line in the report."""

    name: str
    op: str
    output: str  # declared output type and shape
    natural: str  # exact (accumulator) type
    params: str  # "kernel: fixed<8,1>[64,32]; bias: ..."
    weights: int  # kernel elements
    nonzero: int  # kernel elements with a non-zero stored value
    multipliers: int  # ceil(nonzero / reuse factor): multipliers the layer instantiates
    macs: int  # non-zero multiply-accumulates per inference
    bops: float  # bit operations (Baskin et al.), linear layers only
    reuse_factor: int
    strategy: str


@dataclass(frozen=True)
class Report:
    model: str
    layers: tuple[LayerReport, ...]
    passes: tuple[PassRecord, ...]
    log: tuple[str, ...]
    convert_seconds: float
    synthesis: dict[str, Any] | None = None  # the vendor's csynth report, when one exists

    @property
    def multipliers(self) -> int:
        return sum(r.multipliers for r in self.layers)

    @property
    def weights(self) -> int:
        return sum(r.weights for r in self.layers)

    @property
    def nonzero(self) -> int:
        return sum(r.nonzero for r in self.layers)

    @property
    def sparsity(self) -> float:
        return 1.0 - self.nonzero / self.weights if self.weights else 0.0

    @property
    def bops(self) -> float:
        return sum(r.bops for r in self.layers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "multipliers": self.multipliers,
            "weights": self.weights,
            "nonzero_weights": self.nonzero,
            "sparsity": self.sparsity,
            "bops": self.bops,
            "convert_seconds": self.convert_seconds,
            "layers": [r.__dict__ for r in self.layers],
            "passes": [r.__dict__ for r in self.passes],
            "log": list(self.log),
            "synthesis": self.synthesis,
        }


def layer_bops(node: Any) -> float:
    """BOPs of a linear node: ``m*n*(p*b_a*b_w + b_a + b_w + log2 n)`` per output
    position (n = fan-in, m = outputs per position, p = kept fraction of weights and
    biases, b_a / b_w = input / weight bit widths)."""
    if node.op.name not in LINEAR_OPS:
        return 0.0
    k = node.params["kernel"]
    a = node.inputs[0].type.elem
    if not isinstance(k.type, FixedType) or not isinstance(a, FixedType):
        return 0.0
    if node.op.name == "depthwise_conv2d":
        n = int(np.prod(k.shape[:2]))
        m = int(np.prod(k.shape[2:]))
    else:
        n = int(np.prod(k.shape[:-1]))
        m = int(k.shape[-1])
    from hlsflow.sparsity.bops import dense_bops, kept_fraction

    bias = node.params["bias"].mant if "bias" in node.params else None
    p = kept_fraction(k.mant, bias)
    positions = int(np.prod(node.output.type.shape[:-1])) if len(node.output.type.shape) > 1 else 1
    return positions * dense_bops(n, m, k.type.width, a.width, p)


@dataclass
class Project:
    """A converted model: its final graph, the config that produced it, and the log."""

    graph: Graph
    config: Config
    passes: list[PassRecord] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    convert_seconds: float = 0.0
    output_dir: Path | None = None
    calibration: Diagnostics | None = None  # per-layer numerics of convert(calibration=...)
    clipped_weights: tuple[ClippedWeights, ...] = ()  # weights their precision saturated/wrapped
    _lib: CsimLibrary | None = field(default=None, init=False, repr=False, compare=False)  # last compile()

    # -- numerics ----------------------------------------------------------------
    def emulate(self, x: Any) -> np.ndarray | list[np.ndarray]:
        """Bit-exact outputs (float64 arrays holding the fixed-point values)."""
        return _emu.emulate(self.graph, x)

    def trace(self, x: Any) -> _emu.Trace:
        """Every layer's bit-exact output and exact values, and overflow/saturation and
        underflow counts (``hlsflow.diagnostics.diagnose`` turns it into a report)."""
        return _emu.trace(self.graph, x)

    def diagnose(self, x: Any, plots: str | Path | None = None) -> Diagnostics:
        """Per-layer numerics on ``x`` (:class:`hlsflow.diagnostics.Diagnostics`): ranges
        seen vs each type's range, wrapped/saturated/underflow counts and the narrowest
        type holding every value; ``plots`` writes one PNG per layer into that folder."""
        from hlsflow import diagnostics as _diag

        tr = self.trace(x)
        diag = _diag.diagnose(tr, self.graph)
        if plots is not None:
            _diag.write_trace_plots(diag, tr, plots)
        return diag

    def reference(self, x: Any) -> np.ndarray | list[np.ndarray]:
        """Float64 evaluation with the source's unquantised parameters."""
        return _emu.reference(self.graph, x)

    # -- code generation and C-simulation -------------------------------------------
    def _backend(self) -> Any:
        from hlsflow.backends.registry import get_backend

        return get_backend(self.config.backend)

    def write(self, output_dir: str | Path | None = None, *, force: bool = False, tb_inputs: Any = None) -> Path:
        """Write the HLS project (atomically). ``tb_inputs`` (a batch) also writes the
        testbench data: those inputs and the emulator's bit-exact outputs."""
        out = (
            Path(output_dir)
            if output_dir is not None
            else (self.output_dir or Path("hlsflow_prj") / self.config.project_name)
        )
        tb_x = tb_y = None
        if tb_inputs is not None:
            xs = _emu._batched_inputs(self.graph, tb_inputs)
            ys = self.emulate(tb_inputs)
            tb_x = xs
            tb_y = ys if isinstance(ys, list) else [ys]
        self.output_dir = self._backend().write(
            self.graph, self.config, out, force=force, tb_inputs=tb_x, tb_outputs=tb_y
        )
        self._lib = None
        return self.output_dir

    def compile(self, include_dir: str | Path | None = None, *, opt: str | None = None) -> Any:
        """Build the C-simulation library (cached by content hash); writes first if needed.

        ``opt`` is g++'s optimisation flag (e.g. ``"-O0"``), default the build's own
        (``-O2``); the fixed-point arithmetic is integer code, so every level computes the
        same bits and a lower one only trades run speed for build speed."""
        from hlsflow.sim import csim as _csim

        if self.output_dir is None or not (self.output_dir / "csim" / "bridge.cpp").exists():
            self.write()
        assert self.output_dir is not None
        extra = {"opt": opt} if opt is not None else {}
        lib = _csim.build(
            self.output_dir, self.config.project_name, include_dir=include_dir, family=self._backend().family, **extra
        )
        self._lib = lib
        return lib

    def csim_raw(
        self, x: Any, include_dir: str | Path | None = None, *, opt: str | None = None, threads: int | None = None
    ) -> list[Any]:
        """C-simulate a whole batch; returns one FixedArray per graph output. ``opt``: see
        :meth:`compile` (a library already built by ``compile`` is reused as it is).
        ``threads``: how many slices of the batch run at once (default: one per usable
        core, or ``$HLSFLOW_CSIM_THREADS``; vendor headers always run on one); the
        outputs never depend on it."""
        from hlsflow.ir.types import as_fixed
        from hlsflow.numerics.array import FixedArray
        from hlsflow.sim import csim as _csim

        xs = _emu._batched_inputs(self.graph, x)  # bad data fails before a (slow) build
        lib = self._lib
        if lib is None or include_dir is not None:
            lib = self.compile(include_dir, opt=opt)
        types = [as_fixed(v.type.elem) for v in self.graph.inputs]

        def raw_inputs(lo: int, hi: int) -> list[np.ndarray]:
            # quantised on the slice's own thread (csim.run_slices)
            return [FixedArray.from_float(a[lo:hi], t).mant for a, t in zip(xs, types)]

        sizes = [v.type.size for v in self.graph.outputs]
        outs = _csim.run_slices(lib, len(xs[0]), raw_inputs, sizes, threads=threads)
        res = []
        for o, v in zip(outs, self.graph.outputs):
            t = as_fixed(v.type.elem)
            res.append(FixedArray(o.reshape((len(o),) + v.type.shape), t))
        return res

    def csim(
        self, x: Any, include_dir: str | Path | None = None, *, threads: int | None = None
    ) -> np.ndarray | list[np.ndarray]:
        """C-simulated outputs as float64 (exact fixed-point values); equals ``emulate``.
        ``threads``: see :meth:`csim_raw`."""
        res = [r.to_float() for r in self.csim_raw(x, include_dir, threads=threads)]
        return res[0] if len(res) == 1 else res

    def build(
        self,
        *,
        csim: bool = False,
        synth: bool = True,
        cosim: bool = False,
        export: bool = False,
        tool: str | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Run the backend's vendor tool on the written project (Vitis: ``vitis-run`` /
        ``vitis_hls``; Vivado: ``vivado_hls``; Catapult: ``catapult -shell``); raises
        ToolNotFoundError with instructions when none is installed. Returns the build
        result with the parsed synthesis report."""
        from hlsflow.backends.registry import get_backend

        if self.output_dir is None or not (self.output_dir / "build_prj.tcl").exists():
            self.write()
        assert self.output_dir is not None
        return get_backend(self.config.backend).run_build(
            self.output_dir, csim=csim, synth=synth, cosim=cosim, export=export, tool=tool, timeout=timeout
        )

    def synthesis_report(self) -> Any:
        """The vendor's synthesis report of the written project (Vivado/Vitis csynth XML,
        Catapult rtl.rpt), or None when the tool has not run."""
        if self.output_dir is None:
            return None
        from hlsflow.backends.registry import get_backend

        return get_backend(self.config.backend).synthesis_report(self.output_dir, self.config.project_name)

    # -- reporting ---------------------------------------------------------------
    def report(self) -> Report:
        rows = []
        for n in self.graph.nodes:
            r = self.config.for_node(n)
            natural = n.op.infer_types(n)[0].elem if n.op.name != "input" else n.output.type.elem
            k = n.params.get("kernel")
            weights = k.values.size if k is not None else 0
            nonzero = k.nonzero if k is not None else 0
            positions = int(np.prod(n.output.type.shape[:-1])) if len(n.output.type.shape) > 1 else 1
            params = "; ".join(f"{p}: {c.type}[{','.join(map(str, c.shape))}]" for p, c in n.params.items())
            rows.append(
                LayerReport(
                    name=n.name,
                    op=n.op.name,
                    output=str(n.output.type),
                    natural=str(natural),
                    params=params,
                    weights=weights,
                    nonzero=nonzero,
                    multipliers=math.ceil(nonzero / r.reuse_factor) if k is not None else 0,
                    macs=nonzero * positions,
                    bops=layer_bops(n),
                    reuse_factor=r.reuse_factor,
                    strategy=r.strategy,
                )
            )
        synth = self.synthesis_report()
        return Report(
            self.graph.name,
            tuple(rows),
            tuple(self.passes),
            tuple(self.log),
            self.convert_seconds,
            synth.to_dict() if synth is not None else None,
        )

    def __str__(self) -> str:
        return str(self.graph)


def _apply_overrides(cfg: Config, overrides: dict[str, Any]) -> Config:
    for key, value in overrides.items():
        if value is None:
            continue
        if not hasattr(cfg, key):
            raise TypeError(f"convert() got an unknown option {key!r}")
        setattr(cfg, key, value)
    return cfg


def convert(
    model: Any,
    config: Config | str | Path | None = None,
    *,
    backend: str | None = None,
    io_type: str | None = None,
    project_name: str | None = None,
    output_dir: str | Path | None = None,
    weights: str | Path | None = None,
    pipeline: str = "default",
    dump_ir: str | Path | None = None,
    on_pass: Callable[[PassRecord], None] | None = None,
    calibration: Any = None,
) -> Project:
    """Convert a model (object or path) into a :class:`Project`.

    ``config`` is a :class:`Config`, a YAML path, or None for defaults; keyword options
    override the config's top-level settings. ``dump_ir`` writes the IR after every pass.
    ``calibration`` (input samples, batch first) is emulated after conversion; its
    per-layer diagnostics are kept as ``prj.calibration``, and when a layer whose type
    the config sets wraps or saturates, one ``HlsflowPrecisionWarning`` lists the layers,
    counts and suggested precisions.
    """
    t0 = time.perf_counter()
    if config is None:
        cfg = Config()
    elif isinstance(config, Config):
        cfg = config.copy()
    else:
        cfg = Config.from_yaml(config)
    _apply_overrides(cfg, {"backend": backend, "io_type": io_type, "project_name": project_name})
    graph = load_graph(model, weights)
    cfg.validate(graph)  # LayerName entries must name layers of the source model
    names_before = {n.name for n in graph.nodes}
    ctx = PassContext(cfg)
    ctx.log.extend(getattr(graph, "meta_log", []))  # the frontend's notes (e.g. scaling ops)
    records = PassManager(pipeline, dump_dir=dump_ir, on_pass=on_pass).run(graph, ctx)
    gone = sorted(set(cfg.layer_name) & (names_before - {n.name for n in graph.nodes}))
    for name in gone:
        ctx.note(f"config: LayerName.{name} applies to no layer after optimisation (the layer was folded or removed)")
    cfg.validate()
    ctx.log.extend(cfg.reuse_notes(graph))
    prj = Project(
        graph,
        cfg,
        records,
        ctx.log,
        time.perf_counter() - t0,
        Path(output_dir) if output_dir is not None else None,
    )
    prj.clipped_weights = find_clipped_weights(graph)
    if prj.clipped_weights:  # users narrow types on purpose: a warning, never an error
        import warnings

        warnings.warn(clipped_weights_message(prj.clipped_weights), ClippedWeightsWarning, stacklevel=2)
    if calibration is not None:
        _calibrate(prj, calibration)
    return prj


def _calibrate(prj: Project, x: Any) -> None:
    """Emulate the calibration data; keep the diagnostics and warn about overflows."""
    import warnings

    from hlsflow.diagnostics import HlsflowPrecisionWarning

    try:
        prj.calibration = prj.diagnose(x)
    except _emu.EmulationError as exc:
        raise _emu.EmulationError(f"calibration data: {exc}") from None
    if prj.calibration.overflowing:
        warnings.warn(prj.calibration.warning_message(), HlsflowPrecisionWarning, stacklevel=3)


def config_from_model(
    model: Any, granularity: str = "model", base: Config | None = None, weights: str | Path | None = None
) -> Config:
    """A config for ``model`` listing its layer types (``type``) or layers (``name``),
    with the names ``convert`` will use, every precision set to ``auto``."""
    graph = load_graph(model, weights)
    PassManager("float").run(graph, PassContext(base or Config()))
    return config_for_graph(graph, granularity, base)
