"""Plain-text table and PNG plot of a spectral report (for ``hlsflow spectral`` and
notebooks). matplotlib is imported only when a plot is drawn."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hlsflow.sparsity.spectral import LayerReport, NetworkReport
    from hlsflow.sparsity.spectral_metrics import Metric

#: metric key -> (column header, one-line meaning). The order is the table's.
METRIC_COLUMNS: dict[str, tuple[str, str]] = {
    "density": ("dens", "kept weights / kernel size"),
    "lambda1": ("l1", "largest eigenvalue, sigma_1(B)"),
    "mu": ("mu", "largest non-trivial eigenvalue, sigma_2(B)"),
    "spectral_gap": ("Ds", "2 sqrt(l1 - 1) - mu"),
    "spectral_gap_norm": ("Ds/bnd", "Ds / (2 sqrt(l1 - 1))"),
    "ramanujan_gap": ("Dr", "sqrt(d_l - 1) + sqrt(d_r - 1) - mu; > 0: Ramanujan"),
    "ramanujan_gap_norm": ("Dr/rho", "Dr / (sqrt(d_l - 1) + sqrt(d_r - 1))"),
    "narc_as_coded": ("NaRC", "NaRC as the ICLR reference code computes it (2E)"),
    "narc_corrected": ("NaRC*", "NaRC with E instead of 2E"),
    "imdb": ("IMDB", "ICLR IMDB: mean Dr/rho of the d-left-regular sub-graphs"),
    "weighted_gap": ("lw", "sigma_1(|W*M|) - sigma_2(|W*M|)"),
    "imdb_mask": ("IMDBm", "NeurIPS IMDB_mask: mean kappa_d Dr(B_d)"),
    "imdb_weighted": ("IMDBw", "NeurIPS IMDB_w: mean kappa_d lw(B_d)"),
    "full_spectrum_norm": ("F", "|(Dr, lw, IMDB_mask, IMDB_w)|, invalid parts 0 (reference)"),
    "full_spectrum_norm_std": ("Fstd", "F of the standardised coordinate (each gap over its own scale)"),
}

UNDEF = "undef"


def _fmt(v: Metric | float, digits: int) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return UNDEF
    if math.isnan(v):
        return "nan"
    return f"{v:.{digits}g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.2e}"


def _as_layers(report: NetworkReport | LayerReport | Sequence[LayerReport]) -> tuple[str | None, list[LayerReport]]:
    if hasattr(report, "layers"):
        return report.name, list(report.layers)  # type: ignore[union-attr]
    if hasattr(report, "iclr"):
        return None, [report]  # type: ignore[list-item]
    return None, list(report)  # type: ignore[arg-type]


def format_table(
    report: NetworkReport | LayerReport | Sequence[LayerReport],
    columns: Sequence[str] | None = None,
    digits: int = 4,
    legend: bool = True,
) -> str:
    """A fixed-width table, one row per layer, then the network means (over the layers
    where a metric is defined) and the mean layer density control. Undefined values
    print as ``undef``; the legend says what each column is."""
    name, layers = _as_layers(report)
    cols = list(columns) if columns is not None else list(METRIC_COLUMNS)
    unknown = [c for c in cols if c not in METRIC_COLUMNS]
    if unknown:
        raise KeyError(f"unknown metric column(s) {unknown}; choose from {list(METRIC_COLUMNS)}")
    head = ["layer", "kind", "shape", "nl x nr", "d_l", "d_r"] + [METRIC_COLUMNS[c][0] for c in cols]
    rows = []
    for r in layers:
        m = r.metrics()
        rows.append(
            [
                r.name,
                r.kind,
                "x".join(map(str, r.shape)),
                f"{r.n_left}x{r.n_right}",
                _fmt(r.d_left, digits),
                _fmt(r.d_right, digits),
            ]
            + [_fmt(m[c], digits) for c in cols]
        )
    if hasattr(report, "summary") and layers:
        s = report.summary()  # type: ignore[union-attr]
        rows.append(
            ["network", "mean", "", "", "", ""]
            + [_fmt(s["mean_layer_density"] if c == "density" else s[c], digits) for c in cols]
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(head)]
    lines = []
    if name:
        lines.append(f"spectral report: {name}")
    lines.append("  ".join(h.ljust(w) if i < 3 else h.rjust(w) for i, (h, w) in enumerate(zip(head, widths))))
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(v.ljust(w) if i < 3 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths))))
    if hasattr(report, "mean_layer_density") and layers:
        lines.append(
            f"mean layer density (control; compare every metric with it): {report.mean_layer_density:.4g}"  # type: ignore[union-attr]
        )
    if legend:
        lines.append("")
        lines.extend(f"  {METRIC_COLUMNS[c][0]:>7}  {METRIC_COLUMNS[c][1]}" for c in cols)
        lines.append(f"  {UNDEF!r}: not meaningful for this layer (too sparse, too small or too irregular)")
    return "\n".join(lines)


def plot_report(
    report: NetworkReport | Sequence[LayerReport],
    path: str | Path,
    metrics: Sequence[str] = ("density", "ramanujan_gap_norm", "imdb", "full_spectrum_norm_std"),
) -> Path:
    """Write a PNG with one bar chart per metric across layers; undefined values are
    marked ``undef`` at zero height. Returns the path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # lazy: plotting is optional
    from matplotlib.figure import Figure

    name, layers = _as_layers(report)
    fig = Figure(figsize=(max(6.0, 0.6 * len(layers) + 3.0), 2.4 * len(metrics)), tight_layout=True)
    FigureCanvasAgg(fig)  # a private canvas: no pyplot, no global backend switch
    x = list(range(len(layers)))
    for k, key in enumerate(metrics):
        ax = fig.add_subplot(len(metrics), 1, k + 1)
        vals = [r.metrics()[key] for r in layers]
        ok = [isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals]
        heights = [float(v) if good else 0.0 for v, good in zip(vals, ok)]  # type: ignore[arg-type]
        ax.bar(x, heights, color=["tab:blue" if h >= 0 else "tab:red" for h in heights])
        for i, good in enumerate(ok):
            if not good:
                ax.annotate(UNDEF, (i, 0.0), ha="center", va="bottom", fontsize=7, color="grey")
        ax.axhline(0.0, color="black", linewidth=0.5)
        ax.set_ylabel(METRIC_COLUMNS[key][0])
        ax.set_title(METRIC_COLUMNS[key][1], fontsize=8)
        ax.set_xticks(
            x, [r.name for r in layers] if k == len(metrics) - 1 else [""] * len(x), rotation=45, ha="right", fontsize=7
        )
    if name:
        fig.suptitle(f"spectral report: {name}")
    out = Path(path)
    fig.savefig(out, format="png", dpi=100)
    return out
