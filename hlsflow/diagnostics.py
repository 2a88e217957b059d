"""Numerical diagnostics from an emulator trace: per layer, the values seen against the
output type's range, what assignment did to them, and the narrowest type that holds them.

``diagnose(trace, graph)`` turns a :class:`~hlsflow.emulate.Trace` into frozen
:class:`LayerDiagnostics` records (one per traced node output, in graph order):

* the declared type and its representable range (``type_min``/``type_max``);
* the range of the exact (pre-assignment) values and of the assigned values;
* ``wrapped`` / ``saturated``: values outside the range, counted by the type's overflow
  mode (WRAP wraps; SAT, SAT_SYM and SAT_ZERO saturate) -- one of the two is always 0;
* ``underflows``: non-zero exact values that rounding turned into 0 (a sign that the
  type keeps too few fraction bits);
* ``suggested``: the fewest integer bits, with the current fraction bits, rounding and
  overflow modes, that hold every exact value seen after rounding -- unsigned when no
  value is negative, signed otherwise. Setting it as the layer's result precision
  (``LayerName.<layer>.Precision.result``) gives 0 overflows on the same data, unless
  an upstream layer overflowed too (``provisional``): fixing that one changes this
  layer's inputs, so trace again after applying it.

Layers whose type was fixed by a quantiser of the source model (``pinned``; QKeras'
``quantized_relu`` saturates by design) are reported, but are not precision problems:
the config cannot change them and the calibration warning leaves them out.

``write_trace_plots`` draws one PNG per layer (matplotlib, imported only there).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hlsflow.errors import HlsflowWarning
from hlsflow.ir.types import FixedType, IntType, Overflow, parse_type
from hlsflow.numerics.fixed import bits_for

if TYPE_CHECKING:
    from hlsflow.config import Config
    from hlsflow.emulate import LayerTrace, Trace
    from hlsflow.ir.graph import Graph


class HlsflowPrecisionWarning(HlsflowWarning):
    """Calibration data overflows (wraps or saturates) a layer's type at convert time."""


@dataclass(frozen=True)
class LayerDiagnostics:
    """One layer output's numerics over the traced data.

    Invariants: ``wrapped == 0`` unless ``overflow == "WRAP"`` and ``saturated == 0``
    when it is; ``wrapped + saturated <= count``; ``suggested`` has the type's fraction
    bits and modes and holds ``[rounded_min, rounded_max]`` (mantissas on the type's
    grid, after rounding, before overflow) with the fewest integer bits.
    """

    layer: str  # the value's name (== its node's name for single-output nodes)
    node: str  # the node a LayerName config entry addresses
    op: str
    type: str  # declared output type, IR spelling
    overflow: str  # the type's overflow mode: WRAP, SAT, SAT_SYM or SAT_ZERO
    type_min: float  # smallest / largest representable value
    type_max: float
    exact_min: float  # range of the exact (pre-assignment) values seen
    exact_max: float
    seen_min: float  # range of the assigned values
    seen_max: float
    count: int  # values traced (batch x tensor size)
    wrapped: int
    saturated: int
    underflows: int  # non-zero exact values that became 0
    suggested: str  # narrowest type holding every value seen, IR spelling
    suggested_width: int
    suggested_integer: int
    pinned: bool = False  # type set by a source-model quantiser (config cannot change it)
    provisional: bool = False  # an upstream layer overflowed: its fix changes these values

    @property
    def overflows(self) -> int:
        return self.wrapped + self.saturated

    @property
    def width(self) -> int:
        return _elem(self.type).width

    @property
    def integer(self) -> int:
        return _elem(self.type).integer

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["overflows"] = self.overflows
        return d


@dataclass(frozen=True)
class Diagnostics:
    """Every traced layer's :class:`LayerDiagnostics`, in graph order."""

    model: str
    samples: int
    layers: tuple[LayerDiagnostics, ...]

    def __getitem__(self, layer: str) -> LayerDiagnostics:
        for d in self.layers:
            if d.layer == layer:
                return d
        raise KeyError(f"no traced layer {layer!r}; layers are: {', '.join(d.layer for d in self.layers)}")

    def __iter__(self) -> Iterator[LayerDiagnostics]:
        return iter(self.layers)

    @property
    def overflowing(self) -> tuple[LayerDiagnostics, ...]:
        """Layers whose values wrapped or saturated and whose type the config sets."""
        return tuple(d for d in self.layers if d.overflows and not d.pinned)

    def overrides(self) -> dict[str, str]:
        """``{node: suggested type}`` for every overflowing (non-pinned) layer."""
        return {d.node: d.suggested for d in self.overflowing}

    def apply(self, config: Config) -> Config:
        """A copy of ``config`` with each overflowing layer's result precision set to its
        suggestion (``LayerName.<layer>.Precision.result``)."""
        cfg = config.copy()
        for node, t in self.overrides().items():
            cfg.layer(node).precision["result"] = t
        return cfg

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "samples": self.samples,
            "overflowing": [d.layer for d in self.overflowing],
            "layers": [d.to_dict() for d in self.layers],
        }

    def warning_message(self) -> str:
        """One paragraph naming every overflowing layer, its counts and its suggestion."""
        bad = self.overflowing
        if not bad:
            return f"{self.model}: no layer overflows on {self.samples} samples"
        parts = []
        for d in bad:
            what = f"{d.wrapped} wrapped" if d.wrapped else f"{d.saturated} saturated"
            parts.append(f"{d.layer} ({d.type}: {what} of {d.count}; suggest {d.suggested})")
        return (
            f"{self.model}: the calibration data ({self.samples} samples) overflows {len(bad)} layer"
            f"{'s' if len(bad) > 1 else ''}: "
            + ", ".join(parts)
            + ". Set LayerName.<layer>.Precision.result to the suggestion"
            + (" and trace again (a fix upstream changes the values downstream)" if len(bad) > 1 else "")
            + "; `hlsflow report MODEL --trace X.npy` shows every layer."
        )

    def table(self, title: str | None = None) -> Any:
        """A rich Table: one row per layer (rich is imported here, not at module load)."""
        from rich.table import Table
        from rich.text import Text

        notes = []
        if any(d.provisional and d.overflows for d in self.layers):
            notes.append(
                "* an upstream layer overflows: fixing it changes these values, so trace again after fixing it"
            )
        if any(d.pinned for d in self.layers):
            notes.append("q: type set by a quantiser of the source model; its saturation is the model's own function")
        t = Table(title=title or f"{self.model}: numerics on {self.samples} samples", caption="\n".join(notes) or None)
        for col, just in (
            ("layer", "left"),
            ("op", "left"),
            ("type", "left"),
            ("type range", "right"),
            ("exact range", "right"),
            ("wrapped", "right"),
            ("saturated", "right"),
            ("underflow", "right"),
            ("suggested", "left"),
        ):
            t.add_column(col, justify=just)  # type: ignore[arg-type]
        for d in self.layers:
            style = "yellow" if d.overflows and not d.pinned else None
            sugg = d.suggested + (" *" if d.provisional and d.overflows else "") + (" q" if d.pinned else "")
            cells = (
                d.layer,
                d.op,
                d.type,
                f"[{_bound(d.type_min, below=False)}, {_bound(d.type_max, below=True)}]",
                f"[{_num(d.exact_min)}, {_num(d.exact_max)}]",
                str(d.wrapped),
                str(d.saturated),
                str(d.underflows),
                sugg,
            )
            t.add_row(*(Text(c) for c in cells), style=style)  # Text: no markup parsing of names/ranges
        return t


def _num(v: float) -> str:
    return f"{v:.6g}"


def _bound(v: float, below: bool) -> str:
    """A type bound in few digits that never lies outside the range: the maximum of
    fixed<26,11> is 1023.99997, which 6 digits would print as 1024."""
    for digits in range(6, 18):
        text = f"{v:.{digits}g}"
        if (float(text) <= v) if below else (float(text) >= v):
            return text
    return repr(v)


def _elem(spelling: str) -> FixedType:
    t = parse_type(spelling)
    if isinstance(t, IntType):
        return t.as_fixed()
    assert isinstance(t, FixedType), spelling  # the emulator traces fixed-point values only
    return t


def suggest_type(declared: str, lo: int, hi: int) -> FixedType | IntType:
    """The narrowest type with ``declared``'s fraction bits and modes whose values the
    overflow mode leaves alone holds mantissas ``[lo, hi]`` (on ``declared``'s grid).

    Unsigned when ``lo >= 0``; an integer type stays an integer type. For signed SAT_SYM
    the most negative mantissa is clamped too, so one more value is needed below ``lo``.
    """
    t = parse_type(declared)
    if isinstance(t, IntType):
        width, signed = bits_for(lo, hi)
        return IntType(width, signed)
    assert isinstance(t, FixedType), declared
    need_lo = lo - 1 if (t.overflow is Overflow.SAT_SYM and lo < 0) else lo
    width, signed = bits_for(need_lo, hi)
    return FixedType(width, width - t.frac, signed, t.rounding, t.overflow)


def _layer(lt: LayerTrace, pinned: bool, provisional: bool) -> LayerDiagnostics:
    t = _elem(lt.type)
    vals = lt.values
    n = int(vals.size)
    sugg = suggest_type(lt.type, lt.rounded_min, lt.rounded_max)
    sf = sugg.as_fixed() if isinstance(sugg, IntType) else sugg
    wraps = t.overflow is Overflow.WRAP
    return LayerDiagnostics(
        layer=lt.name,
        node=lt.node or lt.name,
        op=lt.op,
        type=lt.type,
        overflow=t.overflow.value,
        type_min=t.min_value,
        type_max=t.max_value,
        exact_min=lt.exact_min,
        exact_max=lt.exact_max,
        seen_min=float(vals.min()) if n else 0.0,
        seen_max=float(vals.max()) if n else 0.0,
        count=n,
        wrapped=lt.overflows if wraps else 0,
        saturated=0 if wraps else lt.overflows,
        underflows=lt.underflows,
        suggested=str(sugg),
        suggested_width=sf.width,
        suggested_integer=sf.integer,
        pinned=pinned,
        provisional=provisional,
    )


def diagnose(trace: Trace, graph: Graph | None = None, model: str | None = None) -> Diagnostics:
    """Diagnostics of every traced layer. With ``graph`` (the traced one), layers whose
    type a source quantiser fixed are marked ``pinned`` and layers downstream of an
    overflowing one ``provisional``; without it neither is known (both False)."""
    pinned: set[str] = set()
    provisional: set[str] = set()
    if graph is not None:
        bad_up: set[str] = set()  # node names with an overflowing node at or above them
        for node in graph.nodes:
            if node.op.name == "quantize" or node.meta.get("pinned_result"):
                pinned.add(node.name)
            if any(v.producer.name in bad_up for v in node.inputs):
                provisional.add(node.name)
                bad_up.add(node.name)
            own = [trace.layers[v.name] for v in node.outputs if v.name in trace.layers]
            if any(lt.overflows for lt in own) and node.name not in pinned:
                bad_up.add(node.name)
    records = []
    for lt in trace.layers.values():
        owner = lt.node or lt.name
        records.append(_layer(lt, owner in pinned, owner in provisional))
    first = next(iter(trace.layers.values()), None)
    samples = int(first.values.shape[0]) if first is not None and first.values.ndim else 0
    name = model if model is not None else (graph.name if graph is not None else "model")
    return Diagnostics(name, samples, tuple(records))


def write_trace_plots(diag: Diagnostics, trace: Trace, out_dir: str | Path) -> list[Path]:
    """One PNG per layer in ``out_dir`` (created): a histogram of the exact values, the
    type's minimum and maximum as vertical lines, the out-of-range region shaded, and the
    counts in the title. File names are ``NN_<layer>.png`` with the layer name made
    file-safe and NN the layer's position (so two names that sanitise alike differ).
    Returns the paths written, in layer order."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # lazy: plotting is optional
    from matplotlib.figure import Figure

    from hlsflow.ir.graph import sanitize_name

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out}: the plot folder is an existing file; pass a folder path")
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, d in enumerate(diag.layers):
        lt = trace.layers.get(d.layer)
        if lt is None:
            raise KeyError(f"layer {d.layer!r} of the diagnostics is not in the trace; pass the trace they came from")
        data = np.asarray(lt.exact if lt.exact is not None else lt.values, dtype=np.float64).ravel()
        fig = Figure(figsize=(7.0, 4.2), tight_layout=True)
        FigureCanvasAgg(fig)  # a private Agg canvas: no pyplot, no global backend switch
        ax = fig.add_subplot(1, 1, 1)
        lo, hi = _view(d, data)
        if data.size:
            ax.hist(
                np.clip(data, lo, hi), bins=min(100, max(10, int(np.sqrt(data.size)))), range=(lo, hi), color="tab:blue"
            )
        ax.set_xlim(lo, hi)
        ax.set_yscale("log")  # a few out-of-range values must stay visible next to the bulk
        lo_y, hi_y = ax.get_ylim()
        ax.set_ylim(lo_y, hi_y * 20)  # headroom for the legend above the bars
        for bound, label in ((d.type_min, "type min"), (d.type_max, "type max")):
            if lo <= bound <= hi:
                ax.axvline(
                    bound,
                    color="tab:red",
                    linestyle="--",
                    linewidth=1.2,
                    label=f"{label} {_bound(bound, below=label == 'type max')}",
                )
        if d.type_min > lo:
            ax.axvspan(lo, d.type_min, color="tab:red", alpha=0.15, label="out of range")
        if d.type_max < hi:
            ax.axvspan(d.type_max, hi, color="tab:red", alpha=0.15, label=None if d.type_min > lo else "out of range")
        if not lo <= d.type_min or not d.type_max <= hi:
            ax.plot(
                [], [], " ", label=f"type range [{_bound(d.type_min, False)}, {_bound(d.type_max, True)}] (beyond view)"
            )
        ax.legend(loc="upper right", fontsize=7)
        ax.set_xlabel("exact value (before assignment to the output type)")
        ax.set_ylabel("count")
        ax.set_title(
            f"{d.layer} ({d.op}) {d.type}{' (set by a source-model quantiser)' if d.pinned else ''}\n{d.count} values: {d.wrapped} wrapped, {d.saturated} saturated, "
            f"{d.underflows} underflow; suggest {d.suggested}",
            fontsize=9,
        )
        path = out / f"{i:02d}_{sanitize_name(d.layer)}.png"
        fig.savefig(path, dpi=90)
        paths.append(path)
    return paths


def _view(d: LayerDiagnostics, data: np.ndarray) -> tuple[float, float]:
    """The x range: the data, widened to the type's bounds when they are near enough
    that the data stays readable (an exact auto type can be 2**17 wide for data of 10)."""
    lo = float(data.min()) if data.size else d.type_min
    hi = float(data.max()) if data.size else d.type_max
    span = max(hi - lo, abs(hi), abs(lo), 1e-12)
    if d.type_min >= lo - 4 * span:
        lo = min(lo, d.type_min)
    if d.type_max <= hi + 4 * span:
        hi = max(hi, d.type_max)
    pad = 0.05 * max(hi - lo, 1e-12)
    return lo - pad, hi + pad
