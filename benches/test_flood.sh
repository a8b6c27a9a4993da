#!/usr/bin/env bash
# benches/test_flood.sh [RUNS=10]
#
# A failing ctest test that prints 60 MB (a million lines) under `--output-on-failure`, and a
# quiet passing one: `jobdeck --headless --test -j2` on the built project (its configure and
# build are cached re-runs, counted in its time) against plain `ctest --output-on-failure` on
# the same build folder, with hyperfine. jobdeck's log keeps every byte ctest printed.
#
# env: JOBDECK (default: target/release/jobdeck, built first), BEFORE: another jobdeck timed
# the same way on a build root of its own (e.g. the build before a change).
set -euo pipefail

runs=${1:-10}
repo=$(cd "$(dirname "$0")/.." && pwd)
jobdeck=${JOBDECK:-$repo/target/release/jobdeck}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v cmake >/dev/null || { echo "cmake not found" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine not found" >&2; exit 2; }
if [[ -z ${JOBDECK:-} ]]; then
    (cd "$repo" && cargo build --release >&2)
fi
mkdir -p "$tmp/ws/flood"
cat > "$tmp/ws/flood/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.21)
project(flood NONE)
enable_testing()
add_test(NAME flood COMMAND sh -c "yes 'a line of test output 0123456789 abcdefghijklmnopqrstuvwxyz' | head -c 60000000; exit 1")
add_test(NAME quiet COMMAND sh -c "exit 0")
CMAKE
"$jobdeck" --headless --test -j2 "$tmp/ws" -B "$tmp/build" > /dev/null || true
before=()
if [[ -n ${BEFORE:-} ]]; then
    "$BEFORE" --headless --test -j2 "$tmp/ws" -B "$tmp/build-before" > /dev/null || true
    before=(-n "before ($BEFORE)" "$BEFORE --headless --test -j2 $tmp/ws -B $tmp/build-before")
fi
echo "$(ctest --version | head -n1), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
hyperfine -N -i --warmup 1 --runs "$runs" \
    "${before[@]}" \
    -n "jobdeck --test -j2" "$jobdeck --headless --test -j2 $tmp/ws -B $tmp/build" \
    -n "ctest --output-on-failure" "ctest --test-dir $tmp/build/flood --output-on-failure"
echo "load $(cut -d' ' -f1 /proc/loadavg)"
wc -c "$tmp/build/.jobdeck/logs/flood/test.log"
