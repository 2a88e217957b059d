"""Build a generated project into a shared library with g++ and run whole batches.

* Builds happen in a temporary folder; the library is cached under
  ``$HLSFLOW_CACHE`` (default ``~/.cache/hlsflow/csim``) by a hash of every source file,
  the include folders, the compiler and the flags, so an unchanged project is not rebuilt.
* Fixed-point headers: a user-given include folder, else ``$XILINX_HLS/include`` or
  ``$XILINX_VIVADO/include`` when set, else hlsflow's own headers in ``<project>/sim``.
* A failed build raises :class:`CompileError` with the compiler's first error lines
  verbatim (file:line: error ...).
* ``run`` passes raw int64 mantissas in and out (one ctypes call per batch), so the
  comparison with the emulator is on bits, never on rounded decimals.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hlsflow.errors import HlsflowError


class CompileError(HlsflowError, RuntimeError):
    """g++ failed; the message holds the command's first error lines verbatim."""


class CompilerNotFoundError(HlsflowError, RuntimeError):
    """No usable C++ compiler: ``CXX`` (default ``g++``) is not on PATH, or cannot be run."""


@dataclass(frozen=True)
class CsimLibrary:
    path: Path
    include_dir: Path
    rebuilt: bool
    seconds: float


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
        raise CompilerNotFoundError(f"C++ compiler {compiler!r} cannot be run: {exc}; set CXX to a working g++") from None


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
    inc = vendor_include_dir(include_dir, family) or prj / "sim"
    # NDEBUG: the vendor's ap_fixed simulation asserts on a harmless read above the MSB
    # during some rounding conversions (the bit is never used) and would abort the run.
    flags = [opt, "-std=c++14", "-shared", "-fPIC", "-w", "-DNDEBUG"]
    h = hashlib.sha256()
    h.update(" ".join([compiler, *flags, str(inc.resolve())]).encode())
    h.update(_compiler_version(compiler).encode())
    _hash_tree(h, prj / "firmware", ("*.h", "*.cpp"))
    _hash_tree(h, prj / "csim", ("*.cpp",))
    _hash_tree(h, inc, ("*.h",))
    key = h.hexdigest()[:24]
    cache = cache_root()
    lib = cache / f"{name}-{key}.so"
    if lib.exists():
        return CsimLibrary(lib, inc, False, time.perf_counter() - t0)
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hlsflow-csim-") as tmp:
        out = Path(tmp) / lib.name
        cmd = [
            compiler,
            *flags,
            f"-I{inc}",
            f"-I{prj / 'firmware'}",
            f"-I{prj}",
            str(prj / "firmware" / f"{name}.cpp"),
            str(prj / "csim" / "bridge.cpp"),
            "-o",
            str(out),
        ]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            raise CompileError(
                f"C-simulation build of {prj} failed ({compiler} exit {res.returncode}); check that CXX is a "
                "working C++14 compiler (an error in hlsflow's generated code is a bug: please report it). "
                "Compiler output:\n" + _first_errors(res.stderr or res.stdout)
            )
        shutil.move(str(out), str(lib))
    return CsimLibrary(lib, inc, True, time.perf_counter() - t0)


def run(lib_path: str | Path, inputs: list[np.ndarray], output_sizes: list[int]) -> list[np.ndarray]:
    """Run the library on a batch of raw int64 mantissas; returns raw int64 outputs."""
    lib = ctypes.CDLL(str(lib_path))
    fn = lib.hlsflow_predict
    fn.restype = None
    n = int(inputs[0].shape[0])
    ins = [np.ascontiguousarray(a.reshape(n, -1), dtype=np.int64) for a in inputs]
    outs = [np.zeros((n, size), dtype=np.int64) for size in output_sizes]
    PtrArr = ctypes.POINTER(ctypes.c_int64) * len(ins)
    OutArr = ctypes.POINTER(ctypes.c_int64) * len(outs)
    in_ptrs = PtrArr(*[a.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)) for a in ins])
    out_ptrs = OutArr(*[a.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)) for a in outs])
    fn.argtypes = [PtrArr, OutArr, ctypes.c_long]
    fn(in_ptrs, out_ptrs, n)
    return outs
