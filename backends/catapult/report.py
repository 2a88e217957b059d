"""Read Catapult's RTL report (``<project>/<name>_prj/<solution>/rtl.rpt``).

Two sections are read:

* ``Processes/Blocks`` table: the ``Design Total:`` row gives the latency (cycles) and
  the throughput (cycles between inputs, i.e. the initiation interval);
* ``Area Scores``: the ``Total Area Score:`` row, whose last column is the area after
  assignment (the final estimate).

The clock period comes from the ``Clock Information`` section (``clk ... <period>``).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPORT_NAME = "rtl.rpt"


class ReportError(ValueError):
    """The report cannot be read; the message names the file and what is missing."""


@dataclass(frozen=True)
class CatapultReport:
    path: Path
    latency_cycles: int
    throughput_cycles: int
    area: float
    clock_period_ns: float | None = None

    @property
    def latency_ns(self) -> float | None:
        return None if self.clock_period_ns is None else self.latency_cycles * self.clock_period_ns

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = str(self.path)
        d["latency_ns"] = self.latency_ns
        return d


_NUM = r"[-+]?\d+(?:\.\d+)?"


def parse_rtl_report(path: str | Path) -> CatapultReport:
    p = Path(path)
    text = p.read_text(errors="replace")
    total = re.search(r"^\s*Design Total:\s+(\d+)\s+(\d+)\s+(\d+)", text, re.M)
    if total is None:
        raise ReportError(f"{p}: no 'Design Total:' row in the Processes/Blocks table")
    area = re.search(rf"^\s*Total Area Score:((?:\s+{_NUM})+)", text, re.M)
    if area is None:
        raise ReportError(f"{p}: no 'Total Area Score:' row in the Area Scores section")
    clock = re.search(rf"^\s*clk\s+(?:rising|falling)?\s*({_NUM})\b", text, re.M)
    return CatapultReport(
        path=p,
        latency_cycles=int(total.group(2)),
        throughput_cycles=int(total.group(3)),
        area=float(area.group(1).split()[-1]),
        clock_period_ns=float(clock.group(1)) if clock else None,
    )


def find_rtl_report(project_dir: str | Path, newer_than: float | None = None) -> Path | None:
    """The newest ``rtl.rpt`` under the project (optionally written after ``newer_than``)."""
    found = sorted(Path(project_dir).rglob(REPORT_NAME), key=lambda f: f.stat().st_mtime)
    if newer_than is not None:
        found = [f for f in found if f.stat().st_mtime >= newer_than]
    return found[-1] if found else None
