"""Errors raised by the model frontends.

* :class:`FrontendError` -- the model cannot be read or is malformed (bad file, missing
  weights, unbuilt model, unknown input shape). The message says what to change.
* :class:`UnsupportedModelError` -- the model uses layers or options hlsflow cannot
  represent exactly. It is raised once per conversion and lists *every* offending layer
  as ``name (ClassName): reason``, so the user sees the whole list at once.
"""

from __future__ import annotations

from hlsflow.errors import HlsflowError


class FrontendError(HlsflowError, ValueError):
    """The model cannot be converted; the message says why and what to do."""


class UnsupportedModelError(FrontendError):
    """One or more layers (or layer options) are not supported.

    ``problems`` holds one ``(layer_name, class_name, reason)`` per offending layer, in
    model order.
    """

    def __init__(self, problems: list[tuple[str, str, str]], model_name: str = "model") -> None:
        self.problems = list(problems)
        self.model_name = model_name
        lines = [f"  {name} ({cls}): {reason}" for name, cls, reason in self.problems]
        n = len(self.problems)
        super().__init__(f"model {model_name!r} has {n} unsupported layer{'s' if n != 1 else ''}:\n" + "\n".join(lines))


class LayerUnsupported(Exception):
    """Internal: raised by a layer converter; collected into an UnsupportedModelError."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


__all__ = ["FrontendError", "LayerUnsupported", "UnsupportedModelError"]
