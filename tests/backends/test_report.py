"""Report parsing against real Vivado HLS 2020.1 output and a Vitis-style csynth.xml."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from hlsflow.backends.vivado.report import (
    ReportError,
    Resources,
    SynthReport,
    find_csynth_report,
    parse_csynth_xml,
    parse_vivado_utilization,
)

FIXTURES = Path(__file__).parent / "fixtures"
VIVADO_XML = FIXTURES / "vivado" / "myproject_csynth.xml"
VIVADO_RPT = FIXTURES / "vivado" / "myproject_csynth.rpt"
VIVADO_APP = FIXTURES / "vivado" / "vivado_hls.app"
VIVADO_SYNTH = FIXTURES / "vivado" / "vivado_synth.rpt"
VITIS_XML = FIXTURES / "vitis" / "csynth.xml"


def _variant(tmp_path: Path, src: Path, *replacements: tuple[str, str], name: str = "myproject_csynth.xml") -> Path:
    text = src.read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    out = tmp_path / name
    out.write_text(text)
    return out


# ----------------------------------------------------------------- real Vivado report


def test_vivado_csynth_xml_numbers() -> None:
    r = parse_csynth_xml(VIVADO_XML)
    assert r.path == VIVADO_XML
    assert (r.top, r.part, r.tool_version, r.product_family) == ("myproject", "xc7z020-clg400-1", "2020.1", "zynq")
    assert r.target_clock_ns == 5.0
    assert r.estimated_clock_ns == 4.049
    assert r.clock_uncertainty_ns == 0.62
    assert r.pipeline_type == "dataflow"
    assert (r.latency_best, r.latency_average, r.latency_worst) == (10, 10, 10)
    assert (r.latency_best_ns, r.latency_average_ns, r.latency_worst_ns) == (50.0, 50.0, 50.0)
    assert (r.interval_min, r.interval_max) == (8, 8)
    assert r.used == Resources(bram_18k=0, dsp=73, ff=7969, lut=2532, uram=0)
    assert r.available == Resources(bram_18k=280, dsp=220, ff=106400, lut=53200, uram=0)
    assert r.fmax_mhz == pytest.approx(246.97, abs=0.01)
    assert r.meets_timing  # 4.049 <= 5.00 - 0.62


def test_vivado_utilisation_percent() -> None:
    u = parse_csynth_xml(VIVADO_XML).utilisation()
    assert list(u) == ["BRAM_18K", "DSP", "FF", "LUT", "URAM"]
    assert u["BRAM_18K"] == 0.0
    assert u["DSP"] == pytest.approx(100 * 73 / 220)  # 33.18 %
    assert u["FF"] == pytest.approx(100 * 7969 / 106400)
    assert u["LUT"] == pytest.approx(100 * 2532 / 53200)
    assert u["URAM"] is None  # the part has no UltraRAM


def test_vivado_xml_agrees_with_the_text_report() -> None:
    # The .rpt the same run wrote: its Total/Available rows must equal what the XML gives.
    text = VIVADO_RPT.read_text()

    def row(label: str) -> list[int]:
        m = re.search(rf"^\|{label}\s*\|(.*)\|\s*$", text, re.MULTILINE)
        assert m, label
        return [int(c) for c in m.group(1).split("|")]

    r = parse_csynth_xml(VIVADO_XML)
    assert row("Total") == list(r.used.as_dict().values())
    assert row("Available") == list(r.available.as_dict().values())
    assert "|       10|       10| 50.000 ns | 50.000 ns |    8|    8| dataflow |" in text
    assert "| 5.00 ns | 4.049 ns |   0.62 ns  |" in text


def test_report_is_frozen_and_to_dict_is_json() -> None:
    r = parse_csynth_xml(VIVADO_XML)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.top = "other"  # type: ignore[misc]
    d = json.loads(json.dumps(r.to_dict()))
    assert d["path"] == str(VIVADO_XML)
    assert d["top"] == "myproject"
    assert d["used"] == {"BRAM_18K": 0, "DSP": 73, "FF": 7969, "LUT": 2532, "URAM": 0}
    assert d["available"]["DSP"] == 220
    assert d["utilisation"]["URAM"] is None
    assert d["latency_worst"] == 10 and d["interval_max"] == 8
    assert d["fmax_mhz"] == pytest.approx(246.97, abs=0.01)
    assert {f.name for f in dataclasses.fields(SynthReport)} <= set(d)


# ----------------------------------------------------------------- Vitis-style report


def test_vitis_csynth_xml() -> None:
    r = parse_csynth_xml(VITIS_XML)
    assert (r.top, r.part, r.tool_version, r.product_family) == (
        "jet_mlp",
        "xcvu13p-flga2577-2-e",
        "2023.1",
        "virtexuplus",
    )
    assert (r.target_clock_ns, r.estimated_clock_ns, r.clock_uncertainty_ns) == (5.0, 3.412, 1.35)
    assert r.pipeline_type == "no"
    # the top's numbers, not the nested ModuleInformation ones (3 cycles, 64 DSPs)
    assert (r.latency_best, r.latency_average, r.latency_worst) == (240, 250, 260)
    assert r.latency_best_ns == pytest.approx(1200.0)  # "1.200 us"
    assert r.latency_average_ns == pytest.approx(1250.0)
    assert r.latency_worst_ns == pytest.approx(1300.0)
    assert (r.interval_min, r.interval_max) == (241, 261)
    assert r.used == Resources(bram_18k=4, dsp=96, ff=10413, lut=18772, uram=2)  # <DSP>, not <DSP48E>
    assert r.available == Resources(bram_18k=5376, dsp=12288, ff=3456000, lut=1728000, uram=1280)
    assert r.utilisation()["URAM"] == pytest.approx(100 * 2 / 1280)
    assert r.meets_timing  # 3.412 <= 5.00 - 1.35
    assert r.fmax_mhz == pytest.approx(1000 / 3.412)


def test_timing_violation(tmp_path: Path) -> None:
    p = _variant(tmp_path, VIVADO_XML, ("<EstimatedClockPeriod>4.049<", "<EstimatedClockPeriod>4.500<"))
    assert not parse_csynth_xml(p).meets_timing  # 4.5 > 5.00 - 0.62


def test_vivado_report_with_vitis_dsp_tag(tmp_path: Path) -> None:
    p = _variant(
        tmp_path, VIVADO_XML, ("<DSP48E>73</DSP48E>", "<DSP>73</DSP>"), ("<DSP48E>220</DSP48E>", "<DSP>220</DSP>")
    )
    r = parse_csynth_xml(p)
    assert (r.used.dsp, r.available.dsp) == (73, 220)


def test_unknown_latency_and_missing_optional_elements(tmp_path: Path) -> None:
    p = _variant(
        tmp_path,
        VIVADO_XML,
        ("<Worst-caseLatency>10</Worst-caseLatency>", "<Worst-caseLatency>undef</Worst-caseLatency>"),
        (
            "<Worst-caseRealTimeLatency>50.000 ns</Worst-caseRealTimeLatency>",
            "<Worst-caseRealTimeLatency>undef</Worst-caseRealTimeLatency>",
        ),
        ("<Interval-max>8</Interval-max>", "<Interval-max>undef</Interval-max>"),
        ("<ClockUncertainty>0.62</ClockUncertainty>", ""),
        ("<Best-caseRealTimeLatency>50.000 ns</Best-caseRealTimeLatency>", ""),
        ("<URAM>0</URAM>\n</Resources>", "</Resources>"),
    )
    r = parse_csynth_xml(p)
    assert (r.latency_best, r.latency_worst, r.interval_min, r.interval_max) == (10, None, 8, None)
    assert (r.latency_best_ns, r.latency_average_ns, r.latency_worst_ns) == (None, 50.0, None)
    assert r.clock_uncertainty_ns is None
    assert r.used.uram is None and r.available.uram == 0
    assert r.meets_timing


def test_missing_available_resources(tmp_path: Path) -> None:
    text = VIVADO_XML.read_text()
    text = re.sub(r"<AvailableResources>.*?</AvailableResources>", "", text, flags=re.DOTALL)
    p = tmp_path / "x_csynth.xml"
    p.write_text(text)
    r = parse_csynth_xml(p)
    assert r.available == Resources()
    assert set(r.utilisation().values()) == {None}


# ----------------------------------------------------------------- malformed reports


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope_csynth.xml"
    with pytest.raises(ReportError, match=r"nope_csynth\.xml: no such csynth report file"):
        parse_csynth_xml(missing)
    assert issubclass(ReportError, ValueError)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not well-formed XML"),
        ("<profile><UserAssignments>", "not well-formed XML"),
        ("<html><body>hi</body></html>", r"root element is <html>, not <profile>"),
    ],
)
def test_not_a_report(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "bad_csynth.xml"
    p.write_text(text)
    with pytest.raises(ReportError, match=message) as info:
        parse_csynth_xml(p)
    assert str(p) in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("old", "element"),
    [
        ("<TopModelName>myproject</TopModelName>", "UserAssignments/TopModelName"),
        ("<Part>xc7z020-clg400-1</Part>", "UserAssignments/Part"),
        ("<TargetClockPeriod>5.00</TargetClockPeriod>", "UserAssignments/TargetClockPeriod"),
        (
            "<EstimatedClockPeriod>4.049</EstimatedClockPeriod>",
            "PerformanceEstimates/SummaryOfTimingAnalysis/EstimatedClockPeriod",
        ),
    ],
)
def test_missing_required_element(tmp_path: Path, old: str, element: str) -> None:
    p = _variant(tmp_path, VIVADO_XML, (old, ""))
    with pytest.raises(ReportError, match=re.escape(f"{p}: missing <{element}>")):
        parse_csynth_xml(p)


def test_missing_sections(tmp_path: Path) -> None:
    text = VIVADO_XML.read_text()
    no_latency = tmp_path / "a_csynth.xml"
    no_latency.write_text(re.sub(r"<SummaryOfOverallLatency>.*?</SummaryOfOverallLatency>", "", text, flags=re.DOTALL))
    with pytest.raises(ReportError, match="missing <PerformanceEstimates/SummaryOfOverallLatency>"):
        parse_csynth_xml(no_latency)
    no_area = tmp_path / "b_csynth.xml"
    no_area.write_text(re.sub(r"<AreaEstimates>.*?</AreaEstimates>", "", text, flags=re.DOTALL))
    with pytest.raises(ReportError, match=r"missing <AreaEstimates/Resources>"):
        parse_csynth_xml(no_area)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "<TargetClockPeriod>5.00</TargetClockPeriod>",
            "<TargetClockPeriod>fast</TargetClockPeriod>",
            r"<UserAssignments/TargetClockPeriod> is 'fast', not a number",
        ),
        (
            "<TargetClockPeriod>5.00</TargetClockPeriod>",
            "<TargetClockPeriod>undef</TargetClockPeriod>",
            r"<UserAssignments/TargetClockPeriod> is 'undef', not a number",
        ),
        ("<FF>7969</FF>", "<FF>many</FF>", r"<AreaEstimates/Resources/FF> is 'many', not a number"),
        (
            "<Best-caseLatency>10</Best-caseLatency>",
            "<Best-caseLatency>ten</Best-caseLatency>",
            r"Best-caseLatency> is 'ten'",
        ),
        (
            "<Best-caseRealTimeLatency>50.000 ns</Best-caseRealTimeLatency>",
            "<Best-caseRealTimeLatency>50 parsecs</Best-caseRealTimeLatency>",
            r"not a time",
        ),
        (
            "<unit>ns</unit>\n<ProductFamily>",
            "<unit>furlong</unit>\n<ProductFamily>",
            r"<UserAssignments/unit> is 'furlong'",
        ),
    ],
)
def test_bad_values(tmp_path: Path, old: str, new: str, message: str) -> None:
    p = _variant(tmp_path, VIVADO_XML, (old, new))
    with pytest.raises(ReportError, match=message):
        parse_csynth_xml(p)


# ----------------------------------------------------------------- finding the report


def _report_dir(root: Path, prj: str = "myproject_prj", solution: str = "solution1") -> Path:
    d = root / prj / solution / "syn" / "report"
    d.mkdir(parents=True)
    return d


def test_find_in_hls4ml_layout(tmp_path: Path) -> None:
    d = _report_dir(tmp_path)
    shutil.copy(VIVADO_XML, d / "myproject_csynth.xml")
    shutil.copy(VIVADO_XML, d / "dense_array_array_ap_fixed_16_6_5_3_0_5u_config2_s_csynth.xml")
    assert find_csynth_report(tmp_path, "myproject") == d / "myproject_csynth.xml"
    # top inferred from the project file the tool wrote
    shutil.copy(VIVADO_APP, tmp_path / "myproject_prj" / "vivado_hls.app")
    assert find_csynth_report(tmp_path) == d / "myproject_csynth.xml"
    # or passed the HLS project folder itself
    assert find_csynth_report(tmp_path / "myproject_prj", "myproject") == d / "myproject_csynth.xml"


def test_find_top_from_build_script(tmp_path: Path) -> None:
    d = _report_dir(tmp_path, prj="net_prj")
    shutil.copy(VIVADO_XML, d / "net_csynth.xml")
    shutil.copy(VIVADO_XML, d / "relu_csynth.xml")
    assert find_csynth_report(tmp_path) is None  # two candidates, top unknown
    (tmp_path / "build_prj.tcl").write_text("open_project -reset net_prj\nset_top net\ncsynth_design\nexit\n")
    assert find_csynth_report(tmp_path) == d / "net_csynth.xml"


def test_find_vitis_layouts(tmp_path: Path) -> None:
    d = _report_dir(tmp_path, prj="anything")
    shutil.copy(VITIS_XML, d / "csynth.xml")
    shutil.copy(VIVADO_XML, d / "dense_latency_1_csynth.xml")
    assert find_csynth_report(tmp_path) == d / "csynth.xml"
    assert find_csynth_report(tmp_path, "jet_mlp") == d / "csynth.xml"
    unified = tmp_path / "component" / "hls" / "syn" / "report"  # v++ --mode hls work_dir
    unified.mkdir(parents=True)
    shutil.copy(VITIS_XML, unified / "jet_mlp_csynth.xml")
    assert find_csynth_report(tmp_path / "component", "jet_mlp") == unified / "jet_mlp_csynth.xml"


def test_find_prefers_newest_solution_and_skips_stale(tmp_path: Path) -> None:
    old = _report_dir(tmp_path, solution="solution2") / "myproject_csynth.xml"
    new = _report_dir(tmp_path, solution="solution3") / "myproject_csynth.xml"
    shutil.copy(VIVADO_XML, old)
    shutil.copy(VIVADO_XML, new)
    os.utime(old, (1_000_000, 1_000_000))
    os.utime(new, (2_000_000, 2_000_000))
    assert find_csynth_report(tmp_path, "myproject") == new
    assert find_csynth_report(tmp_path, "myproject", newer_than=1_500_000) == new
    assert find_csynth_report(tmp_path, "myproject", newer_than=3_000_000) is None
    # <top>_prj/solution1 (what build_prj.tcl creates) comes first, whatever its age
    first = _report_dir(tmp_path, solution="solution1") / "myproject_csynth.xml"
    shutil.copy(VIVADO_XML, first)
    os.utime(first, (1_000, 1_000))
    assert find_csynth_report(tmp_path, "myproject") == first


def test_find_anywhere_and_nothing(tmp_path: Path) -> None:
    assert find_csynth_report(tmp_path, "myproject") is None
    assert find_csynth_report(tmp_path / "missing", "myproject") is None
    deep = tmp_path / "odd" / "place"
    deep.mkdir(parents=True)
    shutil.copy(VIVADO_XML, deep / "myproject_csynth.xml")
    assert find_csynth_report(tmp_path, "myproject") == deep / "myproject_csynth.xml"


# ----------------------------------------------------------------- vivado_synth.rpt


def test_vivado_synth_rpt_numbers() -> None:
    u = parse_vivado_utilization(VIVADO_SYNTH)
    assert (u.design, u.device) == ("myproject", "7z020clg400-1")
    assert u.tool_version is not None and u.tool_version.startswith("Vivado v.2020.1")
    assert u.used == Resources(bram_18k=0, dsp=66, ff=2428, lut=1526, uram=None)
    assert u.available == Resources(bram_18k=280, dsp=220, ff=106400, lut=53200, uram=None)
    assert (u.bram_tiles, u.bram_tiles_available) == (0.0, 140.0)
    pct = u.utilisation()
    assert pct["DSP"] == pytest.approx(30.0)  # the report's own Util% column says 30.00
    assert pct["LUT"] == pytest.approx(2.87, abs=0.005)
    assert pct["FF"] == pytest.approx(2.28, abs=0.005)
    assert pct["URAM"] is None
    d = json.loads(json.dumps(u.to_dict()))
    assert d["used"]["LUT"] == 1526 and d["device"] == "7z020clg400-1"


ULTRASCALE_RPT = """\
Copyright 1986-2022 Xilinx, Inc. All Rights Reserved.
| Tool Version : Vivado v.2022.2 (lin64) Build 3671981 Fri Oct 14 04:59:54 MDT 2022
| Design       : jet_mlp
| Device       : xcvu13p-flga2577-2-e

1. CLB Logic
------------

+----------------------------+--------+-------+------------+-----------+-------+
|          Site Type         |  Used  | Fixed | Prohibited | Available | Util% |
+----------------------------+--------+-------+------------+-----------+-------+
| CLB LUTs*                  |  15210 |     0 |          0 |   1728000 |  0.88 |
|   LUT as Logic             |  15100 |     0 |          0 |   1728000 |  0.87 |
| CLB Registers              |   9876 |     0 |          0 |   3456000 |  0.29 |
|   Register as Flip Flop    |   9870 |     0 |          0 |   3456000 |  0.29 |
|   Register as Latch        |      6 |     0 |          0 |   3456000 | <0.01 |
+----------------------------+--------+-------+------------+-----------+-------+

2. BLOCKRAM
-----------

+-------------------+------+-------+------------+-----------+-------+
|     Site Type     | Used | Fixed | Prohibited | Available | Util% |
+-------------------+------+-------+------------+-----------+-------+
| Block RAM Tile    |  3.5 |     0 |          0 |      2688 |  0.13 |
|   RAMB36/FIFO*    |    3 |     0 |          0 |      2688 |  0.11 |
|   RAMB18          |    1 |     0 |          0 |      5376 |  0.02 |
| URAM              |    2 |     0 |          0 |      1280 |  0.16 |
+-------------------+------+-------+------------+-----------+-------+

3. ARITHMETIC
-------------

+----------------+------+-------+------------+-----------+-------+
|    Site Type   | Used | Fixed | Prohibited | Available | Util% |
+----------------+------+-------+------------+-----------+-------+
|DSPs|90|0|0|12288|0.73|
+----------------+------+-------+------------+-----------+-------+
"""


def test_ultrascale_utilisation_with_extra_column_and_odd_spacing(tmp_path: Path) -> None:
    p = tmp_path / "vivado_synth.rpt"
    p.write_text(ULTRASCALE_RPT)
    u = parse_vivado_utilization(p)
    assert (u.design, u.device) == ("jet_mlp", "xcvu13p-flga2577-2-e")
    assert u.used == Resources(bram_18k=7, dsp=90, ff=9870, lut=15210, uram=2)  # 3.5 tiles = 7 x 18K
    assert u.available == Resources(bram_18k=5376, dsp=12288, ff=3456000, lut=1728000, uram=1280)
    assert u.bram_tiles == 3.5


def test_utilisation_report_errors(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="no such utilisation report file"):
        parse_vivado_utilization(tmp_path / "vivado_synth.rpt")
    p = tmp_path / "other.rpt"
    p.write_text("Timing report\n| Slack | 1.2 |\n")
    with pytest.raises(ReportError, match=r"other\.rpt: no utilisation table"):
        parse_vivado_utilization(p)
