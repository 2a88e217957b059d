"""The conversion configuration: one dataclass, per-layer overrides, YAML round trip.

The layout follows hls4ml's so that its users recognise every concept::

    Backend: vitis
    IOType: io_parallel          # or io_stream
    ProjectName: myproject
    Part: xcvu13p-flga2577-2-e
    ClockPeriod: 5.0
    Technology: 045nm            # Catapult (ASIC): technology and library of `solution library add`
    TechLibrary: nangate-45nm_beh
    Model:                       # defaults for every layer
      Precision: {input: fixed<16,6>, weight: auto, bias: auto, result: auto, table: auto}
      ReuseFactor: 1
      Strategy: Latency          # or Resource
      WeightBits: 16             # width of `auto` weights and biases
      ResultFracBits: 10         # fractional bits kept by `auto` results
    LayerType:                   # by op name (dense, conv2d, activation, ...) or source class (Dense, QDense)
      Dense: {ReuseFactor: 4}
    LayerName:                   # by layer name; wins over LayerType, which wins over Model
      fc1: {Precision: {weight: fixed<8,1>, result: fixed<16,6,RND,SAT>}}

Precision values are type strings (``fixed<16,6>``, ``ufixed<8,0,RND_CONV,SAT>``,
``ap_fixed<...>`` spellings are accepted) or ``auto``. What ``auto`` means is defined by
the ``infer-precision`` pass: weights get ``WeightBits`` bits with just enough integer
bits for their largest magnitude (or their exact grid type when a quantiser already put
them on one); results keep every integer bit of the exact result (they can never
overflow) and ``ResultFracBits`` fractional bits; tables use each function's default.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from hlsflow.errors import HlsflowError
from hlsflow.ir.identifiers import is_reserved_project_name
from hlsflow.ir.types import ElemType, FixedType, parse_type

if TYPE_CHECKING:
    from hlsflow.ir.graph import Graph, Node

STRATEGIES = ("Latency", "Resource")
IO_TYPES = ("io_parallel", "io_stream")
BACKENDS = ("vivado", "vitis", "catapult")
PRECISION_KEYS = ("input", "weight", "bias", "scale", "shift", "result", "table")
LAYER_KEYS = ("Precision", "ReuseFactor", "Strategy")
#: characters allowed in Technology / TechLibrary (they are written into a Tcl script)
_TCL_WORD = re.compile(r"^[A-Za-z0-9_.+\-/]+$")
#: ProjectName becomes the top function's name and the firmware file names
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ConfigError(HlsflowError, ValueError):
    """The configuration is invalid; the message names the key and what is allowed."""


@dataclass
class LayerConfig:
    """Settings for one layer or layer type; ``None``/missing keys inherit."""

    precision: dict[str, str] = field(default_factory=dict)
    reuse_factor: int | None = None
    strategy: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.precision:
            d["Precision"] = dict(self.precision)
        if self.reuse_factor is not None:
            d["ReuseFactor"] = self.reuse_factor
        if self.strategy is not None:
            d["Strategy"] = self.strategy
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str) -> LayerConfig:
        if not isinstance(d, Mapping):
            raise ConfigError(f"{where}: expected a mapping with {', '.join(LAYER_KEYS)}, got {d!r}")
        unknown = set(d) - set(LAYER_KEYS)
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {', '.join(LAYER_KEYS)}")
        prec = d.get("Precision", {}) or {}
        if isinstance(prec, str):  # hls4ml shorthand: one precision for the result
            prec = {"result": prec}
        if not isinstance(prec, Mapping):
            raise ConfigError(
                f"{where}.Precision: expected a mapping of {', '.join(PRECISION_KEYS)} to types "
                f"(or one type string for the result), got {prec!r}"
            )
        return cls(
            precision={str(k): str(v) for k, v in dict(prec).items()},
            reuse_factor=d.get("ReuseFactor"),
            strategy=d.get("Strategy"),
        )


@dataclass(frozen=True)
class ResolvedLayer:
    """Settings in force for one node after Model < LayerType < LayerName resolution."""

    precision: Mapping[str, str]
    reuse_factor: int
    strategy: str

    def type_for(self, key: str) -> ElemType | None:
        """The explicit type configured for ``key``, or None for ``auto``."""
        spec = self.precision.get(key, "auto")
        if spec == "auto":
            return None
        return parse_type(spec)


@dataclass
class Config:
    """Everything that steers a conversion. Edit freely, then ``validate()`` (convert does)."""

    backend: str = "vitis"
    io_type: str = "io_parallel"
    project_name: str = "myproject"
    part: str = "xcvu13p-flga2577-2-e"
    clock_period: float = 5.0
    clock_uncertainty: float = 12.5  # percent
    technology: str = "045nm"  # Catapult: -technology of the library
    tech_library: str = "nangate-45nm_beh"  # Catapult: the technology library to add
    precision: dict[str, str] = field(
        default_factory=lambda: {
            "input": "fixed<16,6>",
            "weight": "auto",
            "bias": "auto",
            "result": "auto",
            "table": "auto",
        }
    )
    reuse_factor: int = 1
    strategy: str = "Latency"
    weight_bits: int = 16
    result_frac_bits: int = 10
    layer_type: dict[str, LayerConfig] = field(default_factory=dict)
    layer_name: dict[str, LayerConfig] = field(default_factory=dict)

    # -- resolution --------------------------------------------------------------
    def for_node(self, node: Node) -> ResolvedLayer:
        """Merge Model, then LayerType (op name or source class), then LayerName."""
        prec = dict(self.precision)
        rf, strat = self.reuse_factor, self.strategy
        type_keys = {node.op.name.lower(), type(node.op).__name__.lower()}
        src = node.meta.get("keras_class") or node.meta.get("source_class")
        if src:
            type_keys.add(str(src).lower())
        layers = [lc for k, lc in self.layer_type.items() if k.lower() in type_keys]
        if node.name in self.layer_name:
            layers.append(self.layer_name[node.name])
        for lc in layers:
            prec.update(lc.precision)
            rf = lc.reuse_factor if lc.reuse_factor is not None else rf
            strat = lc.strategy if lc.strategy is not None else strat
        return ResolvedLayer(prec, rf, strat)

    def layer(self, name: str) -> LayerConfig:
        """The (created on demand) per-name entry, for editing: ``cfg.layer("fc1").reuse_factor = 4``."""
        return self.layer_name.setdefault(name, LayerConfig())

    def reuse_notes(self, graph: Graph) -> list[str]:
        """Conversion-log notes comparing each layer's ReuseFactor with its non-zero
        weights, under the backends' rule (valid values are 1..non-zero weights, checked
        when the project is written): a value above that range will fail to write; one
        that does not divide it is valid but leaves idle multiplier slots."""
        notes = []
        for node in graph.nodes:
            k = node.params.get("kernel")
            if k is None:
                continue
            rf, nnz = self.for_node(node).reuse_factor, max(k.nonzero, 1)
            if rf > nnz:
                notes.append(
                    f"config: ReuseFactor {rf} for layer {node.name!r} exceeds its {k.nonzero} non-zero weights "
                    f"(valid: 1..{nnz}); writing the project fails until it is reduced"
                )
            elif nnz % rf:
                mult = -(-nnz // rf)
                notes.append(
                    f"config: ReuseFactor {rf} for layer {node.name!r} does not divide its {nnz} non-zero weights: "
                    f"{mult} multipliers with {mult * rf - nnz} idle multiplier slots"
                )
        return notes

    # -- validation --------------------------------------------------------------
    def validate(self, graph: Graph | None = None) -> None:
        """Raise one ConfigError naming the first invalid key, what it holds and what is
        allowed; with ``graph``, also every LayerName entry that matches no layer."""
        for key, value in (("Model.WeightBits", self.weight_bits), ("Model.ResultFracBits", self.result_frac_bits)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{key} must be an integer, got {value!r}")
        if self.backend not in BACKENDS:
            raise ConfigError(f"Backend {self.backend!r} is not one of {', '.join(BACKENDS)}")
        if self.io_type not in IO_TYPES:
            raise ConfigError(f"IOType {self.io_type!r} is not one of {', '.join(IO_TYPES)}")
        if self.weight_bits < 2 or self.weight_bits > 62:
            raise ConfigError(f"Model.WeightBits must be between 2 and 62, got {self.weight_bits}")
        if self.result_frac_bits < 0 or self.result_frac_bits > 48:
            raise ConfigError(f"Model.ResultFracBits must be between 0 and 48, got {self.result_frac_bits}")
        for key, value in (("Technology", self.technology), ("TechLibrary", self.tech_library)):
            if not isinstance(value, str) or not _TCL_WORD.match(value):
                raise ConfigError(
                    f"{key} {value!r} must be a non-empty name of letters, digits and _ . + - / (no spaces or Tcl syntax)"
                )
        if not (self.clock_period > 0):
            raise ConfigError(f"ClockPeriod must be positive (ns), got {self.clock_period}")
        name = self.project_name
        if not isinstance(name, str) or not _IDENTIFIER.match(name):
            raise ConfigError(
                f"ProjectName {name!r} must be a C++ identifier (letters, digits and _, not starting with a digit): "
                "it names the top function and the firmware files"
            )
        if is_reserved_project_name(name):
            raise ConfigError(f"ProjectName {name!r} is reserved (a C++ keyword or a name the generated project uses); pick another")
        entries = [("Model", LayerConfig(self.precision, self.reuse_factor, self.strategy))]
        entries += [(f"LayerType.{k}", v) for k, v in self.layer_type.items()]
        entries += [(f"LayerName.{k}", v) for k, v in self.layer_name.items()]
        for where, lc in entries:
            _validate_layer(where, lc)
        if graph is not None:
            known = {n.name for n in graph.nodes}
            missing = [k for k in self.layer_name if k not in known]
            if missing:
                raise ConfigError(
                    f"LayerName entries {missing} match no layer of the model; layers are: "
                    + ", ".join(n.name for n in graph.nodes)
                )

    # -- serialisation -----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "Backend": self.backend,
            "IOType": self.io_type,
            "ProjectName": self.project_name,
            "Part": self.part,
            "ClockPeriod": self.clock_period,
            "ClockUncertainty": self.clock_uncertainty,
            "Technology": self.technology,
            "TechLibrary": self.tech_library,
            "Model": {
                "Precision": dict(self.precision),
                "ReuseFactor": self.reuse_factor,
                "Strategy": self.strategy,
                "WeightBits": self.weight_bits,
                "ResultFracBits": self.result_frac_bits,
            },
            "LayerType": {k: v.to_dict() for k, v in self.layer_type.items()},
            "LayerName": {k: v.to_dict() for k, v in self.layer_name.items()},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Config:
        top = {
            "Backend",
            "IOType",
            "ProjectName",
            "Part",
            "ClockPeriod",
            "ClockUncertainty",
            "Technology",
            "TechLibrary",
            "Model",
            "LayerType",
            "LayerName",
        }
        unknown = set(d) - top
        if unknown:
            raise ConfigError(f"unknown top-level key(s) {sorted(unknown)}; allowed: {', '.join(sorted(top))}")
        cfg = cls()
        cfg.backend = str(d.get("Backend", cfg.backend)).lower()
        cfg.io_type = str(d.get("IOType", cfg.io_type))
        cfg.project_name = str(d.get("ProjectName", cfg.project_name))
        cfg.part = str(d.get("Part", cfg.part))
        cfg.clock_period = _number(d, "ClockPeriod", cfg.clock_period, float)
        cfg.clock_uncertainty = _number(d, "ClockUncertainty", cfg.clock_uncertainty, float)
        cfg.technology = str(d.get("Technology", cfg.technology))
        cfg.tech_library = str(d.get("TechLibrary", cfg.tech_library))
        model = d.get("Model", {}) or {}
        if not isinstance(model, Mapping):
            raise ConfigError(f"Model: expected a mapping of settings, got {model!r}")
        allowed_model = set(LAYER_KEYS) | {"WeightBits", "ResultFracBits"}
        bad = set(model) - allowed_model
        if bad:
            raise ConfigError(f"Model: unknown key(s) {sorted(bad)}; allowed: {', '.join(sorted(allowed_model))}")
        base = LayerConfig.from_dict({k: v for k, v in model.items() if k in LAYER_KEYS}, "Model")
        cfg.precision.update(base.precision)
        cfg.reuse_factor = base.reuse_factor if base.reuse_factor is not None else cfg.reuse_factor
        cfg.strategy = base.strategy if base.strategy is not None else cfg.strategy
        cfg.weight_bits = _number(model, "WeightBits", cfg.weight_bits, int, "Model.")
        cfg.result_frac_bits = _number(model, "ResultFracBits", cfg.result_frac_bits, int, "Model.")
        for section in ("LayerType", "LayerName"):
            entries = d.get(section) or {}
            if not isinstance(entries, Mapping):
                raise ConfigError(f"{section}: expected a mapping of layer {section[5:].lower()}s to settings, got {entries!r}")
            target = cfg.layer_type if section == "LayerType" else cfg.layer_name
            for k, v in entries.items():
                target[str(k)] = LayerConfig.from_dict(v or {}, f"{section}.{k}")
        cfg.validate()
        return cfg

    def to_yaml(self, path: str | Path | None = None) -> str:
        text = yaml.safe_dump(self.to_dict(), sort_keys=False, default_flow_style=False)
        if path is not None:
            Path(path).write_text(text)
        return text

    @classmethod
    def from_yaml(cls, source: str | Path) -> Config:
        """Read a config from a YAML file path or a YAML string."""
        text = source
        p = Path(str(source))
        if "\n" not in str(source) and p.suffix in (".yml", ".yaml", ".json"):
            if not p.exists():
                raise ConfigError(f"config file {p} does not exist")
            text = p.read_text()
        try:
            data = yaml.safe_load(str(text))
        except yaml.YAMLError as exc:
            raise ConfigError(f"config is not valid YAML: {exc}") from None
        if not isinstance(data, Mapping):
            raise ConfigError("config must be a YAML mapping (Backend, IOType, Model, LayerType, LayerName)")
        return cls.from_dict(data)

    def copy(self) -> Config:
        return copy.deepcopy(self)


def _validate_layer(where: str, lc: LayerConfig) -> None:
    for k, v in lc.precision.items():
        if k not in PRECISION_KEYS:
            raise ConfigError(f"{where}.Precision: unknown key {k!r}; allowed: {', '.join(PRECISION_KEYS)}")
        if v != "auto":
            try:
                t = parse_type(v)
            except ValueError as exc:
                raise ConfigError(f"{where}.Precision.{k}: {exc}") from None
            if not isinstance(t, FixedType) and not str(t).startswith(("int", "uint")):
                raise ConfigError(f"{where}.Precision.{k}: {v!r} is not a fixed-point or integer type")
    rf = lc.reuse_factor
    if rf is not None and (isinstance(rf, bool) or not isinstance(rf, int) or rf < 1):
        raise ConfigError(f"{where}.ReuseFactor must be a positive integer, got {lc.reuse_factor!r}")
    if lc.strategy is not None and lc.strategy not in STRATEGIES:
        raise ConfigError(f"{where}.Strategy {lc.strategy!r} is not one of {', '.join(STRATEGIES)}")


def _number(d: Mapping[str, Any], key: str, default: Any, kind: type, prefix: str = "") -> Any:
    """``d[key]`` converted with ``kind`` (int or float), or ``default`` when absent;
    a value that is not such a number is a ConfigError naming the key."""
    value = d.get(key, default)
    try:
        if isinstance(value, bool) or (kind is int and isinstance(value, float) and not value.is_integer()):
            raise ValueError
        return kind(value)
    except (TypeError, ValueError):
        what = "an integer" if kind is int else "a number"
        raise ConfigError(f"{prefix}{key} must be {what}, got {value!r}") from None


def config_for_graph(graph: Graph, granularity: str = "model", base: Config | None = None) -> Config:
    """A config listing the graph's layer types (``type``) or layers (``name``) with
    every setting spelled out as ``auto`` or the model default, ready for editing."""
    if granularity not in ("model", "type", "name"):
        raise ConfigError(f"granularity must be 'model', 'type' or 'name', got {granularity!r}")
    cfg = base.copy() if base is not None else Config()
    if granularity == "model":
        return cfg
    for n in graph.nodes:
        keys = precision_keys(n)
        lc = LayerConfig({k: "auto" for k in keys}, cfg.reuse_factor if _has_reuse(n) else None)
        if n.op.name == "input":
            lc = LayerConfig({"result": cfg.precision.get("input", "fixed<16,6>")})
        if granularity == "type":
            key = str(n.meta.get("keras_class") or n.meta.get("source_class") or type(n.op).__name__)
            if n.op.name != "input":
                cfg.layer_type.setdefault(key, lc)
        else:
            cfg.layer_name[n.name] = lc
    return cfg


def precision_keys(node: Node) -> list[str]:
    """The precision keys that apply to a node: its params (kernel is 'weight'),
    'table' for lookup-table ops, and 'result'."""
    keys = ["weight" if p == "kernel" else p for p in node.params]
    if node.op.name in ("activation", "softmax") and getattr(node.op, "function", "softmax") in (
        "sigmoid",
        "tanh",
        "softsign",
        "elu",
        "selu",
        "softmax",
    ):
        keys.append("table")
    keys.append("result")
    return keys


def _has_reuse(node: Node) -> bool:
    return "kernel" in node.params
