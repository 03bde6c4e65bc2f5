"""Running the real kubectl: one-shot commands and long-running watches."""

from __future__ import annotations

import codecs
import json
import os
import queue
import shlex
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable, NamedTuple

DEFAULT_TIMEOUT_S = 60.0


class KubectlResult(NamedTuple):
    """What a user sees: exit code, stdout, stderr."""

    rc: int
    out: str
    err: str


class Kubectl:
    """Runs kubectl with a fixed kubeconfig and an environment of its own.

    The environment is built from scratch (PATH plus kubectl's own variables)
    so the developer's ~/.kube/config, kuberc or KUBECTL_* settings never leak
    into a test.
    """

    def __init__(self, binary: Path, kubeconfig: Path, home: Path, cache_dir: Path, path_env: str):
        self.binary = binary
        self.kubeconfig = kubeconfig
        self.env = {
            "PATH": path_env,
            "HOME": str(home),
            "KUBECONFIG": str(kubeconfig),
            "KUBECACHEDIR": str(cache_dir),
            "KUBERC": "off",
            "LANG": "C.UTF-8",
        }

    def argv(self, args: tuple[str, ...]) -> list[str]:
        """The full command line for `kubectl args...`."""
        return [str(self.binary), *args]

    def __call__(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> KubectlResult:
        """Run `kubectl args...`; with check=True a non-zero exit fails the test."""
        cmd = self.argv(args)
        try:
            proc = subprocess.run(
                cmd,
                input=input,
                stdin=None if input is not None else subprocess.DEVNULL,
                capture_output=True,
                text=True,
                env=self.env,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(
                f"kubectl timed out after {timeout:.0f}s: {shlex.join(cmd[1:])}\n"
                f"--- stdout ---\n{_text(exc.stdout)}\n--- stderr ---\n{_text(exc.stderr)}"
            ) from None
        result = KubectlResult(proc.returncode, proc.stdout, proc.stderr)
        if check and result.rc != 0:
            raise AssertionError(
                f"kubectl {shlex.join(cmd[1:])} exited {result.rc}\n"
                f"--- stdout ---\n{result.out}--- stderr ---\n{result.err}"
            )
        return result

    def json(self, *args: str) -> Any:
        """Run `kubectl args... -o json` and decode stdout."""
        return json.loads(self(*args, "-o", "json").out)

    def watch(self, *args: str) -> "JsonStream":
        """Start a long-running kubectl (e.g. `get -w -o json`) that prints JSON documents."""
        return JsonStream(self.argv(args), self.env)


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode("utf-8", "replace")


class JsonStream:
    """A kubectl process whose stdout is a stream of JSON documents.

    `kubectl get -w -o json` pretty-prints one document per event with no
    separator, so documents are cut out of the byte stream with a decoder
    instead of by lines.
    """

    def __init__(self, cmd: list[str], env: dict[str, str]):
        self.cmd = cmd
        self.seen: list[Any] = []
        self._queue: "queue.Queue[Any]" = queue.Queue()
        # Binary pipes: stdout is read in whatever chunks arrive (os.read),
        # which a text wrapper cannot do without waiting for a full buffer.
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self._stderr: list[str] = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        decoder = json.JSONDecoder()
        buf = ""
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += utf8.decode(chunk)
            while True:
                stripped = buf.lstrip()
                if not stripped:
                    buf = ""
                    break
                try:
                    doc, end = decoder.raw_decode(stripped)
                except json.JSONDecodeError:
                    buf = stripped
                    break
                self._queue.put(doc)
                buf = stripped[end:]

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr.append(line.decode("utf-8", "replace"))

    def wait_for(self, predicate: Callable[[Any], bool], what: str, timeout: float = 20.0) -> Any:
        """Return the first new document matching `predicate`, or fail after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"no {what} within {timeout:.0f}s from: {shlex.join(self.cmd[1:])}\n"
                    f"documents seen: {json.dumps(self.seen, indent=1)[:4000]}\n"
                    f"exit code: {self.proc.poll()}\nstderr: {''.join(self._stderr)}"
                )
            try:
                doc = self._queue.get(timeout=min(remaining, 0.2))
            except queue.Empty:
                continue
            self.seen.append(doc)
            if predicate(doc):
                return doc

    def stop(self) -> str:
        """Stop the process (SIGTERM, then SIGKILL); returns its stderr."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return "".join(self._stderr)
