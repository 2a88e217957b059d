"""Print how long `import hlsflow` (plus resolving the convert API) takes, best of 5
fresh interpreters, next to a bare interpreter start for scale."""

from __future__ import annotations

import subprocess
import sys
import time


def _best(code: str, n: int = 5) -> float:
    best = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        best = min(best, time.perf_counter() - t)
    return best


if __name__ == "__main__":
    bare = _best("pass")
    full = _best("import hlsflow; hlsflow.convert")
    print(f"python start: {bare:.3f} s; with `import hlsflow; hlsflow.convert`: {full:.3f} s; import cost {full - bare:.3f} s")
