#!/usr/bin/env bash
# benches/jobserver.sh [WORKSPACE] [SMALL]
#
# Builds at scale: a generated collection of one big C project (12 files, each about half a
# second to compile at -g) and SMALL small ones (default 6, two files each), configured and
# built three ways from an empty build root each time:
#   1. jobdeck -j2 --build --no-share-probes       (the pool of 2 compile slots: jobdeck is
#                                                   the builds' make jobserver)
#   2. xargs -P2, cmake -S … -B … && cmake --build … --parallel 1   (colcon's fixed setting)
#   3. the same with --parallel 2                  (oversubscribed: up to 4 compilers)
# For each it prints the wall time and the most C compilers (cc1) of this collection seen at
# once, sampled every 20 ms. Needs cmake, make, gcc.
set -euo pipefail

WS=${1:-/tmp/jobdeck-bench-jobserver}
SMALL=${2:-6}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
JOBDECK="$ROOT/target/release/jobdeck"

rm -rf "$WS"
mkdir -p "$WS/src"
# One C file of N small functions: about 0.5 s at -g for N=600 on this machine.
c_file() {
    python3 - "$1" "$2" "$3" <<'EOF'
import sys
path, prefix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, "w") as out:
    for i in range(n):
        out.write(f"int {prefix}_{i}(int x){{int s=0;for(int k=0;k<x;k++){{s+=k*{i}^(s>>3);"
                  f"if(s%7=={i % 7})s-=x;}}return s;}}\n")
EOF
}
mkdir -p "$WS/src/big"
for i in $(seq 1 12); do c_file "$WS/src/big/f$i.c" "big$i" 600; done
printf 'int main(void){return 0;}\n' > "$WS/src/big/main.c"
cat > "$WS/src/big/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.10)
project(big C)
file(GLOB SOURCES *.c)
add_executable(big ${SOURCES})
EOF
for p in $(seq 1 "$SMALL"); do
    d="$WS/src/small$p"
    mkdir -p "$d"
    c_file "$d/a.c" "s${p}a" 150
    printf 'int main(void){return 0;}\n' > "$d/main.c"
    printf 'cmake_minimum_required(VERSION 3.10)\nproject(small%s C)\nadd_executable(small main.c a.c)\n' "$p" > "$d/CMakeLists.txt"
done
(cd "$WS/src" && printf '%s\n' */) | tr -d / > "$WS/projects"

# Samples the most cc1 processes compiling this collection's files at once.
sample() {
    local max=0 n
    while [ ! -e "$WS/stop" ]; do
        n=$(pgrep -c -f "cc1 .*$WS/src" || true)
        [ "$n" -gt "$max" ] && max=$n
        sleep 0.02
    done
    echo "$max" > "$WS/max"
}

measure() {
    local name=$1; shift
    rm -rf "$WS/build" "$WS/stop" "$WS/max"
    sample &
    local sampler=$!
    local start end
    start=$(date +%s.%N)
    "$@" > "$WS/$name.out" 2>&1 || echo "($name exited $?)"
    end=$(date +%s.%N)
    touch "$WS/stop"
    wait "$sampler"
    printf '%-44s %6.2f s   max compilers %s\n' "$name" "$(echo "$end - $start" | bc)" "$(cat "$WS/max")"
}

xargs_build() {
    local jobs=$1
    xargs -a "$WS/projects" -P2 -I{} sh -c \
        "cmake -S '$WS/src/{}' -B '$WS/build/{}' -DCMAKE_BUILD_TYPE=Debug >/dev/null && cmake --build '$WS/build/{}' --parallel $jobs >/dev/null"
}

measure "jobdeck -j2 --build --no-share-probes" \
    "$JOBDECK" --headless -j2 --build --no-share-probes "$WS/src" -B "$WS/build"
measure "xargs -P2, --parallel 1" xargs_build 1
measure "xargs -P2, --parallel 2" xargs_build 2
