"""Find a vendor command-line tool and run it with its output logged.

Generic over vendors: a backend describes its tools with a :class:`ToolSpec` (the
executable names in order of preference, how each is called, the environment variables
naming an install folder) and uses :func:`locate_tool` and :func:`run_logged`.

Expected failures raise a :class:`ToolError` subclass with a message whose first line
says what happened and what to do:

* :class:`ToolNotFoundError` -- no executable found; names the tools and places searched.
* :class:`ToolFailedError` -- the tool exited non-zero; names the tool, exit code, log
  file, and carries the error lines of its output.
* :class:`ToolTimeoutError` -- the tool ran past its time limit and was stopped.
"""

from __future__ import annotations

import collections
import os
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from hlsflow.errors import HlsflowError

__all__ = [
    "ToolCandidate",
    "ToolError",
    "ToolFailedError",
    "ToolInfo",
    "ToolNotFoundError",
    "ToolSpec",
    "ToolTimeoutError",
    "error_excerpt",
    "locate_tool",
    "run_logged",
]

#: How many output lines a :class:`ToolFailedError` quotes.
EXCERPT_LINES = 10
# Seconds between asking a timed-out tool to stop (SIGTERM) and killing it.
_KILL_GRACE = 5.0
_ERROR_RE = re.compile(r"\bERROR\b|\bFATAL\b|\b[Ee]rror:")
_WIN_SUFFIXES = (".exe", ".bat", ".cmd")


class ToolError(HlsflowError, RuntimeError):
    """A vendor tool could not be found or run; the first message line says why."""


class ToolNotFoundError(ToolError):
    """No executable of the requested tool was found."""


class ToolFailedError(ToolError):
    """The tool ran and failed.

    Attributes:
        tool: the tool's name, e.g. ``vitis_hls``.
        returncode: its exit status (negative: killed by that signal).
        log_path: the file holding its complete output.
        excerpt: up to :data:`EXCERPT_LINES` output lines, error lines first.
    """

    def __init__(self, tool: str, returncode: int, log_path: Path, excerpt: Iterable[str], headline: str = "") -> None:
        self.tool = tool
        self.returncode = returncode
        self.log_path = Path(log_path)
        self.excerpt = tuple(excerpt)
        if not headline:
            how = f"was killed by signal {-returncode}" if returncode < 0 else f"failed with exit code {returncode}"
            headline = f"{tool} {how} (log: {self.log_path})"
        if self.excerpt:
            headline += f": {self.excerpt[0].strip()}"
        super().__init__("\n".join([headline, *(f"  | {line}" for line in self.excerpt)]))


class ToolTimeoutError(ToolFailedError):
    """The tool ran longer than the time limit and was stopped.

    Attributes:
        timeout: the limit, seconds.
    """

    def __init__(self, tool: str, returncode: int, log_path: Path, excerpt: Iterable[str], timeout: float) -> None:
        self.timeout = timeout
        headline = f"{tool} ran longer than {timeout:g} s and was stopped (log: {Path(log_path)})"
        super().__init__(tool, returncode, log_path, excerpt, headline)


@dataclass(frozen=True)
class ToolCandidate:
    """One executable that can do the job.

    Attributes:
        name: the executable's name, e.g. ``vitis-run``.
        args: its arguments; ``{script}`` is replaced by the Tcl script's file name.
    """

    name: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class ToolSpec:
    """How to find a backend's tool.

    Attributes:
        label: the product name for messages, e.g. ``Vitis HLS``.
        candidates: executables in order of preference (the first one found is used).
        env_vars: environment variables naming an install folder whose ``bin/`` holds
            the executables, e.g. ``XILINX_HLS``.
    """

    label: str
    candidates: tuple[ToolCandidate, ...]
    env_vars: tuple[str, ...] = ()

    def candidate(self, name: str) -> ToolCandidate | None:
        """The candidate an executable called ``name`` (maybe ``.exe``/``.bat``) is."""
        stem = name.lower()
        for suffix in _WIN_SUFFIXES:
            stem = stem.removesuffix(suffix)
        return next((c for c in self.candidates if c.name == stem), None)


@dataclass(frozen=True)
class ToolInfo:
    """A tool found on this machine.

    Attributes:
        name: the executable's file name, e.g. ``vitis_hls``.
        path: absolute path of the executable.
        kind: which command line it takes: the :class:`ToolCandidate` name it matched
            (``vitis-run``, ``vitis_hls``, ``vivado_hls``).
        args: argument template; ``{script}`` stands for the Tcl script.
    """

    name: str
    path: Path
    kind: str
    args: tuple[str, ...]

    def command(self, script: str) -> tuple[str, ...]:
        """The full command line that runs ``script`` (a file name relative to the cwd)."""
        return (str(self.path), *(a.format(script=script) for a in self.args))


def _env_bins(spec: ToolSpec, env: Mapping[str, str]) -> list[tuple[str, Path]]:
    return [(var, Path(env[var]) / "bin") for var in spec.env_vars if env.get(var)]


def _info(path: str | Path, candidate: ToolCandidate) -> ToolInfo:
    p = Path(path).absolute()
    return ToolInfo(name=p.name, path=p, kind=candidate.name, args=candidate.args)


def _is_executable(p: Path) -> bool:
    return p.is_file() and os.access(p, os.X_OK)


def _hint(spec: ToolSpec) -> str:
    env = ", set " + " or ".join(spec.env_vars) if spec.env_vars else ""
    return f"add its bin folder to PATH{env}, or pass tool=<path or name>"


def locate_tool(
    spec: ToolSpec, tool: str | os.PathLike[str] | None = None, *, env: Mapping[str, str] | None = None
) -> ToolInfo:
    """Find the executable ``spec`` describes, or the one ``tool`` names.

    Without ``tool``, each candidate in order of preference is looked for in the ``bin/``
    folder of each of ``spec.env_vars`` that is set, then on ``PATH``; the first found
    wins (so a preferred tool anywhere beats a fallback tool in the env-var folder).

    ``tool`` may be a file path (used as is), an install folder (its ``bin/`` and itself
    are searched for the candidates), or a bare name (searched like a candidate). Its
    command-line kind is taken from its file name; an unknown name (a wrapper script)
    gets the last candidate's command line.

    Raises:
        ToolNotFoundError: nothing found; the message lists the names and places searched.
    """
    env = os.environ if env is None else env
    bins = _env_bins(spec, env)
    path_var = env.get("PATH", os.defpath)

    def search(name: str) -> str | None:
        for _, folder in bins:
            hit = shutil.which(name, path=str(folder))
            if hit:
                return hit
        return shutil.which(name, path=path_var)

    places = ", ".join([*(f"${var}/bin" for var, _ in bins), "PATH"])
    unset = [var for var in spec.env_vars if not env.get(var)]
    if unset:
        places += f" ({', '.join(unset)} not set)"

    if tool is not None:
        text = os.fspath(tool)
        given = Path(text).expanduser()
        if given.is_dir():
            for cand in spec.candidates:
                for folder in (given / "bin", given):
                    hit = shutil.which(cand.name, path=str(folder))
                    if hit:
                        return _info(hit, cand)
            names = ", ".join(c.name for c in spec.candidates)
            raise ToolNotFoundError(
                f"{spec.label}: no {names} in {given} or {given / 'bin'}; pass the folder that holds the tool"
            )
        cand = spec.candidate(given.name) or spec.candidates[-1]
        if os.sep in text or (os.altsep and os.altsep in text) or given.is_file():
            if _is_executable(given):
                return _info(given, cand)
            raise ToolNotFoundError(
                f"{spec.label}: tool={text!r} is not an executable file; pass the full path of an installed tool"
            )
        hit = search(text)
        if hit:
            return _info(hit, cand)
        raise ToolNotFoundError(f"{spec.label}: tool {text!r} not found on {places}; {_hint(spec)}")

    for cand in spec.candidates:
        hit = search(cand.name)
        if hit:
            return _info(hit, cand)
    names = ", ".join(c.name for c in spec.candidates)
    raise ToolNotFoundError(f"{spec.label} not found: searched for {names} on {places}; {_hint(spec)}")


class _Excerpt:
    """Keeps what a failure message quotes from an output stream of any length."""

    def __init__(self, limit: int = EXCERPT_LINES) -> None:
        self.limit = limit
        self.errors: list[str] = []
        self.tail: collections.deque[str] = collections.deque(maxlen=limit)

    def add(self, line: str) -> None:
        line = line.rstrip()
        if not line.strip():
            return
        if _ERROR_RE.search(line) and len(self.errors) < self.limit:
            self.errors.append(line)
        self.tail.append(line)

    def lines(self) -> tuple[str, ...]:
        rest = [line for line in self.tail if line not in self.errors]
        return tuple((self.errors + rest)[: self.limit])


def error_excerpt(lines: Iterable[str], limit: int = EXCERPT_LINES) -> tuple[str, ...]:
    """At most ``limit`` lines that explain a failure: the first error lines (``ERROR``,
    ``FATAL``, ``error:``), then the last lines of the output not already quoted; blank
    lines dropped."""
    excerpt = _Excerpt(limit)
    for line in lines:
        excerpt.add(line)
    return excerpt.lines()


def _stop(proc: subprocess.Popen[str], grace: float = _KILL_GRACE) -> None:
    """Stop ``proc`` and the processes it started (it leads its own process group)."""
    if proc.poll() is not None:
        return
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGTERM)
        else:
            proc.terminate()
        proc.wait(timeout=grace)
    except (ProcessLookupError, subprocess.TimeoutExpired, PermissionError):
        pass
    if proc.poll() is None:
        try:
            if os.name == "posix":
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        except (ProcessLookupError, PermissionError):
            pass


def run_logged(
    tool: ToolInfo,
    command: tuple[str, ...],
    cwd: Path,
    log_path: Path,
    *,
    timeout: float | None = None,
    on_line: Callable[[str], None] | None = None,
) -> float:
    """Run ``command`` in ``cwd``, writing its output (stdout and stderr, merged) to
    ``log_path`` line by line and passing each line (no newline) to ``on_line``.

    The tool gets no stdin (an interactive prompt sees end-of-file and exits) and runs in
    its own process group, which is stopped on timeout, on Ctrl-C and when ``on_line``
    raises. Returns the run time in seconds.

    Raises:
        ToolFailedError: non-zero exit status (or the tool could not be started).
        ToolTimeoutError: still running after ``timeout`` seconds.
    """
    excerpt = _Excerpt()
    timed_out = threading.Event()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with open(log_path, "w", encoding="utf-8", newline="\n") as log:
        log.write(f"# hlsflow: {shlex.join(command)}   (cwd {cwd})\n")
        log.flush()
        try:
            proc = subprocess.Popen(
                command,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                encoding="utf-8",
                errors="replace",
                bufsize=1,
                start_new_session=os.name == "posix",
            )
        except OSError as exc:
            msg = f"cannot start {tool.path}: {exc.strerror or exc}"
            log.write(msg + "\n")
            raise ToolFailedError(tool.name, 127, log_path, [], f"{msg} (log: {log_path})") from None

        def on_timeout() -> None:
            timed_out.set()
            _stop(proc)

        timer = threading.Timer(timeout, on_timeout) if timeout is not None else None
        if timer is not None:
            timer.daemon = True
            timer.start()
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                line = raw.rstrip("\r\n")
                log.write(line + "\n")
                excerpt.add(line)
                if on_line is not None:
                    on_line(line)
            returncode = proc.wait()
        except BaseException:
            _stop(proc, grace=1.0)
            raise
        finally:
            if timer is not None:
                timer.cancel()
            if proc.stdout is not None:
                proc.stdout.close()
    seconds = time.monotonic() - start
    if timed_out.is_set():
        assert timeout is not None
        raise ToolTimeoutError(tool.name, returncode, log_path, excerpt.lines(), timeout)
    if returncode != 0:
        raise ToolFailedError(tool.name, returncode, log_path, excerpt.lines())
    return seconds


@dataclass(frozen=True)
class StepRun:
    """What one tool run on a project produced (shared by every vendor runner)."""

    project_dir: Path
    tool: ToolInfo
    command: tuple[str, ...]
    seconds: float
    log_path: Path
    report_path: Path | None


def run_project_steps(
    project_dir: str | Path,
    locate: Callable[[], ToolInfo],
    *,
    script: str,
    log_name: str,
    write_opts: Callable[[Path], object],
    steps: Mapping[str, bool],
    timeout: float | None,
    log: Callable[[str], None] | None,
    find_report: Callable[[Path, float], Path | None] | None,
) -> StepRun:
    """Validate the request, find the tool, write the step options, run the tool with a
    log, and locate the report it wrote during this run (``find_report(project,
    started)``, only when synthesis was requested)."""
    project = Path(project_dir).expanduser().resolve()
    if not (project / script).is_file():
        raise FileNotFoundError(f"{project}: no {script} (write the project before building it)")
    if not any(steps.values()):
        raise ValueError("run_build: " + ", ".join(steps) + " are all off; nothing to run")
    if timeout is not None and not timeout > 0:
        raise ValueError(f"run_build: timeout must be a positive number of seconds, not {timeout!r}")
    info = locate()
    write_opts(project)
    command = info.command(script)
    log_path = project / log_name
    started = time.time()
    seconds = run_logged(info, command, project, log_path, timeout=timeout, on_line=log)
    report = find_report(project, started) if (find_report is not None and steps.get("synth")) else None
    return StepRun(project, info, command, seconds, log_path, report)
