#!/usr/bin/env bash
# Process-level test of kmcl-diag through scripts/kmcl-diag (run by scripts/test after `mvn verify`):
# the launcher builds/runs the jar from another directory, rebuilds it when the native library is newer, `status
# --json` parses, every bad input exits with its documented non-zero code and exactly one stderr line within a
# time limit (FIFOs, devices and full disks included), and `selftest` prints the behavior table and exits 0.
set -uo pipefail
here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd -P "$here/.." && pwd)"
launcher="$here/kmcl-diag"
jar="$root/java/kmcl-diag/target/kmcl-diag.jar"
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

# a native library newer than the jar (scripts/build-native.sh ran since the last build) makes the launcher
# rebuild the jar, which packs the library; before, the jar kept the old library
so="$root/native/build/out/linux-x86-64/libkmclshim.so"
if [ -f "$so" ] && [ -f "$jar" ]; then
  built="$(stat -c %Y "$jar")"
  touch -d "@$((built - 10))" "$jar"
  touch -d "@$((built - 5))" "$so"
  "$launcher" --backend fake status >/dev/null 2>"$work/err"; rc=$?
  if [ $rc -eq 0 ] && [ "$jar" -nt "$so" ]; then
    ok "a native library newer than the jar makes the launcher rebuild the jar"
  else
    bad "native library newer than the jar: exit $rc, jar $(stat -c %Y "$jar"), library $(stat -c %Y "$so") $(cat "$work/err")"
  fi
else
  echo "skip a native library newer than the jar: no $so (scripts/build-native.sh builds it)"
fi

# name | expected exit code | arguments...   (60 s each at most: a bad input must never hang kmcl-diag)
check_bad() {
  local name="$1" want="$2"; shift 2
  timeout 60 "$launcher" --backend fake "$@" >"$work/out" 2>"$work/err"; local rc=$?
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
mkfifo "$work/fifo"
check_bad "FIFO as send --file" 3 send --file "$work/fifo"
check_bad "FIFO as capture"     3 replay "$work/fifo"
check_bad "device as send --file" 3 send --file /dev/zero
check_bad "device as capture"   3 replay /dev/zero
check_bad "capture to a full device" 3 capture --out /dev/full --generate 2
check_bad "repeated --backend"  2 --backend loopback status
check_bad "non-ASCII digits as hex" 3 send $'\xd9\xa3\xd9\xa3'
check_bad "filter of only commas" 3 watch --fail ,,,
check_bad "bench in over the largest packet" 3 bench --direction in --size 20000
printf '%s\n' '{"record":"header","format":"kmcl-capture","version":1,"completeFilter":"all","failFilter":"none","completionPayload":""}' \
  '{"record":"packet","seq":1,"direction":"in","atNanos":9000000000000000000,"payload":"01","external":"","completionRequested":true,"verdict":"completed","completionPayload":""}' \
  >"$work/late.kcap"
check_bad "capture recorded at an absurd time" 3 replay "$work/late.kcap"
check_bad "replay slower than 0.001" 3 replay --speed 1e-300 "$work/late.kcap"

"$launcher" --backend fake selftest >"$work/selftest.out" 2>"$work/selftest.err"; rc=$?
if [ $rc -eq 0 ] && head -1 "$work/selftest.out" | grep -q '^BEHAVIOR' && grep -q 'SELFTEST PASSED' "$work/selftest.out"; then
  ok "selftest (fake): $(grep -E '^[0-9]+ tests:' "$work/selftest.out")"
else
  bad "selftest (fake) exit $rc: $(grep -E '^[0-9]+ tests:' "$work/selftest.out") $(grep -A1 -E '^\S*\s+FAIL' "$work/selftest.out" | head -20)"
fi

echo "kmcl-diag launcher: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
