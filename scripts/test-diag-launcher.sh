#!/usr/bin/env bash
# Process-level test of kmcl-diag through scripts/kmcl-diag (run by scripts/test after `mvn verify`):
# the launcher builds/runs the jar from another directory, `status --json` parses, every bad input exits with
# its documented non-zero code and exactly one stderr line, and `selftest` prints the behavior table and exits 0.
set -uo pipefail
here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
launcher="$here/kmcl-diag"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"   # prove the launcher does not depend on the current directory

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }

json_parses() {
  python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null
}
command -v python3 >/dev/null 2>&1 || { echo "FAIL python3 is needed to check the JSON output"; exit 1; }

# first call may build the jar
out="$("$launcher" --backend fake status --json 2>"$work/err")"; rc=$?
if [ $rc -eq 0 ] && printf '%s' "$out" | json_parses && printf '%s' "$out" | grep -q '"backend" : "fake"'; then
  ok "status --json exits 0 and prints JSON"
else
  bad "status --json (rc=$rc): $out $(cat "$work/err")"
fi

out="$("$launcher" status --json 2>"$work/err")"; rc=$?
if [ $rc -eq 0 ] && printf '%s' "$out" | json_parses && [ "$(wc -l <"$work/err")" -le 1 ]; then
  ok "status --json with the default backend (announced on at most one stderr line)"
else
  bad "default backend status --json (rc=$rc)"
fi

# name | expected exit code | arguments...
check_bad() {
  local name="$1" want="$2"; shift 2
  "$launcher" --backend fake "$@" >"$work/out" 2>"$work/err"; local rc=$?
  local lines; lines="$(wc -l <"$work/err")"
  if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && ! grep -q $'^\tat ' "$work/err"; then
    ok "$name -> exit $rc, one line: $(cat "$work/err")"
  else
    bad "$name -> exit $rc (want $want), $lines stderr lines: $(cat "$work/err")"
  fi
}
check_bad "malformed GUID"  3 open --endpoint not-a-guid
check_bad "bad hex"         3 send zz
check_bad "missing file"    3 send --file "$work/does-not-exist.bin"
check_bad "unknown channel" 3 stats --channel 0x99
check_bad "unknown option"  2 status --frobnicate
check_bad "unknown command" 2 frobnicate
check_bad "missing capture" 3 replay "$work/none.kcap"

"$launcher" --backend fake selftest >"$work/selftest.out" 2>"$work/selftest.err"; rc=$?
if [ $rc -eq 0 ] && head -1 "$work/selftest.out" | grep -q '^BEHAVIOR' && grep -q 'SELFTEST PASSED' "$work/selftest.out"; then
  ok "selftest (fake): $(grep -E '^[0-9]+ tests:' "$work/selftest.out")"
else
  bad "selftest (fake) exit $rc: $(grep -E '^[0-9]+ tests:' "$work/selftest.out") $(grep -A1 -E '^\S*\s+FAIL' "$work/selftest.out" | head -20)"
fi

echo "kmcl-diag launcher: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
