"""Config: resolution order, validation messages, YAML round trip."""

from __future__ import annotations

import numpy as np
import pytest

from hlsflow.config import Config, ConfigError, LayerConfig, config_for_graph
from hlsflow.ir import Constant, FixedType, Graph, TensorType
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.types import FloatType


def _graph() -> Graph:
    g = Graph("m")
    x = g.add_input("x", TensorType((4,), FloatType()))
    d = g.add_node(Dense(3), [x], name="fc1", params={"kernel": Constant.from_array(np.ones((4, 3)))}, meta={"keras_class": "QDense"})
    g.set_outputs([d.output])
    return g


def test_defaults_are_hls4ml_like() -> None:
    c = Config()
    assert c.strategy == "Latency" and c.io_type == "io_parallel" and c.reuse_factor == 1
    assert c.precision["input"] == "fixed<16,6>"


def test_resolution_model_type_name() -> None:
    g = _graph()
    cfg = Config()
    cfg.layer_type["Dense"] = LayerConfig({"weight": "fixed<8,1>"}, reuse_factor=2)
    cfg.layer_type["QDense"] = LayerConfig({"bias": "fixed<8,3>"})
    cfg.layer("fc1").reuse_factor = 4
    cfg.layer("fc1").precision["result"] = "fixed<16,6,RND,SAT>"
    r = cfg.for_node(g.node("fc1"))
    assert r.reuse_factor == 4
    assert r.precision["weight"] == "fixed<8,1>" and r.precision["bias"] == "fixed<8,3>"
    assert str(r.type_for("result")) == "fixed<16,6,RND,SAT>"
    assert r.type_for("weight") == FixedType(8, 1)
    assert r.type_for("table") is None  # auto


def test_yaml_round_trip(tmp_path) -> None:
    cfg = Config(io_type="io_stream", reuse_factor=2, strategy="Resource")
    cfg.layer_type["Dense"] = LayerConfig({"weight": "fixed<8,1>"}, 4, "Latency")
    cfg.layer("fc1").precision["result"] = "ufixed<8,3,RND_CONV,SAT>"
    p = tmp_path / "c.yml"
    cfg.to_yaml(p)
    back = Config.from_yaml(p)
    assert back.to_dict() == cfg.to_dict()
    assert Config.from_yaml(cfg.to_yaml()).to_dict() == cfg.to_dict()


def test_hls4ml_spellings_accepted() -> None:
    cfg = Config.from_dict({"Model": {"Precision": "ap_fixed<16,6>", "ReuseFactor": 1}})
    assert cfg.precision["result"] == "ap_fixed<16,6>"
    cfg.validate()


@pytest.mark.parametrize(
    "data,match",
    [
        ({"Model": {"Strategy": "Fast"}}, "Strategy 'Fast'"),
        ({"Model": {"ReuseFactor": 0}}, "ReuseFactor must be a positive"),
        ({"IOType": "io_serial"}, "IOType 'io_serial'"),
        ({"Backend": "quartus"}, "Backend 'quartus'"),
        ({"Model": {"Precision": {"weight": "fixed<16>"}}}, "Model.Precision.weight"),
        ({"Model": {"Precision": {"wieght": "auto"}}}, "unknown key 'wieght'"),
        ({"LayerName": {"fc1": {"Reuse": 2}}}, "LayerName.fc1: unknown key"),
        ({"Bogus": 1}, "unknown top-level"),
    ],
)
def test_errors_name_the_key(data: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        Config.from_dict(data)


def test_unknown_layer_name_is_reported() -> None:
    cfg = Config()
    cfg.layer("fc9").reuse_factor = 2
    with pytest.raises(ConfigError, match="fc9.*layers are: x, fc1"):
        cfg.validate(_graph())


def test_granularities() -> None:
    g = _graph()
    assert config_for_graph(g, "model").layer_name == {}
    t = config_for_graph(g, "type")
    assert "QDense" in t.layer_type and t.layer_type["QDense"].precision == {"weight": "auto", "result": "auto"}
    n = config_for_graph(g, "name")
    assert set(n.layer_name) == {"x", "fc1"} and n.layer_name["fc1"].reuse_factor == 1
    with pytest.raises(ConfigError, match="granularity"):
        config_for_graph(g, "layer")
