#!/usr/bin/env bash
# benches/cmake_vs_xargs.sh [N] [WORKSPACE] [RUNS]
#
# Compares a headless `jobdeck -j2` with `xargs -P2` running the same cmake configures
# (`cmake -S <p> -B <build>/<name> -DCMAKE_BUILD_TYPE=Debug`) on a generated workspace of N tiny
# projects (about 1 in 8 fails on purpose, so both exit non-zero: hyperfine runs with -i).
# Both start from an empty build root (hyperfine --prepare), so every configure is fresh.
#
# Needs hyperfine, cmake, and the workspace generator from the shared bench folder
# (MAKE_WORKSPACE, default ../shared/bench/make_cmake_workspace.sh beside the repository).
set -euo pipefail

N=${1:-40}
WS=${2:-/tmp/jobdeck-bench-ws}
RUNS=${3:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MAKE_WORKSPACE=${MAKE_WORKSPACE:-$ROOT/../shared/bench/make_cmake_workspace.sh}

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
JOBDECK="$ROOT/target/release/jobdeck"
bash "$MAKE_WORKSPACE" "$N" "$WS"
LIST="$WS.projects"
(cd "$WS" && printf '%s\n' p[0-9]*) > "$LIST"

hyperfine -i --warmup 1 --runs "$RUNS" \
    --prepare "rm -rf '$WS/build'" \
    --export-markdown "${WS}.md" \
    -n "jobdeck -j2" \
    "'$JOBDECK' --headless -j2 '$WS' -B '$WS/build'" \
    -n "xargs -P2" \
    "xargs -a '$LIST' -P2 -I{} cmake -S '$WS/{}' -B '$WS/build/{}' -DCMAKE_BUILD_TYPE=Debug"
