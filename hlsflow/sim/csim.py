"""Build a generated project into a shared library with g++ and run whole batches.

* Builds happen in a temporary folder; the library is cached under
  ``$HLSFLOW_CACHE`` (default ``~/.cache/hlsflow/csim``) by a hash of every source file,
  the include folders, the compiler and the flags, so an unchanged project is not rebuilt.
* Fixed-point headers: a user-given include folder, else ``$XILINX_HLS/include`` or
  ``$XILINX_VIVADO/include`` when set, else hlsflow's own headers in ``<project>/sim``.
* The layer code and the bridge are compiled by concurrent g++ processes. Parsing lists
  of integer constants dominates building a large model (over 1 MB of weight headers):
  there the headers' values are read back from their text, checked against their element
  types, and compiled as byte strings (~30x faster for g++); the layer code is the same.
* A failed build raises :class:`CompileError` with the compiler's first error lines
  verbatim (file:line: error ...).
* ``run_slices`` passes raw int64 mantissas in and out (one ctypes call per slice of
  the batch), so the comparison with the emulator is on bits, never on rounded decimals.
* Samples are independent (the generated code keeps no state between calls), so a batch
  is cut into contiguous slices run on concurrent threads (ctypes releases the GIL):
  one per usable core, or ``$HLSFLOW_CSIM_THREADS``. Only with hlsflow's own headers:
  vendor headers are not known to be thread-safe (the Xilinx ``hls::stream`` numbers its
  instances in an unguarded static counter), so a vendor build runs on one thread.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hlsflow.errors import HlsflowError


class CompileError(HlsflowError, RuntimeError):
    """g++ failed; the message holds the command's first error lines verbatim."""


class CompilerNotFoundError(HlsflowError, RuntimeError):
    """No usable C++ compiler: ``CXX`` (default ``g++``) is not on PATH, or cannot be run."""


class SimulationError(HlsflowError, RuntimeError):
    """The C simulation of a sample failed: a stream read while empty, or left with unread
    words (a dataflow fault of the generated design). Names the sample and the stream."""


@dataclass(frozen=True)
class CsimLibrary:
    """A built C-simulation library. ``own_headers``: compiled against hlsflow's own
    fixed-point headers (then safe to run on several threads at once)."""

    path: Path
    include_dir: Path
    rebuilt: bool
    seconds: float
    own_headers: bool = True


#: Fewest samples a thread is given: below this, starting a thread costs more than it saves.
MIN_SAMPLES_PER_THREAD = 32

THREADS_ENV = "HLSFLOW_CSIM_THREADS"


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def thread_count(n_samples: int, requested: int | None = None) -> int:
    """Threads for a batch of ``n_samples``: ``requested``, else ``$HLSFLOW_CSIM_THREADS``,
    else the usable cores; never more than one per MIN_SAMPLES_PER_THREAD samples."""
    from hlsflow.config import ConfigError

    if requested is None:
        env = os.environ.get(THREADS_ENV, "").strip()
        if env:
            try:
                requested = int(env)
            except ValueError:
                raise ConfigError(
                    f"{THREADS_ENV}={env!r} is not a whole number; set it to 1 or more, or unset it"
                ) from None
            if requested < 1:
                raise ConfigError(f"{THREADS_ENV}={env!r} must be 1 or more (1 runs C-simulation on one thread)")
        else:
            requested = usable_cores()
    elif requested < 1:
        raise ConfigError(f"threads={requested} must be 1 or more")
    return max(1, min(requested, n_samples // MIN_SAMPLES_PER_THREAD))


def vendor_include_dir(include_dir: str | Path | None = None, family: str = "vivado") -> Path | None:
    """The vendor header folder to use, if any (explicit > environment)."""
    if include_dir is not None:
        p = Path(include_dir)
        if not p.is_dir():
            raise FileNotFoundError(f"include folder {p} does not exist")
        return p
    env_vars = ("XILINX_HLS", "XILINX_VIVADO") if family == "vivado" else ("MGC_HOME", "CATAPULT_HOME")
    for var in env_vars:
        root = os.environ.get(var)
        if root:
            for sub in ("include", "shared/include"):
                cand = Path(root) / sub
                if (cand / ("ap_fixed.h" if family == "vivado" else "ac_fixed.h")).exists():
                    return cand
    return None


def _compiler(cxx: str | None) -> str:
    """The full path of the C++ compiler: ``cxx``, else ``$CXX``, else ``g++``."""
    name = cxx or os.environ.get("CXX") or "g++"
    source = "cxx=" if cxx else "$CXX" if os.environ.get("CXX") else "the default compiler"
    path = shutil.which(name)
    if path is None:
        where = "does not exist or is not executable" if os.sep in name else "is not on PATH"
        raise CompilerNotFoundError(
            f"C++ compiler {name!r} ({source}) {where}; C-simulation needs g++: install it "
            "(e.g. apt-get install g++) or set CXX to a working g++"
        )
    return path


def _compiler_version(compiler: str) -> str:
    """``compiler --version`` (part of the cache key); CompilerNotFoundError when the
    compiler cannot even be started."""
    try:
        return subprocess.run([compiler, "--version"], capture_output=True, text=True).stdout
    except OSError as exc:
        raise CompilerNotFoundError(
            f"C++ compiler {compiler!r} cannot be run: {exc}; set CXX to a working g++"
        ) from None


def _hash_tree(h: hashlib._Hash, root: Path, patterns: tuple[str, ...]) -> None:
    for pat in patterns:
        for f in sorted(root.rglob(pat)):
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())


def _first_errors(text: str, limit: int = 12) -> str:
    lines = text.splitlines()
    errs = [i for i, line in enumerate(lines) if "error" in line.lower()]
    start = max(errs[0] - 2, 0) if errs else 0
    return "\n".join(lines[start : start + limit])


#: Part of the cache key: how the sources are split into translation units.
_BUILD_LAYOUT = "units-4"
#: Weight headers above this many bytes in all are compiled from their values as bytes.
_SPLIT_WEIGHTS_BYTES = 1 << 20
#: Element types of weight arrays and the numpy dtype holding their values.
_ELEM_DTYPES = {
    f"{u}int{b}_t": np.dtype(f"{u}int{b}") for b in (8, 16, 32, 64) for u in ("", "u") if (u, b) != ("u", 64)
}
_DECL = re.compile(r"^static const (\w+) (\w+)\[(\d+)\] = \{$", re.M)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


@dataclass(frozen=True)
class _WeightArray:
    """One weight header's array, its values read back from the header's text."""

    header: str
    elem: str
    name: str
    values: np.ndarray  # of the element type's dtype


def _read_weight_header(path: Path) -> _WeightArray | str | None:
    """The array a weights header defines, as written by ``weights.h.jinja``; an error
    line (g++ style) for a value its element type cannot hold; None for a header of any
    other form (edited by hand, say), which is then compiled as text."""
    text = path.read_text()
    m = _DECL.search(text)
    if m is None or m.group(1) not in _ELEM_DTYPES:
        return None
    elem, name, n = m.group(1), m.group(2), int(m.group(3))
    end = text.find("};", m.end())
    body = text[m.end() : end].strip().rstrip(",")
    if end < 0 or not re.fullmatch(r"[-\d,\s]*", body):
        return None
    values = np.fromstring(body, dtype=np.int64, sep=",") if body else np.zeros(0, dtype=np.int64)
    if len(values) != n or body.count(",") != n - 1:
        return None
    info = np.iinfo(_ELEM_DTYPES[elem])
    bad = (values < info.min) | (values > info.max)
    if bad.any():
        return (
            f"{path}: error: {name}[{int(np.argmax(bad))}] = {int(values[bad][0])} does not fit {elem} "
            "(narrowing conversion)"
        )
    return _WeightArray(path.name, elem, name, values.astype(_ELEM_DTYPES[elem]))


def _c_bytes(data: bytes, per_line: int = 4096) -> str:
    """``data`` as adjacent C string literals of ``\\xhh`` escapes (an escape is never
    followed by a hex digit, so none runs into the next)."""
    b = np.frombuffer(data, dtype=np.uint8)
    esc = np.empty((len(b), 4), dtype=np.uint8)
    esc[:, 0], esc[:, 1] = ord("\\"), ord("x")
    esc[:, 2], esc[:, 3] = _HEX[b >> 4], _HEX[b & 15]
    text = esc.tobytes().decode("ascii")
    step = 4 * per_line
    return "\n".join(f'    "{text[i : i + step]}"' for i in range(0, len(text), step)) or '    ""'


def _weights_unit(arrays: list[_WeightArray]) -> str:
    """A translation unit defining every array of ``arrays`` (declared by the headers as
    references to arrays when ``HLSFLOW_CSIM_WEIGHTS`` is set) from its bytes: g++ reads
    a string literal some thirty times faster than a list of integer constants, which
    dominates building a large model otherwise. The values are those of the headers'
    text, checked against their element types (which g++, run with -w, would not do)."""
    out = [
        "// Generated by hlsflow's C-simulation build: the weight arrays of firmware/weights/*.h,",
        "// their values read back from the headers, stored as bytes (see hlsflow/sim/csim.py).",
        "#include <stdint.h>",
        "#include <string.h>",
        "",
    ]
    for a in arrays:
        n = len(a.values)
        out += [
            f"// {a.header}",
            f"static {a.elem} {a.name}_data[{n}];",
            f"extern const {a.elem} (&{a.name})[{n}];",
            f"const {a.elem} (&{a.name})[{n}] = {a.name}_data;",
            f"static const char {a.name}_bytes[] =",
            _c_bytes(a.values.tobytes()) + ";",
            f"static const bool {a.name}_ready = (memcpy({a.name}_data, {a.name}_bytes, sizeof({a.name}_data)), true);",
            "",
        ]
    return "\n".join(out)


def _large_weights(weights_dir: Path) -> list[_WeightArray] | str | None:
    """The weight arrays to build from bytes: None when the headers are small enough to
    compile as text at no cost (or one of them is not in the generated form), else
    every array, or the first error line of a value its type cannot hold."""
    files = sorted(weights_dir.glob("*.h")) if weights_dir.is_dir() else []
    if sum(f.stat().st_size for f in files) <= _SPLIT_WEIGHTS_BYTES:
        return None
    arrays = []
    for f in files:
        a = _read_weight_header(f)
        if a is None or isinstance(a, str):
            return a
        arrays.append(a)
    return arrays


def _compile_parallel(
    compiler: str, flags: list[str], includes: list[str], prj: Path, name: str, out: Path
) -> subprocess.CompletedProcess[str]:
    """Compile the project's translation units as concurrent g++ processes and link them.

    The layer code (``firmware/<name>.cpp``) and the bridge are separate units. For a
    large model the weight headers are not parsed as integer lists (the dominant cost):
    the layer code is compiled with ``HLSFLOW_CSIM_WEIGHTS`` (the headers then declare
    the arrays) and :func:`_weights_unit` defines them. Returns the first failing step's
    result, else the link's (the caller reports a non-zero return code).
    """
    tmp = out.parent
    weights = _large_weights(prj / "firmware" / "weights")
    if isinstance(weights, str):
        return subprocess.CompletedProcess([compiler], 1, "", weights)
    units: list[tuple[Path, list[str]]] = [
        (prj / "firmware" / f"{name}.cpp", ["-DHLSFLOW_CSIM_WEIGHTS"] if weights else []),
        (prj / "csim" / "bridge.cpp", []),
    ]
    if weights:
        src = tmp / "weights_data.cpp"
        src.write_text(_weights_unit(weights))
        units.append((src, []))
    jobs = [
        ([compiler, *flags, *extra, *includes, "-c", str(src), "-o", str(tmp / f"unit_{i}.o")], tmp / f"unit_{i}.log")
        for i, (src, extra) in enumerate(units)
    ]
    width = usable_cores()
    running: list[tuple[list[str], Path, subprocess.Popen[bytes]]] = []
    failed: subprocess.CompletedProcess[str] | None = None
    pending = list(jobs)
    while pending or running:
        while pending and len(running) < width and failed is None:
            cmd, log = pending.pop(0)
            with log.open("wb") as fh:  # a file, not a pipe: a chatty unit cannot block
                running.append((cmd, log, subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)))
        cmd, log, proc = running.pop(0)
        code = proc.wait()
        if code != 0 and failed is None:
            failed = subprocess.CompletedProcess(cmd, code, "", log.read_text(errors="replace"))
        if failed is not None:
            pending.clear()
    if failed is not None:
        return failed
    link = [compiler, *flags, *(str(tmp / f"unit_{i}.o") for i in range(len(units))), "-o", str(out)]
    return subprocess.run(link, capture_output=True, text=True)


def cache_root() -> Path:
    return Path(os.environ.get("HLSFLOW_CACHE", Path.home() / ".cache" / "hlsflow" / "csim"))


def build(
    project_dir: str | Path,
    name: str,
    *,
    include_dir: str | Path | None = None,
    family: str = "vivado",
    cxx: str | None = None,
    opt: str = "-O2",
) -> CsimLibrary:
    """Compile ``firmware/<name>.cpp`` + ``csim/bridge.cpp`` into a cached shared library."""
    import time

    t0 = time.perf_counter()
    prj = Path(project_dir)
    compiler = _compiler(cxx)
    vendor = vendor_include_dir(include_dir, family)
    own = vendor is None
    inc = vendor or prj / "sim"
    # NDEBUG: the vendor's ap_fixed simulation asserts on a harmless read above the MSB
    # during some rounding conversions (the bit is never used) and would abort the run.
    # -funroll-loops: the layer loops run ~20% faster (measured on the example models; a
    # multiply-accumulate is a handful of integer instructions), for ~10% more build time.
    # Unrolling never changes a result (never -ffast-math: results must stay exact).
    flags = [opt, "-funroll-loops", "-std=c++14", "-shared", "-fPIC", "-w", "-DNDEBUG"]
    h = hashlib.sha256()
    h.update(" ".join([compiler, *flags, str(inc.resolve()), _BUILD_LAYOUT, str(_SPLIT_WEIGHTS_BYTES)]).encode())
    h.update(_compiler_version(compiler).encode())
    _hash_tree(h, prj / "firmware", ("*.h", "*.cpp"))
    _hash_tree(h, prj / "csim", ("*.cpp",))
    _hash_tree(h, inc, ("*.h",))
    key = h.hexdigest()[:24]
    cache = cache_root()
    lib = cache / f"{name}-{key}.so"
    if lib.exists():
        return CsimLibrary(lib, inc, False, time.perf_counter() - t0, own)
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hlsflow-csim-") as tmp:
        out = Path(tmp) / lib.name
        res = _compile_parallel(compiler, flags, [f"-I{inc}", f"-I{prj / 'firmware'}", f"-I{prj}"], prj, name, out)
        if res.returncode != 0:
            raise CompileError(
                f"C-simulation build of {prj} failed ({compiler} exit {res.returncode}); check that CXX is a "
                "working C++14 compiler (an error in hlsflow's generated code is a bug: please report it). "
                "Compiler output:\n" + _first_errors(res.stderr or res.stdout)
            )
        shutil.move(str(out), str(lib))
    return CsimLibrary(lib, inc, True, time.perf_counter() - t0, own)


@functools.lru_cache(maxsize=32)
def _predict(path: str) -> Any:
    """The library's batch entry point, loaded once (a library's file name holds the hash
    of its sources, so a path never names two different builds)."""
    fn = ctypes.CDLL(path).hlsflow_predict
    fn.restype = ctypes.c_long  # samples completed: n, or the sample that failed
    fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long, ctypes.c_char_p, ctypes.c_long]
    return fn


def _call(fn: Any, ins: list[np.ndarray], outs: list[np.ndarray], first: int = 0) -> None:
    """One ctypes call on one contiguous slice of samples (the GIL is released inside);
    a fault the bridge reports is a :class:`SimulationError` (``first``: the slice's
    first sample, so that the message numbers samples within the whole batch)."""
    in_ptrs = (ctypes.c_void_p * len(ins))(*[a.ctypes.data for a in ins])
    out_ptrs = (ctypes.c_void_p * len(outs))(*[a.ctypes.data for a in outs])
    err = ctypes.create_string_buffer(1024)
    n = len(ins[0])
    done = fn(in_ptrs, out_ptrs, n, err, len(err))
    if done != n:
        raise SimulationError(
            f"C simulation failed at sample {first + done}: {err.value.decode(errors='replace')}. The generated "
            "design has a dataflow fault: this is a bug in hlsflow, please report it with the model."
        )


def threads_for(lib: CsimLibrary | str | Path, n_samples: int, requested: int | None = None) -> int:
    """Threads :func:`run_slices` uses for a batch: :func:`thread_count` for a library built on
    hlsflow's own headers, 1 for a vendor build (a bare path is taken as one)."""
    own = lib.own_headers if isinstance(lib, CsimLibrary) else False
    return thread_count(n_samples, requested) if own else 1


def run_slices(
    lib: CsimLibrary | str | Path,
    n: int,
    inputs_of: Callable[[int, int], list[np.ndarray]],
    output_sizes: list[int],
    *,
    threads: int | None = None,
) -> list[np.ndarray]:
    """Run ``n`` samples; ``inputs_of(lo, hi)`` gives the raw int64 inputs of samples
    ``lo:hi`` (C-contiguous, one row per sample), so preparing them (e.g. quantising)
    runs on the slice's thread too (numpy releases the GIL on whole arrays).

    The batch is cut into :func:`thread_count` contiguous slices run concurrently when
    ``lib`` was built with hlsflow's own headers (a bare path is taken as a vendor build:
    one thread). Every sample is computed by the same code whatever the slicing, so the
    outputs do not depend on the thread count (tests check it bit for bit).
    """
    fn = _predict(str(lib.path if isinstance(lib, CsimLibrary) else lib))
    outs = [np.empty((n, size), dtype=np.int64) for size in output_sizes]

    def one(lo: int, hi: int) -> None:
        ins = [np.ascontiguousarray(a, dtype=np.int64).reshape(hi - lo, -1) for a in inputs_of(lo, hi)]
        _call(fn, ins, [a[lo:hi] for a in outs], lo)

    k = threads_for(lib, n, threads)
    if k == 1:
        one(0, n)
        return outs
    cuts = [n * i // k for i in range(k + 1)]
    with ThreadPoolExecutor(max_workers=k, thread_name_prefix="hlsflow-csim") as pool:
        for job in [pool.submit(one, lo, hi) for lo, hi in zip(cuts, cuts[1:])]:
            job.result()
    return outs
