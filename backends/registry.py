"""Backend lookup by name."""

from __future__ import annotations

from hlsflow.backends.common.backend import Backend


def get_backend(name: str) -> Backend:
    from hlsflow.backends.catapult.backend import CatapultBackend
    from hlsflow.backends.vitis.backend import VitisBackend
    from hlsflow.backends.vivado.backend import VivadoBackend

    backends: dict[str, type[Backend]] = {
        "vivado": VivadoBackend,
        "vitis": VitisBackend,
        "catapult": CatapultBackend,
    }
    if name not in backends:
        raise ValueError(f"backend {name!r} is not available; available: {', '.join(backends)}")
    return backends[name]()
