"""Read Catapult's synthesis reports from a solution folder (``<project>/Catapult/<top>.v1/``).

Catapult writes, per solution, ``rtl.rpt`` (after ``go extract``) and ``cycle.rpt``
(after scheduling). Three sections are read:

* the ``Processes/Blocks`` performance table: its ``Design Total:`` row has the columns
  *real operation count, latency (cycles), throughput (cycles between inputs, i.e. the
  initiation interval), reset length, II*; per-process rows (``/<top>/...``) are kept too;
* ``Area Scores``: the ``Total Area Score:`` row has one column per stage
  (post-scheduling, post-DP & FSM, post-assignment); the last one is the final estimate;
* ``Clock Information``: the ``clk <edge> <period>`` row gives the clock period in ns.

The area comes from ``rtl.rpt``; the performance table from ``rtl.rpt`` when it has one,
else from the ``cycle.rpt`` next to it (some releases print it only there).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hlsflow.errors import HlsflowError

REPORT_NAME = "rtl.rpt"
CYCLE_REPORT_NAME = "cycle.rpt"


class ReportError(HlsflowError, ValueError):
    """The report cannot be read; the message names the file and what is missing."""


@dataclass(frozen=True)
class ProcessPerformance:
    """One row of the Processes/Blocks table (cycles)."""

    name: str
    operations: int
    latency_cycles: int
    throughput_cycles: int


@dataclass(frozen=True)
class CatapultReport:
    """Latency/throughput in cycles, area score (tool units; post-assignment), clock in ns.

    Invariant: ``area_stages`` ends with ``area`` when it is not empty."""

    path: Path
    latency_cycles: int
    throughput_cycles: int
    area: float
    clock_period_ns: float | None = None
    area_stages: tuple[float, ...] = ()
    processes: tuple[ProcessPerformance, ...] = ()

    @property
    def latency_ns(self) -> float | None:
        return None if self.clock_period_ns is None else self.latency_cycles * self.clock_period_ns

    def summary(self) -> str:
        clock = f", clock {self.clock_period_ns:g} ns" if self.clock_period_ns is not None else ""
        ns = f" ({self.latency_ns:g} ns)" if self.latency_ns is not None else ""
        return (f"latency {self.latency_cycles} cycles{ns}, throughput one input every "
                f"{self.throughput_cycles} cycles{clock}, area score {self.area:g}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = str(self.path)
        d["latency_ns"] = self.latency_ns
        d["area_stages"] = list(self.area_stages)
        d["processes"] = [asdict(p) for p in self.processes]
        return d


_NUM = r"[-+]?\d+(?:\.\d+)?"
_TOTAL = re.compile(r"^\s*Design Total:\s+(\d+)\s+(\d+)\s+(\d+)", re.M)
_PROCESS = re.compile(r"^\s*(/\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+\d+", re.M)
_AREA = re.compile(rf"^\s*Total Area Score:((?:[ \t]+{_NUM})+)", re.M)
_CLOCK = re.compile(rf"^\s*clk\s+(?:rising|falling)?\s*({_NUM})\b", re.M)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError as exc:
        raise ReportError(f"{path}: cannot read the Catapult report ({exc.strerror})") from None


def parse_rtl_report(path: str | Path) -> CatapultReport:
    """Parse ``rtl.rpt`` (or a solution folder holding it); see the module docstring."""
    p = Path(path)
    if p.is_dir():
        p = p / REPORT_NAME
    text = _read(p)
    area = _AREA.search(text)
    if area is None:
        raise ReportError(f"{p}: no 'Total Area Score:' row in the Area Scores section; is this a Catapult rtl.rpt?")
    perf_text, perf_file = text, p
    if _TOTAL.search(text) is None and (p.parent / CYCLE_REPORT_NAME).is_file():
        perf_file = p.parent / CYCLE_REPORT_NAME
        perf_text = _read(perf_file)
    total = _TOTAL.search(perf_text)
    if total is None:
        raise ReportError(
            f"{p}: no 'Design Total:' row in the Processes/Blocks table (nor in a {CYCLE_REPORT_NAME} beside it)"
        )
    clock = _CLOCK.search(text) or _CLOCK.search(perf_text)
    stages = tuple(float(v) for v in area.group(1).split())
    processes = tuple(
        ProcessPerformance(m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)))
        for m in _PROCESS.finditer(perf_text)
    )
    return CatapultReport(
        path=p,
        latency_cycles=int(total.group(2)),
        throughput_cycles=int(total.group(3)),
        area=stages[-1],
        clock_period_ns=float(clock.group(1)) if clock else None,
        area_stages=stages,
        processes=processes,
    )


def find_rtl_report(project_dir: str | Path, newer_than: float | None = None) -> Path | None:
    """The newest ``rtl.rpt`` under the project (optionally written after ``newer_than``)."""
    found = sorted(Path(project_dir).rglob(REPORT_NAME), key=lambda f: f.stat().st_mtime)
    if newer_than is not None:
        found = [f for f in found if f.stat().st_mtime >= newer_than]
    return found[-1] if found else None
