"""A `keelson server` child process: start, wait for the ready line, stop."""

from __future__ import annotations

import atexit
import signal
import socket
import subprocess
import threading
from pathlib import Path

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0

# Every server the session created, so the summary can point at their logs
# and none outlives the test process (they run in their own session).
ALL_SERVERS: list["KeelsonServer"] = []


@atexit.register
def _kill_leftover_servers() -> None:
    for srv in ALL_SERVERS:
        srv.kill()


class ServerError(Exception):
    """The server did not start or stop the way the contract says."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class KeelsonServer:
    """One `keelson server` process over one data directory.

    stdout is read by a thread (the ready line, and anything printed after it,
    which the contract says should be nothing); stderr goes to a log file so a
    chatty server can never block on a full pipe.
    """

    def __init__(self, binary: Path, data_dir: Path, port: int, in_memory: bool):
        self.binary = binary
        self.data_dir = data_dir
        self.port = port
        self.in_memory = in_memory
        self.log_path = data_dir.parent / f"{data_dir.name}.server.log"
        self.stdout_lines: list[str] = []
        self.proc: subprocess.Popen[str] | None = None
        self._ready = threading.Event()
        self._reader: threading.Thread | None = None
        ALL_SERVERS.append(self)

    @property
    def kubeconfig(self) -> Path:
        """Where the server writes the admin kubeconfig on first start."""
        return self.data_dir / "kubeconfig"

    @property
    def expected_ready_line(self) -> str:
        """The exact ready line this instance must print."""
        return f"keelson: serving on https://127.0.0.1:{self.port} (kubeconfig: {self.kubeconfig})"

    def command(self) -> list[str]:
        """The command line used to start the server."""
        cmd = [
            str(self.binary),
            "server",
            "--data-dir",
            str(self.data_dir),
            "--secure-port",
            str(self.port),
            "--bind-address",
            "127.0.0.1",
            "--log-level",
            "info",
        ]
        if self.in_memory:
            cmd.append("--in-memory")
        return cmd

    def start(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Start the process and block until it prints its ready line."""
        if self.proc is not None and self.proc.poll() is None:
            raise ServerError("server already running")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.stdout_lines = []
        self._ready.clear()
        log = open(self.log_path, "a", encoding="utf-8")
        log.write(f"\n===== start: {' '.join(self.command())}\n")
        log.flush()
        self.proc = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            # Own process group: a Ctrl-C in the terminal running pytest must
            # not reach the server before the fixture stops it.
            start_new_session=True,
        )
        log.close()
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()

        if not self._ready.wait(timeout):
            self.kill()
            raise ServerError(
                f"keelson server printed no ready line within {timeout:.0f}s\n"
                f"command: {' '.join(self.command())}\n{self.describe_output()}"
            )
        if not self.stdout_lines:
            # stdout hit EOF before any line: the process is exiting.
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()
            raise ServerError(
                f"keelson server closed stdout (exit code {self.proc.returncode}) before it was ready\n"
                f"command: {' '.join(self.command())}\n{self.describe_output()}"
            )
        first = self.stdout_lines[0]
        if first != self.expected_ready_line:
            self.kill()
            raise ServerError(
                f"unexpected first stdout line from keelson server:\n  got:      {first!r}\n"
                f"  expected: {self.expected_ready_line!r}\n{self.describe_output()}"
            )
        if not self.kubeconfig.is_file():
            self.kill()
            raise ServerError(f"server is ready but {self.kubeconfig} does not exist")

    def _read_stdout(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.stdout_lines.append(line.rstrip("\n"))
            self._ready.set()
        # EOF: the process closed stdout (it exited); wake a waiting start().
        self._ready.set()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT_S) -> int:
        """Send `sig` and wait for the process to exit; returns its exit code.

        Raises ServerError (after killing it) if it does not exit in time.
        """
        if self.proc is None:
            raise ServerError("server was never started")
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise ServerError(
                    f"keelson server did not exit within {timeout:.0f}s of "
                    f"{signal.Signals(sig).name}\n{self.describe_output()}"
                ) from None
        if self._reader is not None:
            self._reader.join(5)
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL the process (only ours, by pid) if it still runs."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, max_chars: int = 6000) -> str:
        """The end of the server's stderr log."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no server log)"
        return text[-max_chars:]

    def describe_output(self) -> str:
        """stdout lines seen so far and the tail of stderr, for failure messages."""
        stdout = "\n".join(self.stdout_lines) or "(nothing)"
        return f"--- server stdout ---\n{stdout}\n--- server stderr ({self.log_path}) ---\n{self.log_tail()}"
