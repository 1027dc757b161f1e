#!/usr/bin/env bash
# Builds and checks everything in C:
#   1. installs missing tools with apt-get when run as root (Debian 12)
#   2. sanitizer builds of core, fake KMCL and shim: ASan + UBSan + LSan, then TSan; runs ctest on both
#   3. builds the two libFuzzer targets and fuzzes for ${KMCL_FUZZ_SECONDS:-60} s in all (half each):
#      the IOCTL decoder (fuzz_ioctl) and sequences of IOCTLs and peer actions (fuzz_sequence)
#   4. release libkmclshim.so (loopback) and kmclshim.dll (win32, mingw-w64), export check
#   5. kmclshim.dll under Wine: native/tests/wine/test_win32_shim.c (mingw-built) loads it and checks
#      the win32 transport without a driver (skipped, with a line saying so, only when Wine is missing
#      and cannot be installed because this is not root); also the lab bundle's kmcl-diag.cmd with a
#      stand-in java.exe (native/tests/wine/fake_java.c)
# Output: native/build/out/linux-x86-64/libkmclshim.so, native/build/out/win32-x86-64/kmclshim.dll
# Exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NATIVE="$ROOT/native"
BUILD="$NATIVE/build"
FUZZ_SECONDS="${KMCL_FUZZ_SECONDS:-60}"
JOBS="$(nproc 2>/dev/null || echo 2)"

log() { printf '\n==> %s\n' "$*"; }

# ---------------------------------------------------------------- 1. tools
need=()
command -v cmake >/dev/null || need+=(cmake)
command -v make >/dev/null || need+=(make)
command -v clang >/dev/null || need+=(clang)
command -v cc >/dev/null || need+=(gcc libc6-dev)
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
if ! find /usr/lib/llvm-*/lib/clang -name 'libclang_rt.fuzzer*.a' 2>/dev/null | grep -q .; then
    need+=(libclang-rt-14-dev)
fi
# Debian's wine64 keeps its loader in /usr/lib/wine; the `wine` package adds /usr/bin wrappers
wine_loader() {
    local candidate
    for candidate in "$(command -v wine64 || true)" /usr/lib/wine/wine64 "$(command -v wine || true)"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}
if ! wine_loader >/dev/null && [ "$(id -u)" = "0" ]; then
    need+=(wine64)
fi
if [ "${#need[@]}" -gt 0 ]; then
    if [ "$(id -u)" = "0" ]; then
        log "installing: ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    else
        echo "missing tools: ${need[*]} (run as root to install them with apt-get)" >&2
        exit 1
    fi
fi

# ---------------------------------------------------------------- 2. sanitizers + ctest
log "sanitizer build + ctest"
cmake -S "$NATIVE" -B "$BUILD/asan" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
      -DKMCL_SANITIZE=ON -DKMCL_TESTS=ON >/dev/null
cmake --build "$BUILD/asan" -j "$JOBS"
(cd "$BUILD/asan" && ctest --output-on-failure -j "$JOBS")

log "ThreadSanitizer build + ctest"
cmake -S "$NATIVE" -B "$BUILD/tsan" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DKMCL_TESTS=ON \
      -DCMAKE_C_FLAGS="-fsanitize=thread -O1 -g" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" \
      -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" >/dev/null
cmake --build "$BUILD/tsan" -j "$JOBS"
(cd "$BUILD/tsan" && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j "$JOBS")

# ---------------------------------------------------------------- 3. fuzzers
# The two libFuzzer targets share the time budget: fuzz_ioctl (one request's bytes, seeds in
# driver/tests/corpus) and fuzz_sequence (sequences of requests and peer actions over two sessions,
# seeds in driver/tests/sequence-corpus).
cmake -S "$NATIVE" -B "$BUILD/fuzz" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
      -DKMCL_SANITIZE=ON -DKMCL_FUZZ=ON >/dev/null
cmake --build "$BUILD/fuzz" -j "$JOBS" --target fuzz_ioctl fuzz_sequence
rm -rf "$BUILD/fuzz-corpus" "$BUILD/fuzz-artifacts"

# run_fuzzer TARGET SEEDS SECONDS [libFuzzer options...]: fails on any finding
run_fuzzer() {
    local target="$1" seeds="$2" seconds="$3"
    shift 3
    local corpus="$BUILD/fuzz-corpus/$target" artifacts="$BUILD/fuzz-artifacts/$target"
    local fuzz_log="$BUILD/$target.log"
    mkdir -p "$corpus" "$artifacts"
    log "fuzzing with $target for ${seconds}s"
    if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
         "$BUILD/fuzz/driver/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
         -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" "$corpus" "$seeds" >"$fuzz_log" 2>&1; then
        tail -n 60 "$fuzz_log" >&2
        echo "$target found a problem; artifacts in $artifacts" >&2
        exit 1
    fi
    if ls "$artifacts" | grep -q .; then
        echo "$target left artifacts in $artifacts" >&2
        exit 1
    fi
    grep -E 'stat::number_of_executed_units|stat::new_units_added' "$fuzz_log" || true
}
HALF_SECONDS=$(( (FUZZ_SECONDS + 1) / 2 ))
run_fuzzer fuzz_ioctl "$ROOT/driver/tests/corpus" "$HALF_SECONDS"
run_fuzzer fuzz_sequence "$ROOT/driver/tests/sequence-corpus" "$HALF_SECONDS" -max_len=1024

# ---------------------------------------------------------------- 4. release libraries
log "release libkmclshim.so (loopback)"
cmake -S "$NATIVE" -B "$BUILD/release-linux" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD/release-linux" -j "$JOBS" --target kmclshim
log "release kmclshim.dll and the driver core for Windows x64 (mingw-w64, LLP64, warnings are errors)"
# The core is what the KMDF driver compiles; building it for an LLP64 Windows target catches width and
# header assumptions that Linux (LP64) hides. It is not the WDK build: driver/kmdf is never compiled here.
cmake -S "$NATIVE" -B "$BUILD/release-win32" -DCMAKE_BUILD_TYPE=Release -DCMAKE_COMPILE_WARNING_AS_ERROR=ON \
      -DCMAKE_TOOLCHAIN_FILE="$NATIVE/cmake/mingw-w64-x86_64.cmake" >/dev/null
cmake --build "$BUILD/release-win32" -j "$JOBS" --target kmclshim kmclcore test_win32_shim

mkdir -p "$BUILD/out/linux-x86-64" "$BUILD/out/win32-x86-64"
cp "$BUILD/release-linux/libkmclshim.so" "$BUILD/out/linux-x86-64/libkmclshim.so"
cp "$BUILD/release-win32/kmclshim.dll" "$BUILD/out/win32-x86-64/kmclshim.dll"

# every function of kmclshim.h must be exported by both libraries, and nothing else by the .so; the
# header is preprocessed because the peer functions are declared from its KMCLSHIM_PEER_FUNCTIONS list
expected="$(cc -E -P "$NATIVE/include/kmclshim.h" | grep -oE '\bint32_t kmclshim_[a-z0-9_]+ *\(' \
            | sed -E 's/^int32_t //; s/ *\($//' | sort)"
dll_exports="$(x86_64-w64-mingw32-objdump -p "$BUILD/out/win32-x86-64/kmclshim.dll" \
               | awk '/\[Ordinal\/Name Pointer\] Table/{f=1;next} f&&NF==0{f=0} f&&$1~/^\[/{print $NF}' | sort)"
so_exports="$(nm -D --defined-only "$BUILD/out/linux-x86-64/libkmclshim.so" | awk '{print $3}' | sort)"
if [ "$expected" != "$dll_exports" ]; then
    echo "kmclshim.dll exports differ from kmclshim.h:" >&2
    diff <(echo "$expected") <(echo "$dll_exports") >&2 || true
    exit 1
fi
if [ "$expected" != "$so_exports" ]; then
    echo "libkmclshim.so exports differ from kmclshim.h:" >&2
    diff <(echo "$expected") <(echo "$so_exports") >&2 || true
    exit 1
fi
log "ok: $(echo "$expected" | wc -l) shim functions exported by both libraries"
ls -l "$BUILD/out/linux-x86-64" "$BUILD/out/win32-x86-64"

# ---------------------------------------------------------------- 5. kmclshim.dll under Wine
if WINE="$(wine_loader)"; then
    log "kmclshim.dll under Wine (no driver: win32 transport, NO_SUCH_DEVICE, argument checks)"
    # a prefix of our own under the build folder, created on first use (a few seconds), then reused
    export WINEPREFIX="$BUILD/wineprefix" WINEDEBUG=-all
    wine_log="$BUILD/wine-test.log"
    if ! (cd "$BUILD/release-win32" && "$WINE" test_win32_shim.exe kmclshim.dll) >"$wine_log" 2>&1; then
        cat "$wine_log" >&2
        echo "test_win32_shim failed under Wine" >&2
        exit 1
    fi
    grep -E '^test_win32_shim:' "$wine_log" || { cat "$wine_log" >&2; echo "test_win32_shim printed no result" >&2; exit 1; }
    log "scripts/lab/kmcl-diag.cmd under Wine (a stand-in java.exe: arguments pass through, exit code returned)"
    launcher_dir="$BUILD/wine-launcher"
    rm -rf "$launcher_dir"
    mkdir -p "$launcher_dir/runtime/bin"
    cp "$ROOT/scripts/lab/kmcl-diag.cmd" "$launcher_dir/"
    x86_64-w64-mingw32-gcc -static -O1 -o "$launcher_dir/runtime/bin/java.exe" "$NATIVE/tests/wine/fake_java.c"
    launcher_status=0
    (cd "$launcher_dir" && "$WINE" cmd /c kmcl-diag.cmd selftest --backend native "two words") \
        >"$launcher_dir/out.txt" 2>"$launcher_dir/err.txt" || launcher_status=$?
    launcher_seen="$(tr -d '\r' <"$launcher_dir/out.txt" | sed -E 's/^.*\\kmcl-diag\.jar$/JAR/')"
    launcher_expected="$(printf '%s\n' -jar JAR selftest --backend native 'two words')"
    if [ "$launcher_status" != 4 ] || [ "$launcher_seen" != "$launcher_expected" ]; then
        echo "kmcl-diag.cmd under Wine: exit $launcher_status (want 4), arguments:" >&2
        cat "$launcher_dir/out.txt" "$launcher_dir/err.txt" >&2
        exit 1
    fi
    echo "kmcl-diag.cmd: arguments and exit code pass through"
    # the wineserver this run started would linger a few seconds; end it now
    wineserver_bin="$(dirname "$WINE")/wineserver"
    [ -x "$wineserver_bin" ] || wineserver_bin="$(command -v wineserver || true)"
    [ -n "$wineserver_bin" ] && "$wineserver_bin" -k 2>/dev/null || true
else
    log "skipped: kmclshim.dll under Wine (wine64 is not installed and this is not root; apt-get install wine64)"
fi
