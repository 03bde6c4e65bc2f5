"""Running one command with kubectl and with keelctl and comparing what a user sees.

kubectl is the specification: a scenario runs the same arguments through
both binaries against the same server state, normalises what legitimately
differs run to run (ages, generated names, resourceVersions, uids,
timestamps) and compares stdout, stderr and the exit code.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

from .kubectl import Kubectl, KubectlResult

_AGE = re.compile(r"(?<![\w-])(?:\d+[smhdy])+(?![\w-])|<unknown>|<invalid>")
_RV = re.compile(r'("?resourceVersion"?:\s*)"?\d+"?')
_UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")
_SHORT_WATCH = re.compile(r"(?m)^[IWEF]\d{4} [^\n]*reflector\.go:\d+\][^\n]*very short watch[^\n]*\n")


def without_short_watch_warning(text: str) -> str:
    """Drop client-go's "very short watch" reflector warning.

    `kubectl wait --timeout` gives its watch a context whose deadline falls a
    few milliseconds before the informer's stop channel closes; when the
    closed watch wins that race (seen under CI load) the reflector logs this
    warning before the same result. It is kubectl's timing, not the server's.
    """
    return _SHORT_WATCH.sub("", text)


def normalise(text: str, extra: Iterable[tuple[str, str]] = ()) -> str:
    """Replace what changes between two runs of the same command."""
    text = without_short_watch_warning(text)
    text = _UID.sub("<uid>", text)
    text = _TIME.sub("<time>", text)
    text = _RV.sub(r"\1<rv>", text)
    text = _AGE.sub("<age>", text)
    for pattern, repl in extra:
        text = re.sub(pattern, repl, text)
    return text


def assert_same(
    kubectl: Kubectl,
    keelctl: Kubectl,
    *args: str,
    input: str | None = None,
    between: Callable[[], None] | None = None,
    norm: Callable[[str], str] = normalise,
) -> tuple[KubectlResult, KubectlResult]:
    """Run `args` with kubectl, then (after `between`, which can reset server
    state) with keelctl; assert identical exit code, stdout and stderr after
    normalising. Returns both results."""
    want = kubectl(*args, input=input, check=False)
    if between is not None:
        between()
    got = keelctl(*args, input=input, check=False)
    cmd = " ".join(args)
    assert norm(got.out) == norm(want.out), (
        f"stdout differs for `{cmd}`\n--- kubectl ---\n{want.out}\n--- keelctl ---\n{got.out}"
        f"\n--- keelctl stderr ---\n{got.err}"
    )
    assert norm(got.err) == norm(want.err), (
        f"stderr differs for `{cmd}`\n--- kubectl ---\n{want.err}\n--- keelctl ---\n{got.err}"
    )
    assert got.rc == want.rc, f"exit code of `{cmd}`: kubectl {want.rc}, keelctl {got.rc}"
    return want, got
