"""Catapult report parser (backends/catapult/report.py) on the fixture and its variants."""

from __future__ import annotations

from pathlib import Path

import pytest
from hlsflow.backends.catapult.report import CatapultReport, ReportError, find_rtl_report, parse_rtl_report

FIXTURE = Path(__file__).parent / "fixtures" / "catapult_rtl.rpt"


def test_fields() -> None:
    r = parse_rtl_report(FIXTURE)
    assert isinstance(r, CatapultReport)
    assert (r.latency_cycles, r.throughput_cycles, r.area, r.clock_period_ns) == (9, 1, 39874.1, 5.0)
    assert r.area_stages == (41262.3, 40125.8, 39874.1)
    assert r.latency_ns == 45.0
    assert [p.latency_cycles for p in r.processes] == [4, 1, 4]
    assert r.processes[1].name == "/myproject/nnet::relu<layer2_t,layer3_t,relu_config3>/core"
    assert sum(p.operations for p in r.processes) == 1834  # the rows add up to the total
    d = r.to_dict()
    assert d["path"] == str(FIXTURE) and d["latency_ns"] == 45.0 and d["processes"][0]["operations"] == 1210
    with pytest.raises(AttributeError):
        r.area = 1.0  # type: ignore[misc]


def test_solution_folder_and_cycle_report_fallback(tmp_path: Path) -> None:
    """A folder is read as the solution; without the table in rtl.rpt, cycle.rpt supplies it."""
    text = FIXTURE.read_text()
    perf = text[text.index("# Performance") : text.index("# Area Scores")]
    sol = tmp_path / "Catapult" / "myproject.v1"
    sol.mkdir(parents=True)
    (sol / "rtl.rpt").write_text(text.replace(perf, ""))
    with pytest.raises(ReportError, match="Design Total.*cycle.rpt"):
        parse_rtl_report(sol)
    (sol / "cycle.rpt").write_text(perf.replace("    9          1", "   11          2"))
    r = parse_rtl_report(sol)
    assert (r.latency_cycles, r.throughput_cycles, r.area, r.clock_period_ns) == (11, 2, 39874.1, 5.0)
    assert find_rtl_report(tmp_path) == sol / "rtl.rpt"


def test_no_clock_row_leaves_latency_ns_unknown(tmp_path: Path) -> None:
    text = FIXTURE.read_text()
    f = tmp_path / "rtl.rpt"
    f.write_text(text[: text.index("# Clock Information")] + text[text.index("# Performance") :])
    r = parse_rtl_report(f)
    assert r.clock_period_ns is None and r.latency_ns is None and "clock" not in r.summary()


@pytest.mark.parametrize(
    ("content", "match"),
    [("nothing here\n", "Total Area Score"), ("  Total Area Score:   10.0  9.0  8.0\n", "Design Total")],
)
def test_garbage_is_a_report_error(tmp_path: Path, content: str, match: str) -> None:
    bad = tmp_path / "rtl.rpt"
    bad.write_text(content)
    with pytest.raises(ReportError, match=match):
        parse_rtl_report(bad)


def test_missing_file_is_a_report_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="cannot read"):
        parse_rtl_report(tmp_path / "nope.rpt")
