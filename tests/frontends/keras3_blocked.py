"""Convert a Keras 3 ``.keras`` file with TensorFlow, Keras and tf_keras unimportable.

Usage: ``python keras3_blocked.py model.keras inputs.npy outputs.npz``. Writes the float
reference and the emulator's outputs, the IR node names, and the blocked packages that
were nevertheless loaded (must be none).
"""

from __future__ import annotations

import importlib.abc
import sys

BLOCKED = ("tensorflow", "keras", "tf_keras", "qkeras", "jax", "torch")


class _Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):  # noqa: ANN001, ANN201
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked in this test")
        return None


sys.meta_path.insert(0, _Blocker())

import numpy as np  # noqa: E402

import hlsflow  # noqa: E402


def main(model: str, inputs: str, outputs: str) -> None:
    prj = hlsflow.convert(model)
    x = np.load(inputs)
    loaded = sorted({m.split(".")[0] for m in sys.modules} & set(BLOCKED))
    np.savez(
        outputs,
        reference=prj.reference(x),
        emulate=prj.emulate(x),
        names=np.array([n.name for n in prj.graph.nodes]),
        kinds=np.array([n.kind for n in prj.graph.nodes]),
        loaded=np.array(loaded, dtype=str),
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
