"""The command line: each command on a shipped model, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from hlsflow.cli import main

ZOO = Path(__file__).resolve().parent.parent / "example-models"
MLP = ZOO / "digits_mlp"


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_help_explains_every_command() -> None:
    out = _run("--help").output
    for cmd in ("run", "convert", "emulate", "report", "config"):
        assert cmd in out
    conv = _run("convert", "--help").output
    assert "--dump-ir" in conv and "--output-dir" in conv and "--force" in conv


def test_missing_model_is_one_line_error(tmp_path) -> None:
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not a model")
    res = _run("convert", str(bad))
    assert res.exit_code == 2
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "model.onnx" in lines[0]


def test_bad_config_names_the_key(tmp_path) -> None:
    cfg = tmp_path / "c.yml"
    cfg.write_text("Model:\n  Strategy: Fastest\n")
    res = _run("report", str(MLP / "model.h5"), "-c", str(cfg))
    assert res.exit_code == 2 and "Strategy 'Fastest'" in res.output


@pytest.mark.keras
def test_config_convert_emulate_report_run(tmp_path) -> None:
    pytest.importorskip("tensorflow")
    cfg = tmp_path / "c.yml"
    res = _run("config", str(MLP / "model.h5"), "-g", "name", "-o", str(cfg))
    assert res.exit_code == 0 and cfg.exists()
    out = tmp_path / "out"
    res = _run("convert", str(MLP / "model.h5"), "-c", str(cfg), "-o", str(out), "--dump-ir", str(tmp_path / "ir"))
    assert res.exit_code == 0, res.output
    assert (out / "model.ir").read_text().startswith("graph ")
    assert any(p.name.endswith("infer-precision.ir") for p in (tmp_path / "ir").iterdir())
    y = tmp_path / "y.npy"
    res = _run("emulate", str(MLP), "-i", str(MLP / "x_test.npy"), "-o", str(y), "--compare", str(MLP / "y_keras.npy"), "--trace")
    assert res.exit_code == 0 and "argmax agreement" in res.output and "overflows" in res.output
    assert np.load(y).shape == np.load(MLP / "y_keras.npy").shape
    res = _run("report", str(MLP), "--json")
    assert res.exit_code == 0 and '"multipliers"' in res.output
    res = _run("run", str(MLP), "-o", str(tmp_path / "run"))
    assert res.exit_code == 0 and "agreement with the source model" in res.output
    assert (tmp_path / "run" / "report.json").exists()


@pytest.mark.keras
def test_refuses_foreign_non_empty_dir(tmp_path) -> None:
    pytest.importorskip("tensorflow")
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    res = _run("convert", str(MLP / "model.h5"), "-o", str(foreign))
    assert res.exit_code == 2 and "--force" in res.output
    assert (foreign / "thesis.tex").read_text() == "precious"
    res = _run("convert", str(MLP / "model.h5"), "-o", str(foreign), "--force")
    assert res.exit_code == 0 and (foreign / ".hlsflow").exists()  # --force: replaced, as asked


@pytest.mark.keras
@pytest.mark.csim
def test_backend_option_overrides_the_config(tmp_path) -> None:
    """--backend picks the backend for convert and run; the project says which it is."""
    pytest.importorskip("tensorflow")
    cfg = tmp_path / "c.yml"
    cfg.write_text("Backend: vitis\n")
    res = _run("convert", str(MLP), "-c", str(cfg), "--backend", "catapult", "-o", str(tmp_path / "cat"))
    assert res.exit_code == 0, res.output
    assert "Backend: catapult" in (tmp_path / "cat" / "hlsflow_config.yml").read_text()
    assert "ac_fixed<" in (tmp_path / "cat" / "firmware" / "defines.h").read_text()
    res = _run("run", str(MLP), "-b", "vivado", "-o", str(tmp_path / "viv"))
    assert res.exit_code == 0 and "0 values differ" in res.output, res.output
    assert "Backend: vivado" in (tmp_path / "viv" / "hlsflow_config.yml").read_text()
    bad = CliRunner().invoke(main, ["convert", str(MLP), "--backend", "quartus"])
    assert bad.exit_code == 2 and "quartus" in bad.output
