"""How long one pruned layer takes to score with every spectral metric.

The target: a 4096 x 4096 dense layer at 90% sparsity (1.68 M kept weights) in about a
second on a 2-core machine. Prints, for square layers of growing size at 10% density:
graph construction, the whole-graph spectrum alone (binary and weighted top-2 singular
values: enough for the ICLR gaps and NaRC), the degree-group spectra (IMDB), and the full
``layer_report``: the first call in a fresh process, the best of ``--repeat`` and the
best CPU time. The load average is printed too: on a shared machine wall time says as
much about the neighbours as about this code. Never asserts.

    PYTHONPATH=. .venv/bin/python bench/spectral_speed.py [--sizes 1024,2048,4096] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from hlsflow.sparsity.spectral import (
    BipartiteGraph,
    SingularValues,
    bipartite_graph,
    degree_groups,
    layer_report,
    top_singular_values,
)


def _time(fn: Callable[[], Any], repeat: int) -> tuple[float, float, float, Any]:
    """(first call, best of ``repeat``, best CPU time, last result). CPU time (all
    threads of this process) is what an idle machine would take as wall time, give or
    take cache sharing; on a busy machine wall time can be several times larger."""
    wall, cpu = [], []
    out = None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return wall[0], min(wall), min(cpu), out


def _spectrum(g: BipartiteGraph) -> tuple[SingularValues, SingularValues]:
    """The whole-graph part: top-2 singular values of the binary and weighted graph."""
    assert g.weighted is not None
    return top_singular_values(g.binary), top_singular_values(g.weighted)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1024,2048,4096")
    ap.add_argument("--density", type=float, default=0.10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; density {args.density}; "
        f"seconds as first call / best of {args.repeat} / best CPU time"
    )
    print(
        f"{'size':>6} {'edges':>9} {'solver':>8} "
        + " ".join(f"{h:>20}" for h in ("build", "spectrum", "groups", "layer_report"))
    )
    for n in (int(s) for s in args.sizes.split(",")):
        rng = np.random.default_rng(n)
        mask = rng.random((n, n)) < args.density
        weights = rng.standard_normal((n, n)) * mask
        b = _time(partial(bipartite_graph, mask, weights), args.repeat)
        g = b[3]
        s = _time(partial(_spectrum, g), args.repeat)
        d = _time(partial(degree_groups, g), args.repeat)
        r = _time(partial(layer_report, mask, weights), args.repeat)
        cells = " ".join(f"{t[0]:6.3f}/{t[1]:6.3f}/{t[2]:6.3f}" for t in (b, s, d, r))
        print(f"{n:>6} {g.edges:>9} {s[3][0].solver:>8} {cells}")
    rep = r[3]
    print(
        f"last layer: lambda1 {rep.iclr.lambda1:.4f}, mu {rep.iclr.mu:.4f}, Dr {rep.iclr.ramanujan_gap:.4f}, "
        f"IMDB {rep.iclr.imdb:.4f}, F {rep.neurips.norm:.4f}, F_std {rep.neurips.norm_std:.4f}"
    )


if __name__ == "__main__":
    main()
