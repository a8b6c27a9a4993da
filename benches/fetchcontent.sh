#!/usr/bin/env bash
# benches/fetchcontent.sh [N=8] [RUNS=5]
#
# N projects whose configure runs a real FetchContent git clone of a host that cannot resolve,
# as happens offline: cmake's sub-build retries the clone three times, each try leaves an
# orphaned git process (exit 128) for a subreaper to reap, and the configure fails in about
# 0.4 s. jobdeck is the subreaper of its jobs and stops leftovers by process group; that must
# not cost it time. Goal: jobdeck no slower than xargs -P2 running the same cmake commands.
#
# env: JOBDECK (default: target/release/jobdeck, built first)
set -euo pipefail

n=${1:-8}
runs=${2:-5}
repo=$(cd "$(dirname "$0")/.." && pwd)
jobdeck=${JOBDECK:-$repo/target/release/jobdeck}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ws=$tmp/ws

command -v hyperfine >/dev/null || { echo "hyperfine not found" >&2; exit 2; }
command -v cmake >/dev/null || { echo "cmake not found" >&2; exit 2; }
if [[ -z ${JOBDECK:-} ]]; then
    (cd "$repo" && cargo build --release >&2)
fi

# .invalid never resolves (RFC 6761), so the clone fails at once with or without a network.
mkdir "$ws"
for ((i = 1; i <= n; i++)); do
    printf -v p 'p%02d' "$i"
    mkdir "$ws/$p"
    cat > "$ws/$p/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.14)
project($p NONE)
include(FetchContent)
FetchContent_Declare(x GIT_REPOSITORY https://invalid.invalid/x.git GIT_TAG main)
FetchContent_MakeAvailable(x)
EOF
    echo "$p"
done > "$tmp/projects"

# Every configure fails on purpose, so both sides exit non-zero: -i.
hyperfine -i --warmup 1 --runs "$runs" --export-json "$tmp/result.json" \
    --prepare "rm -rf '$ws/build'" \
    -n "jobdeck -j2" \
    "'$jobdeck' --headless -j2 '$ws' -B '$ws/build'" \
    -n "xargs -P2" \
    "xargs -a '$tmp/projects' -P2 -I{} cmake -S '$ws/{}' -B '$ws/build/{}' -DCMAKE_BUILD_TYPE=Debug"

python3 - "$tmp/result.json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
jd, xa = r["jobdeck -j2"], r["xargs -P2"]
print(f"jobdeck / xargs = {jd['mean'] / xa['mean']:.2f}x by mean, "
      f"{jd['median'] / xa['median']:.2f}x by median (goal <= 1.0)")
EOF
cat /proc/loadavg
