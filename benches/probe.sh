#!/usr/bin/env bash
# benches/probe.sh [N] [WORKSPACE] [RUNS]
#
# The shared toolchain probe against plain cmake: on a generated workspace of N fresh tiny
# C and C++ projects (the shared generator's C projects, every other working one turned into
# C++; about 1 in 8 fails on purpose and two are project(x NONE)), hyperfine compares
#
#   jobdeck -j2 (probe kept)   a later session: the build folders are fresh, the probe kept
#   jobdeck -j2 (probe run)    a first session, the user cache empty: the probe runs, then
#                              the seeded configures
#   jobdeck -j2 (new build root, cache warm)
#                              a first session in a build root never used, with the probe
#                              another build root left in the user cache
#   jobdeck -j2 --no-share-probes
#   xargs -P2                  plain `cmake -S <p> -B <build>/<name> -DCMAKE_BUILD_TYPE=Debug`
#
# Probes are kept in the user's cache folder: the bench gives jobdeck one of its own,
# $WS.cache (XDG_CACHE_HOME), and never touches yours.
#
# Every run starts with fresh build folders (hyperfine --prepare). Then it checks that each
# project ends the same way (exit code) under jobdeck as under plain cmake.
#
# Needs hyperfine, cmake, a C and C++ compiler, and the workspace generator from the shared
# bench folder (MAKE_WORKSPACE, default ../shared/bench/make_cmake_workspace.sh beside the
# repository).
set -euo pipefail

N=${1:-40}
WS=${2:-/tmp/jobdeck-probe-ws}
RUNS=${3:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MAKE_WORKSPACE=${MAKE_WORKSPACE:-$ROOT/../shared/bench/make_cmake_workspace.sh}

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
JOBDECK="$ROOT/target/release/jobdeck"
bash "$MAKE_WORKSPACE" "$N" "$WS"
# Every other project that compiles C becomes a C++ project.
i=0
for dir in "$WS"/p[0-9]*; do
    i=$((i + 1))
    name=$(basename "$dir")
    if [ $((i % 2)) -eq 0 ] && [ -f "$dir/hello.c" ] && grep -q "project($name C)" "$dir/CMakeLists.txt"; then
        sed -i "s/project($name C)/project($name CXX)/; s/hello\.c/hello.cpp/" "$dir/CMakeLists.txt"
        printf '#include <iostream>\nint main() { std::cout << "hello from %s\\n"; }\n' "$name" \
            > "$dir/hello.cpp"
        rm "$dir/hello.c"
    fi
done
LIST="$WS.projects"
(cd "$WS" && printf '%s\n' p[0-9]*) > "$LIST"
echo "C++ projects: $(grep -l 'CXX)' "$WS"/p*/CMakeLists.txt | wc -l), C: $(grep -l ' C)' "$WS"/p*/CMakeLists.txt | wc -l), NONE: $(grep -l 'NONE)' "$WS"/p*/CMakeLists.txt | wc -l)" >&2

B="$WS/build"
export XDG_CACHE_HOME="$WS.cache"
rm -rf "$XDG_CACHE_HOME"
# Fresh build folders, no history (so every jobdeck run orders by name); the build root's
# .jobdeck (its lock) stays, and so does the probe in the user cache.
fresh_keeping_probe="find '$B' -mindepth 1 -maxdepth 1 ! -name .jobdeck -exec rm -rf {} + 2>/dev/null; rm -rf '$B/.jobdeck/logs' '$B/.jobdeck/history.jsonl'"
"$JOBDECK" --headless -j2 "$WS" -B "$B" > /dev/null || true # makes the probe to keep

hyperfine -i --warmup 1 --runs "$RUNS" \
    --export-markdown "${WS}.md" \
    --prepare "$fresh_keeping_probe" \
    -n "jobdeck -j2 (probe kept)" "'$JOBDECK' --headless -j2 '$WS' -B '$B'" \
    --prepare "rm -rf '$B' '$XDG_CACHE_HOME'" \
    -n "jobdeck -j2 (probe run)" "'$JOBDECK' --headless -j2 '$WS' -B '$B'" \
    --prepare "rm -rf '$B'; '$JOBDECK' --headless -j2 '$WS' -B '$B.other' > /dev/null || true; rm -rf '$B.other'" \
    -n "jobdeck -j2 (new build root, cache warm)" "'$JOBDECK' --headless -j2 '$WS' -B '$B'" \
    --prepare "rm -rf '$B'" \
    -n "jobdeck -j2 --no-share-probes" "'$JOBDECK' --headless -j2 --no-share-probes '$WS' -B '$B'" \
    --prepare "rm -rf '$B'" \
    -n "xargs -P2" \
    "xargs -a '$LIST' -P2 -I{} cmake -S '$WS/{}' -B '$B/{}' -DCMAKE_BUILD_TYPE=Debug"

# The same outcome for every project: jobdeck's exit code per job against plain cmake's (the
# projects' rows, kind cmake: the toolchain probe's row is jobdeck's own).
rm -rf "$B" "$WS.plain"
{ "$JOBDECK" --json -j2 "$WS" -B "$B" || true; } \
    | sed -n '/"kind":"cmake"/s/.*"event":"finished".*"job":"\([^"]*\)".*"exit_code":\([-0-9a-z]*\).*/\1 \2/p' \
    | sort > "$WS.jobdeck-codes"
while read -r name; do
    code=0
    cmake -S "$WS/$name" -B "$WS.plain/$name" -DCMAKE_BUILD_TYPE=Debug < /dev/null > /dev/null 2>&1 \
        || code=$?
    echo "$name $code"
done < "$LIST" | sort > "$WS.plain-codes"
if diff "$WS.jobdeck-codes" "$WS.plain-codes"; then
    echo "same outcome for all $(wc -l < "$LIST") projects" >&2
else
    echo "outcomes differ (above: < jobdeck, > plain cmake)" >&2
    exit 1
fi
