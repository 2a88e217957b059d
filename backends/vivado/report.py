"""Read the reports Vivado HLS, Vitis HLS and Vivado write after synthesis.

* :func:`parse_csynth_xml` -- the C-synthesis report ``<top>_csynth.xml`` (Vivado HLS,
  Vitis HLS) or ``csynth.xml`` (Vitis HLS top-level summary); both use one XML schema:
  ``profile/UserAssignments``, ``profile/PerformanceEstimates``, ``profile/AreaEstimates``.
  Vivado HLS calls DSP slices ``DSP48E``, newer Vitis HLS calls them ``DSP``; both become
  :attr:`Resources.dsp`.
* :func:`find_csynth_report` -- where that report is in a project folder.
* :func:`parse_vivado_utilization` -- the post-synthesis ``report_utilization`` text
  (``vivado_synth.rpt``): LUTs, flip-flops, DSPs, block RAM, UltraRAM.

Every problem with a report file (missing, not XML, a required element missing, a value
that is not a number) raises :class:`ReportError`, a :class:`ValueError` whose one-line
message names the file and the element.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from hlsflow.errors import HlsflowError

__all__ = [
    "RESOURCE_NAMES",
    "ReportError",
    "Resources",
    "SynthReport",
    "VivadoUtilization",
    "find_csynth_report",
    "parse_csynth_xml",
    "parse_vivado_utilization",
]

#: Resource names as the vendor reports spell them, in report order.
RESOURCE_NAMES = ("BRAM_18K", "DSP", "FF", "LUT", "URAM")

# Values the tools write when a number is unknown (e.g. a loop with variable bounds).
_UNKNOWN = frozenset({"", "undef", "-", "?", "n/a", "na", "none", "unknown"})
# Nanoseconds per time unit.
_NS_PER = {"ps": 1e-3, "ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
# Tags of the same resource in different tool versions, preferred first.
_RESOURCE_TAGS = {
    "bram_18k": ("BRAM_18K", "BRAM"),
    "dsp": ("DSP", "DSP48E", "DSP48"),
    "ff": ("FF",),
    "lut": ("LUT",),
    "uram": ("URAM",),
}


class ReportError(HlsflowError, ValueError):
    """A report file is missing or malformed; the message names the file and element."""


@dataclass(frozen=True)
class Resources:
    """FPGA resource counts (used or available); ``None`` when the report has no entry.

    Attributes:
        bram_18k: block RAM, in 18 Kb halves (a 36 Kb tile counts 2).
        dsp: DSP slices (``DSP48E`` in Vivado HLS, ``DSP`` in Vitis HLS).
        ff: flip-flops.
        lut: look-up tables.
        uram: UltraRAM blocks (UltraScale+ only; 0 or ``None`` elsewhere).
    """

    bram_18k: int | None = None
    dsp: int | None = None
    ff: int | None = None
    lut: int | None = None
    uram: int | None = None

    def as_dict(self) -> dict[str, int | None]:
        """The counts keyed by vendor name: ``BRAM_18K``, ``DSP``, ``FF``, ``LUT``, ``URAM``."""
        return dict(zip(RESOURCE_NAMES, (self.bram_18k, self.dsp, self.ff, self.lut, self.uram)))


def _percent(used: Resources, available: Resources) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    avail = available.as_dict()
    for name, n in used.as_dict().items():
        a = avail[name]
        out[name] = None if n is None or not a else 100.0 * n / a
    return out


@dataclass(frozen=True)
class SynthReport:
    """The top-level numbers of one C-synthesis report (``*csynth.xml``).

    Times are in nanoseconds, latencies and intervals in clock cycles of the target
    clock. A field is ``None`` when the report does not have it, or has it as unknown
    (the tool writes ``undef`` for the latency of loops with variable trip counts).

    Attributes:
        path: the report file that was read.
        top: name of the synthesised top function (``TopModelName``).
        part: the target FPGA part, e.g. ``xc7z020-clg400-1``.
        tool_version: version of the tool that wrote the report, e.g. ``2020.1``.
        product_family: device family, e.g. ``zynq``, ``virtexuplus``.
        target_clock_ns: the requested clock period, ns.
        estimated_clock_ns: the clock period synthesis estimates it reaches, ns.
        clock_uncertainty_ns: the clock uncertainty (margin) synthesis kept, ns.
        pipeline_type: top-level pipelining, e.g. ``dataflow``, ``pipeline``, ``no``.
        latency_best / latency_average / latency_worst: cycles from start to done.
        latency_best_ns / latency_average_ns / latency_worst_ns: the same in ns.
        interval_min / interval_max: initiation interval, cycles between new inputs.
        used: resources the design uses (estimate).
        available: resources of the part.
    """

    path: Path
    top: str
    part: str
    target_clock_ns: float
    estimated_clock_ns: float
    clock_uncertainty_ns: float | None = None
    tool_version: str | None = None
    product_family: str | None = None
    pipeline_type: str | None = None
    latency_best: int | None = None
    latency_average: int | None = None
    latency_worst: int | None = None
    latency_best_ns: float | None = None
    latency_average_ns: float | None = None
    latency_worst_ns: float | None = None
    interval_min: int | None = None
    interval_max: int | None = None
    used: Resources = Resources()
    available: Resources = Resources()

    @property
    def fmax_mhz(self) -> float:
        """The estimated maximum clock frequency, MHz (1000 / estimated period in ns)."""
        return 1000.0 / self.estimated_clock_ns if self.estimated_clock_ns > 0 else float("inf")

    @property
    def meets_timing(self) -> bool:
        """True when the estimated period fits in the target period minus the uncertainty."""
        return self.estimated_clock_ns <= self.target_clock_ns - (self.clock_uncertainty_ns or 0.0)

    def utilisation(self) -> dict[str, float | None]:
        """Used / available in percent, keyed ``BRAM_18K``, ``DSP``, ``FF``, ``LUT``, ``URAM``.

        ``None`` where either count is unknown or the part has none of that resource.
        """
        return _percent(self.used, self.available)

    def summary(self) -> str:
        """One line for the CLI: latency, interval, clock and the resources used."""
        used = ", ".join(f"{k} {v}" for k, v in self.used.as_dict().items() if v is not None)
        return (f"latency {self.latency_best}-{self.latency_worst} cycles, interval "
                f"{self.interval_min}-{self.interval_max}, estimated clock {self.estimated_clock_ns} ns "
                f"(target {self.target_clock_ns} ns); used: {used}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict: every field (``path`` as a string, resources keyed by
        vendor name), plus ``utilisation`` (percent) and ``fmax_mhz``."""
        d: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Resources):
                value = value.as_dict()
            elif isinstance(value, Path):
                value = str(value)
            d[f.name] = value
        d["utilisation"] = self.utilisation()
        d["fmax_mhz"] = self.fmax_mhz
        return d


# --------------------------------------------------------------------------- csynth.xml


def _text(elem: ET.Element, path: str) -> str | None:
    node = elem.find(path)
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def _required(root: ET.Element, path: str, file: Path) -> str:
    value = _text(root, path)
    if value is None:
        raise ReportError(f"{file}: missing <{path}> (not a complete csynth report)")
    return value


def _number(text: str | None, path: str, file: Path) -> float | None:
    if text is None or text.strip().lower() in _UNKNOWN:
        return None
    try:
        return float(text)
    except ValueError:
        raise ReportError(f"{file}: <{path}> is {text!r}, not a number") from None


def _count(text: str | None, path: str, file: Path) -> int | None:
    value = _number(text, path, file)
    return None if value is None else int(round(value))


def _unit_factor(unit: str | None, path: str, file: Path) -> float:
    """Nanoseconds per ``unit`` (the ``<unit>`` element; ns when absent)."""
    if unit is None:
        return 1.0
    factor = _NS_PER.get(unit.strip().lower())
    if factor is None:
        raise ReportError(f"{file}: <{path}> is {unit!r}, not a time unit (ns, us, ms)")
    return factor


_TIME_RE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)


def _time_ns(text: str | None, path: str, file: Path) -> float | None:
    """A time like ``50.000 ns`` or ``1.250 us`` in ns (a bare number is taken as ns)."""
    if text is None or text.strip().lower() in _UNKNOWN:
        return None
    m = _TIME_RE.match(text)
    if m is None or m.group(2).lower() not in {"", *_NS_PER}:
        raise ReportError(f"{file}: <{path}> is {text!r}, not a time such as '50.000 ns'")
    return float(m.group(1)) * _NS_PER.get(m.group(2).lower(), 1.0)


def _resources(root: ET.Element, path: str, file: Path) -> Resources:
    node = root.find(path)
    if node is None:
        return Resources()
    values: dict[str, int | None] = {}
    for attr, tags in _RESOURCE_TAGS.items():
        values[attr] = None
        for tag in tags:
            text = _text(node, tag)
            if text is not None:
                values[attr] = _count(text, f"{path}/{tag}", file)
                break
    return Resources(**values)


def parse_csynth_xml(path: str | Path) -> SynthReport:
    """Read a C-synthesis XML report (``<top>_csynth.xml`` or Vitis ``csynth.xml``).

    Required: the top name, part, target and estimated clock period, the
    ``SummaryOfOverallLatency`` section and ``AreaEstimates/Resources``; everything else
    is ``None`` when absent or ``undef``. Only the top level is read, never the
    per-module sections nested deeper in the file.

    Raises:
        ReportError: the file is missing, is not XML, is not a csynth report, lacks a
            required element, or holds a value that is not a number.
    """
    file = Path(path)
    if not file.is_file():
        raise ReportError(f"{file}: no such csynth report file")
    try:
        root = ET.parse(file).getroot()
    except ET.ParseError as exc:
        raise ReportError(f"{file}: not well-formed XML ({exc})") from None
    except OSError as exc:
        raise ReportError(f"{file}: cannot read ({exc.strerror or exc})") from None
    if root.tag != "profile":
        raise ReportError(f"{file}: root element is <{root.tag}>, not <profile>; not a csynth report")

    ua = "UserAssignments"
    timing = "PerformanceEstimates/SummaryOfTimingAnalysis"
    lat = "PerformanceEstimates/SummaryOfOverallLatency"
    clock_factor = _unit_factor(_text(root, f"{ua}/unit"), f"{ua}/unit", file)
    est_factor = _unit_factor(_text(root, f"{timing}/unit"), f"{timing}/unit", file)
    if root.find(lat) is None:
        raise ReportError(f"{file}: missing <{lat}> (not a complete csynth report)")
    if root.find("AreaEstimates/Resources") is None:
        raise ReportError(f"{file}: missing <AreaEstimates/Resources> (not a complete csynth report)")

    def clock(p: str, factor: float, required: bool) -> float | None:
        text = _required(root, p, file) if required else _text(root, p)
        value = _number(text, p, file)
        if required and value is None:
            raise ReportError(f"{file}: <{p}> is {text!r}, not a number")
        return None if value is None else value * factor

    def cycles(tag: str) -> int | None:
        return _count(_text(root, f"{lat}/{tag}"), f"{lat}/{tag}", file)

    def real_time(tag: str) -> float | None:
        return _time_ns(_text(root, f"{lat}/{tag}"), f"{lat}/{tag}", file)

    target = clock(f"{ua}/TargetClockPeriod", clock_factor, True)
    estimated = clock(f"{timing}/EstimatedClockPeriod", est_factor, True)
    assert target is not None and estimated is not None
    return SynthReport(
        path=file,
        top=_required(root, f"{ua}/TopModelName", file),
        part=_required(root, f"{ua}/Part", file),
        target_clock_ns=target,
        estimated_clock_ns=estimated,
        clock_uncertainty_ns=clock(f"{ua}/ClockUncertainty", clock_factor, False),
        tool_version=_text(root, "ReportVersion/Version"),
        product_family=_text(root, f"{ua}/ProductFamily"),
        pipeline_type=_text(root, "PerformanceEstimates/PipelineType"),
        latency_best=cycles("Best-caseLatency"),
        latency_average=cycles("Average-caseLatency"),
        latency_worst=cycles("Worst-caseLatency"),
        latency_best_ns=real_time("Best-caseRealTimeLatency"),
        latency_average_ns=real_time("Average-caseRealTimeLatency"),
        latency_worst_ns=real_time("Worst-caseRealTimeLatency"),
        interval_min=cycles("Interval-min"),
        interval_max=cycles("Interval-max"),
        used=_resources(root, "AreaEstimates/Resources", file),
        available=_resources(root, "AreaEstimates/AvailableResources", file),
    )


# ------------------------------------------------------------------ finding the report

_REPORT_DIRS = (
    "{top}_prj/solution1/syn/report",  # hls4ml-style layout: <top>_prj/solution1
    "*_prj/solution*/syn/report",
    "*/solution*/syn/report",
    "solution*/syn/report",  # project_dir is the HLS project itself
    "*/hls/syn/report",  # Vitis unified flow (v++ -c --mode hls --work_dir ...)
    "hls/syn/report",
    "syn/report",
)
_APP_FILES = ("vivado_hls.app", "hls.app")
_APP_TOP_RE = re.compile(r"<[\w:]*project\b[^>]*\btop=\"([^\"]+)\"")
_SET_TOP_RE = re.compile(r"^\s*set_top\s+[\"{]?([A-Za-z_]\w*)[\"}]?\s*(?:#.*)?$", re.MULTILINE)


def _infer_top(project_dir: Path) -> str | None:
    """The top function from the tool's project file (``*.app``) or a literal ``set_top``."""
    for pattern in ("*/", ""):
        for name in _APP_FILES:
            for app in sorted(project_dir.glob(pattern + name)):
                try:
                    m = _APP_TOP_RE.search(app.read_text(errors="replace"))
                except OSError:
                    continue
                if m:
                    return m.group(1)
    tcl = project_dir / "build_prj.tcl"
    try:
        m = _SET_TOP_RE.search(tcl.read_text(errors="replace")) if tcl.is_file() else None
    except OSError:
        m = None
    return m.group(1) if m else None


def _newest(paths: Iterable[Path], newer_than: float | None) -> Path | None:
    best: tuple[float, Path] | None = None
    for p in paths:
        try:
            mtime = p.stat().st_mtime
        except OSError:
            continue
        if not p.is_file() or (newer_than is not None and mtime < newer_than):
            continue
        if best is None or mtime > best[0]:
            best = (mtime, p)
    return None if best is None else best[1]


def find_csynth_report(
    project_dir: str | Path, top: str | None = None, *, newer_than: float | None = None
) -> Path | None:
    """The C-synthesis XML report of ``top`` under ``project_dir``, or ``None``.

    Looks, in order, in ``<top>_prj/solution1/syn/report/``, ``*/solution*/syn/report/``
    (and the Vitis unified-flow ``hls/syn/report/``) for ``<top>_csynth.xml`` then
    ``csynth.xml``, and finally anywhere below ``project_dir``. Within one place the
    newest file wins. When ``top`` is ``None`` it is read from the tool's project file
    (``vivado_hls.app`` / ``hls.app``) or a literal ``set_top`` in ``build_prj.tcl``;
    failing that only ``csynth.xml`` (always the top) or a report folder's only
    ``*_csynth.xml`` qualify.

    Args:
        project_dir: the generated project folder (where ``build_prj.tcl`` is).
        top: name of the top function.
        newer_than: ignore files last modified before this time (seconds since the
            epoch), so a stale report from an earlier run is not mistaken for a new one.
    """
    root = Path(project_dir)
    if not root.is_dir():
        return None
    top = top or _infer_top(root)
    names = ([f"{top}_csynth.xml"] if top else []) + ["csynth.xml"]
    for pattern in _REPORT_DIRS:
        dirs = sorted(root.glob(pattern.format(top=top or "*")))
        for name in names:
            found = _newest([d / name for d in dirs], newer_than)
            if found is not None:
                return found
        if top is None:
            lone = [next(iter(c)) for d in dirs if len(c := list(d.glob("*_csynth.xml"))) == 1]
            found = _newest(lone, newer_than)
            if found is not None:
                return found
    for name in names:
        found = _newest(root.rglob(name), newer_than)
        if found is not None:
            return found
    return None


# ------------------------------------------------------------------ vivado_synth.rpt


@dataclass(frozen=True)
class VivadoUtilization:
    """Post-synthesis utilisation from Vivado's ``report_utilization`` (``vivado_synth.rpt``).

    These are counts after logic synthesis, usually lower than the HLS estimate.

    Attributes:
        path: the report file that was read.
        design: the design (top module) name from the header.
        device: the device from the header, e.g. ``7z020clg400-1``.
        tool_version: the ``Tool Version`` header line, e.g. ``Vivado v.2020.1 (lin64) ...``.
        used: LUTs (``Slice LUTs``/``CLB LUTs``), flip-flops (``Register as Flip Flop``,
            else all registers), DSPs, block RAM in 18 Kb units (2 per 36 Kb tile), URAM.
        available: the same for the device.
        bram_tiles: block RAM in 36 Kb tiles as reported (a RAMB18 counts 0.5).
        bram_tiles_available: block RAM tiles of the device.
    """

    path: Path
    design: str | None
    device: str | None
    tool_version: str | None
    used: Resources
    available: Resources
    bram_tiles: float | None = None
    bram_tiles_available: float | None = None

    def utilisation(self) -> dict[str, float | None]:
        """Used / available in percent, keyed ``BRAM_18K``, ``DSP``, ``FF``, ``LUT``, ``URAM``."""
        return _percent(self.used, self.available)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict of every field plus ``utilisation`` (percent)."""
        return {
            "path": str(self.path),
            "design": self.design,
            "device": self.device,
            "tool_version": self.tool_version,
            "used": self.used.as_dict(),
            "available": self.available.as_dict(),
            "bram_tiles": self.bram_tiles,
            "bram_tiles_available": self.bram_tiles_available,
            "utilisation": self.utilisation(),
        }


_HEADER_RE = re.compile(r"^\|\s*(Tool Version|Design|Device)\s*:\s*(.*?)\s*$")
_SITE_COLUMN = "Site Type"


def _rpt_number(text: str, row: str, file: Path) -> float | None:
    text = text.strip()
    if text.lower() in _UNKNOWN or text in ("_",):
        return None
    try:
        return float(text.rstrip("%"))
    except ValueError:
        raise ReportError(f"{file}: row {row!r} has {text!r} where a number belongs") from None


def _site_rows(lines: list[str], file: Path) -> dict[str, tuple[float | None, float | None]]:
    """Every ``Site Type`` table row as ``name -> (used, available)``; first one wins."""
    rows: dict[str, tuple[float | None, float | None]] = {}
    columns: dict[str, int] | None = None
    for line in lines:
        s = line.strip()
        if not s.startswith("|"):
            if not s.startswith("+"):
                columns = None  # a table ends at the first line that is no table line
            continue
        cells = [c.strip() for c in s.strip("|").split("|")]
        if columns is None:
            if _SITE_COLUMN in cells and "Used" in cells:
                columns = {name: i for i, name in enumerate(cells)}
            continue
        name = cells[columns[_SITE_COLUMN]].rstrip("*").strip()
        if not name or name in rows or len(cells) < len(columns):
            continue
        used = _rpt_number(cells[columns["Used"]], name, file)
        avail_i = columns.get("Available")
        available = _rpt_number(cells[avail_i], name, file) if avail_i is not None else None
        rows[name] = (used, available)
    return rows


def parse_vivado_utilization(path: str | Path) -> VivadoUtilization:
    """Read Vivado's post-synthesis utilisation report (``vivado_synth.rpt``).

    Tables are read by their column headers (``Site Type``, ``Used``, ``Available``),
    so extra columns (``Fixed``, ``Prohibited``) and any spacing are fine. Understands
    7-series (``Slice LUTs``, ``Slice Registers``) and UltraScale (``CLB LUTs``,
    ``CLB Registers``) names.

    Raises:
        ReportError: the file is missing or has no utilisation table.
    """
    file = Path(path)
    if not file.is_file():
        raise ReportError(f"{file}: no such utilisation report file")
    try:
        lines = file.read_text(errors="replace").splitlines()
    except OSError as exc:
        raise ReportError(f"{file}: cannot read ({exc.strerror or exc})") from None
    header: dict[str, str] = {}
    for line in lines[:40]:
        m = _HEADER_RE.match(line.strip())
        if m and m.group(1) not in header:
            header[m.group(1)] = m.group(2)
    rows = _site_rows(lines, file)

    def pick(*names: str) -> tuple[float | None, float | None]:
        for n in names:
            if n in rows:
                return rows[n]
        return (None, None)

    lut = pick("Slice LUTs", "CLB LUTs")
    ff = pick("Register as Flip Flop", "Slice Registers", "CLB Registers")
    dsp = pick("DSPs")
    bram = pick("Block RAM Tile")
    uram = pick("URAM")
    if lut == (None, None) and ff == (None, None) and dsp == (None, None):
        raise ReportError(
            f"{file}: no utilisation table (no 'Slice LUTs'/'CLB LUTs', registers or 'DSPs' row);"
            " expected the output of report_utilization"
        )

    def n(x: float | None) -> int | None:
        return None if x is None else int(round(x))

    def half(x: float | None) -> int | None:
        return None if x is None else int(round(2 * x))

    return VivadoUtilization(
        path=file,
        design=header.get("Design"),
        device=header.get("Device"),
        tool_version=header.get("Tool Version"),
        used=Resources(bram_18k=half(bram[0]), dsp=n(dsp[0]), ff=n(ff[0]), lut=n(lut[0]), uram=n(uram[0])),
        available=Resources(bram_18k=half(bram[1]), dsp=n(dsp[1]), ff=n(ff[1]), lut=n(lut[1]), uram=n(uram[1])),
        bram_tiles=bram[0],
        bram_tiles_available=bram[1],
    )
