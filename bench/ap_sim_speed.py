"""Time a 1M multiply-accumulate loop (the shape of hlsflow's dense kernel: sparse
(input, output, raw weight) triplets, weights rebuilt from raw bits with range()) with
hlsflow's simulation headers and with the vendor ap_types headers from the hls4ml wheel,
and print both times and their ratio. Also reports the compile time of each build.

    python bench/ap_sim_speed.py [--opt=-O2] [--reps 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SIM_DIR = REPO / "templates" / "vivado" / "sim"

PROGRAM = r"""
#include "ap_fixed.h"
#include "ap_int.h"
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

typedef ap_fixed<16, 6> data_t;
typedef ap_fixed<8, 1> weight_t;
typedef ap_fixed<36, 16> accum_t;
typedef ap_fixed<16, 6, AP_RND_CONV, AP_SAT> result_t;

template <class T>
static inline T from_raw(long long raw) {
  T x;
  x.range() = raw;
  return x;
}

int main(int argc, char** argv) {
  const int n_in = 1000, n_out = 1000, n_mac = n_in * n_out;  // 1M weights
  const int reps = argc > 1 ? atoi(argv[1]) : 5;
  std::vector<signed char> w(n_mac);
  std::vector<unsigned short> wi(n_mac), wo(n_mac);
  unsigned s = 12345u;
  for (int k = 0; k < n_mac; k++) {
    s = s * 1103515245u + 12345u;
    w[k] = (signed char)(s >> 16);
    wi[k] = (unsigned short)(k % n_in);
    wo[k] = (unsigned short)(k / n_in);
  }
  std::vector<data_t> x(n_in);
  for (int i = 0; i < n_in; i++) x[i] = (i % 97) * 0.173 - 8.0;
  std::vector<accum_t> acc(n_out);
  double best = 1e30;
  double check = 0;
  for (int r = 0; r < reps; r++) {
    auto t0 = std::chrono::steady_clock::now();
    for (int j = 0; j < n_out; j++) acc[j] = 0;
    for (int k = 0; k < n_mac; k++) acc[wo[k]] += x[wi[k]] * from_raw<weight_t>(w[k]);
    result_t sum = 0;
    for (int j = 0; j < n_out; j++) sum += result_t(acc[j]);
    auto t1 = std::chrono::steady_clock::now();
    double dt = std::chrono::duration<double>(t1 - t0).count();
    if (dt < best) best = dt;
    check = sum.to_double();
  }
  printf("%.6f %.17g\n", best, check);
  return 0;
}
"""


def vendor_dir() -> Path | None:
    spec = importlib.util.find_spec("hls4ml")
    if spec is None or not spec.submodule_search_locations:
        return None
    d = Path(list(spec.submodule_search_locations)[0]) / "templates" / "vivado" / "ap_types"
    return d if (d / "ap_fixed.h").is_file() else None


def build_and_time(cxx: str, opt: str, include: Path, work: Path, tag: str, reps: int) -> tuple[float, float, str]:
    src = work / "bench.cpp"
    src.write_text(PROGRAM)
    exe = work / f"bench_{tag}"
    t0 = time.perf_counter()
    subprocess.run([cxx, opt, "-std=c++14", "-w", f"-I{include}", str(src), "-o", str(exe)], check=True)
    compile_s = time.perf_counter() - t0
    out = subprocess.run([str(exe), str(reps)], check=True, capture_output=True, text=True).stdout.split()
    return compile_s, float(out[0]), out[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--opt", default="-O2", help="optimisation flag (default -O2, as hlsflow's csim builds)")
    ap.add_argument("--reps", type=int, default=5, help="timed repetitions; the best is reported")
    args = ap.parse_args()
    cxx = os.environ.get("CXX", "g++")
    if shutil.which(cxx) is None:
        print(f"{cxx} not found", file=sys.stderr)
        return 1
    vendor = vendor_dir()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        c_m, t_m, chk_m = build_and_time(cxx, args.opt, SIM_DIR, work, "hlsflow", args.reps)
        print(f"hlsflow sim headers: compile {c_m:6.2f} s, 1M MAC {t_m * 1e3:8.2f} ms (checksum {chk_m})")
        if vendor is None:
            print("vendor headers not found (pip install hls4ml): no ratio")
            return 0
        c_v, t_v, chk_v = build_and_time(cxx, args.opt, vendor, work, "vendor", args.reps)
        print(f"vendor ap_types:     compile {c_v:6.2f} s, 1M MAC {t_v * 1e3:8.2f} ms (checksum {chk_v})")
        print(
            f"speed-up (vendor time / hlsflow time): {t_v / t_m:.1f}x; results {'match' if chk_m == chk_v else 'DIFFER'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
