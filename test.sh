#!/usr/bin/env bash
# The one command that runs every test: all Rust tests of the workspace, then
# the kubectl compatibility suite (tests/compat, the real kubectl 1.37 against
# a freshly started `keelson server`). Both run even if the first fails; the
# exit code is non-zero if either failed.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
logs="$(mktemp -d "${TMPDIR:-/tmp}/keelson-test.XXXXXX")"
start=$SECONDS

# Sum "N passed"/"N failed" style counts out of a log.
# cargo: "test result: ok. 12 passed; 0 failed; 1 ignored; ..."
cargo_counts() {
    awk '/^test result:/ { for (i = 1; i <= NF; i++) {
            if ($(i+1) ~ /^passed;?$/) p += $i
            if ($(i+1) ~ /^failed;?$/) f += $i } }
         END { printf "%d %d\n", p, f }' "$1"
}
# pytest -q: last line like "3 failed, 40 passed, 1 error in 12.3s"
pytest_counts() {
    local line
    line="$(grep -E '^(=+ )?[0-9]+ (passed|failed|error|errors|skipped)' "$1" | tail -n 1)"
    local p f e
    p="$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || true)"
    f="$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+' || true)"
    e="$(grep -oE '[0-9]+ errors?' <<<"$line" | grep -oE '[0-9]+' || true)"
    printf "%d %d\n" "${p:-0}" "$(( ${f:-0} + ${e:-0} ))"
}

echo "==> cargo test --workspace"
cargo test --workspace 2>&1 | tee "$logs/cargo.log"
cargo_rc=${PIPESTATUS[0]}
read -r cargo_passed cargo_failed < <(cargo_counts "$logs/cargo.log")

echo
echo "==> tests/compat/run.sh (real kubectl 1.37 against keelson server)"
tests/compat/run.sh 2>&1 | tee "$logs/compat.log"
compat_rc=${PIPESTATUS[0]}
read -r compat_passed compat_failed < <(pytest_counts "$logs/compat.log")

status() { if [[ $1 -eq 0 ]]; then echo ok; else echo "FAILED (exit $1)"; fi; }
echo
echo "==================== summary ($(( SECONDS - start ))s, logs in $logs) ===================="
echo "cargo test --workspace     $(status "$cargo_rc"): $cargo_passed tests passed, $cargo_failed tests failed"
echo "tests/compat (kubectl)     $(status "$compat_rc"): $compat_passed tests passed, $compat_failed tests failed"
echo "$(( cargo_passed + compat_passed )) passed, $(( cargo_failed + compat_failed )) failed"

if [[ $cargo_rc -ne 0 || $compat_rc -ne 0 ]]; then
    exit 1
fi
