"""The vendor-tool runner, against fake ``vitis-run`` / ``vitis_hls`` / ``vivado_hls``.

The fakes are small shell scripts put first on PATH. They record their argv and cwd,
copy ``build_opts.tcl`` aside, and, when ``build_opts.tcl`` asks for synthesis, put a
real report where the real tool writes it. One smoke test runs the real tools when they
are installed (markers ``vivado`` / ``vitis``).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import stat
import textwrap
import time
from pathlib import Path

import pytest
from hlsflow.backends.common.tool import error_excerpt
from hlsflow.backends.vitis import runner as vitis_runner
from hlsflow.backends.vivado.report import parse_csynth_xml
from hlsflow.backends.vivado.runner import (
    BuildResult,
    ToolFailedError,
    ToolInfo,
    ToolNotFoundError,
    ToolTimeoutError,
    find_tool,
    run_build,
    write_build_opts,
)

FIXTURES = Path(__file__).parent / "fixtures"
VIVADO_XML = FIXTURES / "vivado" / "myproject_csynth.xml"
VIVADO_APP = FIXTURES / "vivado" / "vivado_hls.app"
VITIS_XML = FIXTURES / "vitis" / "csynth.xml"
ENV_VARS = ("XILINX_HLS", "XILINX_VITIS", "XILINX_VIVADO")

posix_only = pytest.mark.skipif(os.name != "posix", reason="the fake tools are POSIX shell scripts")

# Records how it was called, then (if build_opts.tcl asks for synthesis) writes the report.
RECORD = """\
#!/bin/sh
{ echo "cwd=$(pwd)"; for a in "$0" "$@"; do echo "arg=$a"; done; } > "$FAKE_RECORD"
cp build_opts.tcl "$FAKE_RECORD.opts" 2>/dev/null
echo "INFO: [HLS 200-10] Running '$0'"
echo "INFO: [HLS 200-10] fake stderr line" 1>&2
"""

VIVADO_SYNTH = """\
if grep -q '^set hlsflow_synth 1$' build_opts.tcl; then
  mkdir -p myproject_prj/solution1/syn/report
  cp "$FAKE_FIXTURES/vivado/vivado_hls.app" myproject_prj/vivado_hls.app
  cp "$FAKE_FIXTURES/vivado/myproject_csynth.xml" myproject_prj/solution1/syn/report/myproject_csynth.xml
  cp "$FAKE_FIXTURES/vivado/myproject_csynth.xml" myproject_prj/solution1/syn/report/relu_csynth.xml
  echo "INFO: [HLS 200-111] Finished Command csynth_design"
fi
exit 0
"""

# Vitis: the top-level summary csynth.xml plus a sub-module report as a decoy.
VITIS_SYNTH = """\
if grep -q '^set hlsflow_synth 1$' build_opts.tcl; then
  mkdir -p jet_mlp_prj/solution1/syn/report
  cp "$FAKE_FIXTURES/vitis/csynth.xml" jet_mlp_prj/solution1/syn/report/csynth.xml
  cp "$FAKE_FIXTURES/vivado/myproject_csynth.xml" jet_mlp_prj/solution1/syn/report/dense_latency_1_csynth.xml
fi
exit 0
"""

FAILING = """\
#!/bin/sh
i=1
while [ $i -le 30 ]; do echo "INFO: [HLS 200-10] step $i"; i=$((i+1)); done
echo "ERROR: [HLS 207-812] firmware/myproject.cpp:12:5: use of undeclared identifier 'x'" 1>&2
echo "INFO: [HLS 200-10] more noise"
echo "ERROR: [HLS 200-70] Compilation errors found: 1 Error(s) Detected."
echo "    while executing \\"csynth_design\\""
exit 1
"""


def _tool(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def _record(path: Path) -> tuple[str, list[str]]:
    lines = path.read_text().splitlines()
    cwd = lines[0].removeprefix("cwd=")
    return cwd, [line.removeprefix("arg=") for line in lines[1:]]


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty bin/ alone on PATH (plus the system folders the scripts need)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"]))
    monkeypatch.setenv("FAKE_RECORD", str(tmp_path / "record"))
    monkeypatch.setenv("FAKE_FIXTURES", str(FIXTURES))
    return bin_dir


def _project(tmp_path: Path, top: str = "myproject") -> Path:
    prj = tmp_path / "prj"
    prj.mkdir()
    (prj / "build_prj.tcl").write_text(
        textwrap.dedent(
            f"""\
            if {{[file exists build_opts.tcl]}} {{ source build_opts.tcl }}
            open_project -reset {top}_prj
            set_top {top}
            if {{$hlsflow_synth}} {{ csynth_design }}
            exit
            """
        )
    )
    return prj


# ----------------------------------------------------------------- finding the tool


@posix_only
def test_vitis_prefers_vitis_run(fake: Path) -> None:
    _tool(fake, "vitis_hls", RECORD)
    run = _tool(fake, "vitis-run", RECORD)
    info = find_tool("vitis")
    assert info == ToolInfo(name="vitis-run", path=run, kind="vitis-run", args=("--mode", "hls", "--tcl", "{script}"))
    assert info.command("build_prj.tcl") == (str(run), "--mode", "hls", "--tcl", "build_prj.tcl")
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.kind = "x"  # type: ignore[misc]


@posix_only
def test_vitis_falls_back_to_vitis_hls(fake: Path) -> None:
    hls = _tool(fake, "vitis_hls", RECORD)
    info = find_tool("vitis")
    assert (info.name, info.kind) == ("vitis_hls", "vitis_hls")
    assert info.command("build_prj.tcl") == (str(hls), "-f", "build_prj.tcl")


@posix_only
def test_vivado_tool(fake: Path) -> None:
    hls = _tool(fake, "vivado_hls", RECORD)
    _tool(fake, "vitis-run", RECORD)  # a Vitis tool does not stand in for Vivado HLS
    info = find_tool("vivado")
    assert (info.path, info.kind) == (hls, "vivado_hls")
    assert info.command("build_prj.tcl") == (str(hls), "-f", "build_prj.tcl")


@posix_only
def test_env_var_install_folders(fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vitis_hls = _tool(tmp_path / "Vitis_HLS" / "2023.1" / "bin", "vitis_hls", RECORD)
    vivado_hls = _tool(tmp_path / "Vivado" / "2020.1" / "bin", "vivado_hls", RECORD)
    monkeypatch.setenv("XILINX_HLS", str(tmp_path / "Vitis_HLS" / "2023.1"))
    monkeypatch.setenv("XILINX_VIVADO", str(tmp_path / "Vivado" / "2020.1"))
    assert find_tool("vitis").path == vitis_hls
    assert find_tool("vivado").path == vivado_hls
    # the env-var folder beats PATH for the same tool...
    _tool(fake, "vitis_hls", RECORD)
    assert find_tool("vitis").path == vitis_hls
    # ...but vitis-run anywhere beats vitis_hls
    run = _tool(tmp_path / "Vitis" / "2023.1" / "bin", "vitis-run", RECORD)
    monkeypatch.setenv("XILINX_VITIS", str(tmp_path / "Vitis" / "2023.1"))
    assert find_tool("vitis").path == run


@posix_only
def test_explicit_tool(fake: Path, tmp_path: Path) -> None:
    elsewhere = _tool(tmp_path / "opt" / "bin", "vitis_hls", RECORD)
    assert find_tool("vitis", tool=elsewhere).path == elsewhere  # a path
    assert find_tool("vitis", tool=str(tmp_path / "opt")).path == elsewhere  # an install folder
    _tool(fake, "vivado_hls", RECORD)
    assert find_tool("vitis", tool="vivado_hls").kind == "vitis_hls"  # a name on PATH; `-f` command line
    wrapper = _tool(tmp_path / "wrap", "my_hls_wrapper", RECORD)
    info = find_tool("vitis", tool=wrapper)
    assert (info.name, info.kind, info.command("b.tcl")[1:]) == ("my_hls_wrapper", "vitis_hls", ("-f", "b.tcl"))
    with pytest.raises(ToolNotFoundError, match="is not an executable file"):
        find_tool("vitis", tool=tmp_path / "nope" / "vitis_hls")
    with pytest.raises(ToolNotFoundError, match="tool 'vitis_hls_2099' not found"):
        find_tool("vitis", tool="vitis_hls_2099")


def test_missing_tool_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolNotFoundError) as info:
        find_tool("vitis")
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("Vitis HLS not found: searched for vitis-run, vitis_hls on PATH")
    for part in ("XILINX_HLS", "XILINX_VITIS", "add its bin folder to PATH", "tool="):
        assert part in msg
    with pytest.raises(
        ToolNotFoundError, match=r"^Vivado HLS not found: searched for vivado_hls on PATH.*XILINX_VIVADO"
    ):
        find_tool("vivado")
    monkeypatch.setenv("XILINX_VIVADO", str(tmp_path / "Vivado"))
    with pytest.raises(ToolNotFoundError, match=r"\$XILINX_VIVADO/bin, PATH"):
        find_tool("vivado")


def test_unknown_backend() -> None:
    with pytest.raises(ValueError, match="unknown backend 'quartus'.*vivado, vitis"):
        find_tool("quartus")


# ----------------------------------------------------------------- running a build


@posix_only
def test_run_build_vivado(fake: Path, tmp_path: Path) -> None:
    hls = _tool(fake, "vivado_hls", RECORD + VIVADO_SYNTH)
    prj = _project(tmp_path)
    seen: list[str] = []
    result = run_build(prj, "vivado", csim=True, log=seen.append)

    cwd, argv = _record(tmp_path / "record")
    assert Path(cwd) == prj.resolve()
    assert argv == [str(hls), "-f", "build_prj.tcl"]
    assert (tmp_path / "record.opts").read_text().splitlines()[1:] == [
        "set hlsflow_csim 1",
        "set hlsflow_synth 1",
        "set hlsflow_cosim 0",
        "set hlsflow_export 0",
    ]
    assert isinstance(result, BuildResult)
    assert result.command == (str(hls), "-f", "build_prj.tcl")
    assert (result.returncode, result.tool.kind, result.project_dir) == (0, "vivado_hls", prj.resolve())
    assert 0 <= result.seconds < 60
    assert result.log_path == prj.resolve() / "hlsflow_build.log"
    log = result.log_path.read_text()
    assert "fake stderr line" in log and "Finished Command csynth_design" in log  # stderr merged
    assert seen == [line for line in log.splitlines() if not line.startswith("# hlsflow:")]
    assert result.report is not None
    assert result.report == parse_csynth_xml(prj / "myproject_prj/solution1/syn/report/myproject_csynth.xml")
    assert (result.report.top, result.report.latency_worst, result.report.used.dsp) == ("myproject", 10, 73)


@posix_only
def test_run_build_vitis_run(fake: Path, tmp_path: Path) -> None:
    run = _tool(fake, "vitis-run", RECORD + VITIS_SYNTH)
    _tool(fake, "vitis_hls", RECORD + "exit 3\n")
    prj = _project(tmp_path, top="jet_mlp")
    result = vitis_runner.run_build(prj, "vitis", cosim=True, export=True)
    _, argv = _record(tmp_path / "record")
    assert argv == [str(run), "--mode", "hls", "--tcl", "build_prj.tcl"]
    assert (tmp_path / "record.opts").read_text().splitlines()[1:] == [
        "set hlsflow_csim 0",
        "set hlsflow_synth 1",
        "set hlsflow_cosim 1",
        "set hlsflow_export 1",
    ]
    assert result.report is not None
    assert result.report.path.name == "csynth.xml"  # the top's summary, not the sub-module report
    assert (result.report.top, result.report.latency_worst, result.report.used.dsp) == ("jet_mlp", 260, 96)


@posix_only
def test_run_build_vitis_hls(fake: Path, tmp_path: Path) -> None:
    hls = _tool(fake, "vitis_hls", RECORD + VITIS_SYNTH)
    prj = _project(tmp_path, top="jet_mlp")
    result = run_build(prj, "vitis")
    assert _record(tmp_path / "record")[1] == [str(hls), "-f", "build_prj.tcl"]
    assert result.report is not None and result.report.top == "jet_mlp"


@posix_only
def test_no_report_without_synthesis_or_when_stale(fake: Path, tmp_path: Path) -> None:
    _tool(fake, "vivado_hls", RECORD + VIVADO_SYNTH)
    prj = _project(tmp_path)
    result = run_build(prj, "vivado", csim=True, synth=False)
    assert result.report is None
    assert (tmp_path / "record.opts").read_text().splitlines()[1:3] == ["set hlsflow_csim 1", "set hlsflow_synth 0"]
    assert not (prj / "myproject_prj").exists()
    # a report left by an earlier run is not this run's result
    old = prj / "myproject_prj/solution1/syn/report/myproject_csynth.xml"
    old.parent.mkdir(parents=True)
    shutil.copy(VIVADO_XML, old)
    os.utime(old, (time.time() - 3600,) * 2)
    _tool(fake, "vivado_hls", RECORD + "exit 0\n")
    assert run_build(prj, "vivado", synth=True).report is None


@posix_only
def test_failing_tool(fake: Path, tmp_path: Path) -> None:
    _tool(fake, "vivado_hls", FAILING)
    prj = _project(tmp_path)
    with pytest.raises(ToolFailedError) as info:
        run_build(prj, "vivado")
    err = info.value
    log = prj.resolve() / "hlsflow_build.log"
    first = str(err).splitlines()[0]
    assert first.startswith(f"vivado_hls failed with exit code 1 (log: {log}): ERROR: [HLS 207-812]")
    assert (err.tool, err.returncode, err.log_path) == ("vivado_hls", 1, log)
    assert err.excerpt[:2] == (
        "ERROR: [HLS 207-812] firmware/myproject.cpp:12:5: use of undeclared identifier 'x'",
        "ERROR: [HLS 200-70] Compilation errors found: 1 Error(s) Detected.",
    )
    assert len(err.excerpt) == 10 and err.excerpt[-1] == '    while executing "csynth_design"'
    assert "INFO: [HLS 200-10] step 1" not in err.excerpt
    assert "  | ERROR: [HLS 200-70] Compilation errors found" in str(err)
    assert "INFO: [HLS 200-10] step 1\n" in log.read_text()  # the log has everything


@posix_only
def test_timeout_stops_the_tool(fake: Path, tmp_path: Path) -> None:
    _tool(fake, "vivado_hls", "#!/bin/sh\necho starting\nsleep 30\necho never\n")
    prj = _project(tmp_path)
    t0 = time.monotonic()
    with pytest.raises(ToolTimeoutError, match=r"^vivado_hls ran longer than 0.5 s and was stopped \(log: ") as info:
        run_build(prj, "vivado", timeout=0.5)
    assert time.monotonic() - t0 < 10
    assert isinstance(info.value, ToolFailedError) and info.value.timeout == 0.5
    assert info.value.log_path.read_text().splitlines()[1:] == ["starting"]


@posix_only
def test_callback_error_stops_the_tool(fake: Path, tmp_path: Path) -> None:
    _tool(fake, "vivado_hls", "#!/bin/sh\necho starting\nsleep 30\n")
    prj = _project(tmp_path)

    def boom(line: str) -> None:
        raise KeyboardInterrupt

    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_build(prj, "vivado", log=boom)
    assert time.monotonic() - t0 < 10


@posix_only
def test_bad_requests(fake: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no build_prj.tcl"):
        run_build(tmp_path, "vivado")
    prj = _project(tmp_path)
    with pytest.raises(ValueError, match="nothing to run"):
        run_build(prj, "vivado", synth=False)
    with pytest.raises(ValueError, match="timeout must be a positive"):
        run_build(prj, "vivado", timeout=0)
    with pytest.raises(ToolNotFoundError, match="Vivado HLS not found"):
        run_build(prj, "vivado")
    assert not (prj / "build_opts.tcl").exists()  # nothing written when the tool is missing


def test_write_build_opts(tmp_path: Path) -> None:
    path = write_build_opts(tmp_path, csim=False, synth=True, cosim=True, export=False)
    assert path == tmp_path / "build_opts.tcl"
    assert path.read_text().splitlines()[1:] == [
        "set hlsflow_csim 0",
        "set hlsflow_synth 1",
        "set hlsflow_cosim 1",
        "set hlsflow_export 0",
    ]


def test_error_excerpt() -> None:
    lines = [f"line {i}" for i in range(20)] + ["ERROR: first", "", "x.cpp:3: error: bad", "tail"]
    assert error_excerpt(lines, limit=4) == ("ERROR: first", "x.cpp:3: error: bad", "line 19", "tail")
    assert error_excerpt(["a", "b"]) == ("a", "b")
    assert error_excerpt([]) == ()


# ----------------------------------------------------------------- the real tools

SMOKE_CPP = "void smoke_top(int a, int b, int *c) { *c = a * b + 1; }\n"
SMOKE_TCL = """\
set hlsflow_csim 0
set hlsflow_synth 1
if {[file exists build_opts.tcl]} { source build_opts.tcl }
open_project -reset smoke_top_prj
set_top smoke_top
add_files smoke.cpp
open_solution -reset solution1
set_part {xc7z020-clg400-1}
create_clock -period 5 -name default
if {$hlsflow_synth} { csynth_design }
exit
"""


@pytest.mark.parametrize(
    "backend", [pytest.param("vivado", marks=pytest.mark.vivado), pytest.param("vitis", marks=pytest.mark.vitis)]
)
def test_real_tool_smoke(backend: str, tmp_path: Path) -> None:
    """Synthesise a one-line function with the installed tool and read its report."""
    try:
        find_tool(backend)
    except ToolNotFoundError as exc:
        pytest.skip(str(exc))
    (tmp_path / "smoke.cpp").write_text(SMOKE_CPP)
    (tmp_path / "build_prj.tcl").write_text(SMOKE_TCL)
    result = run_build(tmp_path, backend, timeout=1800)
    assert result.report is not None
    assert result.report.top == "smoke_top"
    assert result.report.target_clock_ns == 5.0
    assert result.report.latency_worst is not None and result.report.used.dsp is not None


@posix_only
def test_cli_build_uses_the_project_backend(fake: Path, tmp_path: Path) -> None:
    """`hlsflow build DIR` reads the backend from hlsflow_config.yml and prints the report."""
    from click.testing import CliRunner

    from hlsflow.cli import main

    _tool(fake, "vivado_hls", RECORD + VIVADO_SYNTH)
    prj = _project(tmp_path)
    (prj / "hlsflow_config.yml").write_text("Backend: vivado\n")
    out = CliRunner().invoke(main, ["build", str(prj)])
    assert out.exit_code == 0, out.output
    report = parse_csynth_xml(prj / "myproject_prj/solution1/syn/report/myproject_csynth.xml")
    assert report.summary() in " ".join(out.output.split())
    assert f"latency {report.latency_best}-{report.latency_worst} cycles" in report.summary()
    bad = CliRunner().invoke(main, ["build", str(tmp_path / "bin")])
    assert bad.exit_code == 2 and "not an hlsflow project" in bad.output
