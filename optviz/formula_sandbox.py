"""Run untrusted work where it cannot freeze the server: ``Sandbox("pkg.module:job").call(text)``.

A worker process, started once, imports the job's module (sympy, for formulas) and then forks one child per
request. The child runs the job under a CPU-time limit, an address-space limit and a wall-clock alarm; the
kernel kills a child over its limits even inside C code that holds the GIL (an exact ``9**387420489``), which
no thread of the server could stop. The calling thread only waits on a socket (GIL released), so the server
keeps answering everyone else. A request costs a fork of the warm worker (milliseconds), not a fresh
interpreter importing sympy (about a second).

Linux only (fork and file-descriptor passing): elsewhere, or when the worker cannot start, ``call`` raises
``SandboxUnavailable`` and the caller decides (the formula parser then works in-process, on its own guards).
"""

from __future__ import annotations

import atexit
import gc
import importlib
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

MAX_MESSAGE = 4 << 20  # bytes of a request or a reply
NICENESS = 5  # the worker and its children yield the CPU to the server's own threads
STARTED = b"S"  # a child's first byte, once its limits are set


@dataclass(frozen=True)
class Limits:
    """What one request may use: CPU seconds, wall-clock seconds and memory (MB beyond the warm worker)."""

    cpu_seconds: int = 4
    wall_seconds: float = 6.0
    memory_mb: int = 512


class BudgetExceeded(Exception):
    """The job was stopped at a limit; ``limit`` is ``"time"`` or ``"memory"`` and the message names it."""

    def __init__(self, limit: str, message: str):
        super().__init__(message)
        self.limit = limit


class SandboxUnavailable(Exception):
    """No worker on this platform, or it could not be started."""


def available() -> bool:
    """Whether this platform can run sandboxed jobs (fork and passing sockets between processes)."""
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds") and hasattr(os, "fork")


class Sandbox:
    """A pre-started worker that runs ``job`` (``"module:function"``, a ``str -> str`` function) per request."""

    def __init__(
        self, job: str, limits: Limits = Limits(), warm_up: tuple[str, ...] = (), start_timeout: float = 120.0
    ):
        self.job, self.limits, self.warm_up, self.start_timeout = job, limits, warm_up, start_timeout
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._stop_at_exit = False

    def call(self, payload: str) -> str:
        """The job's answer to ``payload``; ``BudgetExceeded`` at a limit, ``SandboxUnavailable`` without a worker."""
        if not available():
            raise SandboxUnavailable("sandboxed jobs need Linux")
        ours, theirs = socket.socketpair()
        with ours:
            with theirs:
                self._hand_over(theirs)
            return self._exchange(ours, payload.encode())

    def start(self) -> None:
        """Start the worker now unless it is running (else the first :meth:`call` starts it); ``SandboxUnavailable``
        when it cannot start."""
        if not available():
            raise SandboxUnavailable("sandboxed jobs need Linux")
        with self._lock:
            if self._control is None or self._process is None or self._process.poll() is not None:
                self._start()

    def close(self) -> None:
        """Stop the worker (its running children end at their own alarms)."""
        with self._lock:
            self._stop()

    # -- parent side ------------------------------------------------------------------------------------------
    def _hand_over(self, connection: socket.socket) -> None:
        """Pass one end of a fresh connection to the worker, which forks a child to serve it."""
        with self._lock:
            for attempt in range(2):
                if self._control is None or self._process is None or self._process.poll() is not None:
                    self._start()
                try:
                    socket.send_fds(self._control, [b"j"], [connection.fileno()])
                    return
                except OSError:
                    self._stop()
                    if attempt:
                        raise SandboxUnavailable("the formula worker stopped answering") from None

    def _exchange(self, connection: socket.socket, payload: bytes) -> str:
        deadline = time.monotonic() + self.limits.wall_seconds + 2.0  # the child's own alarm normally fires first
        connection.settimeout(self.limits.wall_seconds + 2.0)
        try:
            connection.sendall(payload)
            connection.shutdown(socket.SHUT_WR)
            reply = _receive(connection, deadline)
        except (TimeoutError, OSError):
            reply = b""
        if not reply.startswith(STARTED):  # no child ever ran: the worker could not fork, not the job's fault
            raise SandboxUnavailable("the worker did not start a child")
        try:
            answer = json.loads(reply[len(STARTED) :])
        except ValueError:  # the child started and ended without a whole answer: killed at a limit
            raise BudgetExceeded("time", self._stopped_message()) from None
        if answer.get("memory"):
            raise BudgetExceeded("memory", f"it needs more than {self.limits.memory_mb} MB of memory")
        if "error" in answer:
            raise SandboxUnavailable(answer["error"])
        return answer["result"]

    def _stopped_message(self) -> str:
        limits = self.limits
        return (
            f"it was stopped at the limit of {limits.wall_seconds:g} s ({limits.cpu_seconds} s of CPU, "
            f"{limits.memory_mb} MB of memory)"
        )

    def _start(self) -> None:
        self._stop()
        control, theirs = socket.socketpair()
        root = str(Path(__file__).resolve().parents[1])
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        # One BLAS thread: the worker forks, and a forked child must not inherit a half-held thread pool.
        environment.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        limits = self.limits
        command = [
            sys.executable,
            "-m",
            "optviz.formula_sandbox",
            str(theirs.fileno()),
            self.job,
            json.dumps(self.warm_up),
        ]
        command += [str(limits.cpu_seconds), str(limits.wall_seconds), str(limits.memory_mb)]
        try:
            quiet = subprocess.DEVNULL
            process = subprocess.Popen(command, pass_fds=[theirs.fileno()], stdin=quiet, stdout=quiet, env=environment)
        except OSError as error:
            control.close()
            raise SandboxUnavailable(f"could not start the formula worker: {error}") from None
        finally:
            theirs.close()
        control.settimeout(self.start_timeout)
        try:
            ready = control.recv(1) == b"R"
        except OSError:
            ready = False
        if not ready:
            process.kill()
            process.wait()
            control.close()
            raise SandboxUnavailable("the formula worker did not start")
        control.settimeout(None)
        self._process, self._control = process, control
        if not self._stop_at_exit:
            atexit.register(self.close)
            self._stop_at_exit = True

    def _stop(self) -> None:
        if self._control is not None:
            self._control.close()  # the worker sees end of file and exits
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = self._control = None


def _receive(connection: socket.socket, deadline: float) -> bytes:
    chunks, size = [], 0
    while size <= MAX_MESSAGE:
        connection.settimeout(max(deadline - time.monotonic(), 0.001))
        chunk = connection.recv(1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    return b""


# -- worker side -------------------------------------------------------------------------------------------------
def _serve(control: socket.socket, job, limits: Limits) -> None:
    """The worker's loop: fork a child for every connection handed over; exit when the server goes away."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps finished children
    gc.freeze()  # keep the warm heap shared with the children (no copy-on-write by the collector)
    try:
        control.sendall(b"R")
    except OSError:  # the server went away while this worker was warming up (e.g. it was started in the background)
        return
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1, 4)
        except OSError:
            return
        if not message:
            return
        for fd in fds:
            try:
                child = os.fork()
            except OSError:  # no process to spare: the caller sees a connection closed before any child started
                child = -1
            if child == 0:
                control.close()
                _child(fd, job, limits)  # never returns
            os.close(fd)


def _child(fd: int, job, limits: Limits) -> None:
    """Apply the limits, answer one request, exit."""
    try:
        for number in (signal.SIGCHLD, signal.SIGALRM, signal.SIGXCPU):
            signal.signal(number, signal.SIG_DFL)
        signal.setitimer(signal.ITIMER_REAL, limits.wall_seconds)  # default action: the kernel ends the process
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
        memory = _address_space() + limits.memory_mb * (1 << 20)
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        with socket.socket(fileno=fd) as connection:
            connection.sendall(STARTED)
            payload = _receive(connection, time.monotonic() + limits.wall_seconds).decode()
            try:
                answer = {"result": job(payload)}
            except MemoryError:
                answer = {"memory": True}
            except Exception as error:  # the job should answer every input itself; this is a bug report
                answer = {"error": f"the worker failed: {type(error).__name__}"}
            connection.sendall(json.dumps(answer).encode())
    finally:
        os._exit(0)


def _address_space() -> int:
    """Bytes of address space this process already has (the memory limit counts on top of it)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _main(arguments: list[str]) -> None:
    fd, job_name, warm_up, cpu, wall, memory = arguments
    os.nice(NICENESS)
    module, _, function = job_name.partition(":")
    job = getattr(importlib.import_module(module), function)
    for payload in json.loads(warm_up):
        job(payload)  # import (and cache) what the job touches lazily, once, before forking
    _serve(socket.socket(fileno=int(fd)), job, Limits(int(cpu), float(wall), int(memory)))


if __name__ == "__main__":
    _main(sys.argv[1:])
