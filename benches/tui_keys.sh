#!/usr/bin/env bash
# benches/tui_keys.sh [N=100000] [PRESSES=20]
#
# Whether the live table answers keys while N command jobs (`true`, from a `::::` file) run:
# jobdeck runs in a private tmux server (120x40); the script presses `?` and waits for the
# help overlay to show ("? or Esc closes"), then presses `?` again and waits for it to go,
# PRESSES times each, polling `capture-pane` every 2 ms. Each figure is the time from
# `send-keys` to the screen tmux holds: jobdeck's own answer plus tmux's round trip, which
# the same presses on a session of 10 jobs (measured first, after they ended) show alone.
# Also prints the peak RSS of the TUI session (from /proc, VmHWM, read just before quitting).
#
# env: JOBDECK (default: target/release/jobdeck, built first). SORTED=1: `S` is pressed once
# in the N-job session before the presses (the table sorted by state). Work folder in /dev/shm.
set -euo pipefail

n=${1:-100000}
presses=${2:-20}
repo=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z ${JOBDECK:-} ]]; then
    (cd "$repo" && cargo build --release --quiet)
    JOBDECK=$repo/target/release/jobdeck
fi
command -v tmux >/dev/null || { echo "tmux not found" >&2; exit 2; }
work=$(mktemp -d /dev/shm/jobdeck-tui-keys.XXXXXX)
socket=jobdeck-keys-$$
# One tmux server per session (`$socket-10`, `$socket-$n`): a server killed and started again
# under one name at once sometimes refused the second session, and the bench timed out.
# The killed session's jobdeck can still be writing its logs for a moment: the folder is
# removed again until it is gone (it was left behind in /dev/shm, "Directory not empty").
trap 'for s in 10 "$n"; do tmux -L "$socket-$s" kill-server 2>/dev/null || true; done
for _ in $(seq 50); do rm -rf "$work" 2>/dev/null && break; sleep 0.1; done' EXIT
echo "machine: $(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$JOBDECK" "$work" "$socket" "$n" "$presses" "${SORTED:-}" <<'EOF'
import os, subprocess, sys, time

jobdeck, work, socket, n, presses = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
sorted_first = sys.argv[6] == "1"

server = socket

def tmux(*args):
    return subprocess.run(["tmux", "-L", server, *args], capture_output=True, text=True).stdout

def screen():
    return tmux("capture-pane", "-p", "-t", "keys")

def wait(condition, limit=60.0):
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > limit:
            raise SystemExit(f"timed out; screen:\n{screen()}")
        time.sleep(0.002)
    return time.monotonic() - start

def session(count):
    global server
    inputs = f"{work}/inputs.{count}"
    with open(inputs, "w") as f:
        f.writelines(f"{i}\n" for i in range(1, count + 1))
    tmux("kill-server")
    server = f"{socket}-{count}"
    tmux("new-session", "-d", "-s", "keys", "-x", "120", "-y", "40",
         f"'{jobdeck}' run -j2 -B '{work}/b{count}' -- true :::: '{inputs}'; sleep 600")
    wait(lambda: "workers" in screen())
    pid = int(tmux("list-panes", "-t", "keys", "-F", "#{pane_pid}").split()[0])
    return pid

def presses_of(label, still_running):
    shown, hidden = [], []
    for _ in range(presses):
        t = time.monotonic()
        tmux("send-keys", "-t", "keys", "?")
        wait(lambda: "? or Esc closes" in screen())
        shown.append(time.monotonic() - t)
        t = time.monotonic()
        tmux("send-keys", "-t", "keys", "?")
        wait(lambda: "? or Esc closes" not in screen())
        hidden.append(time.monotonic() - t)
    times = sorted(shown + hidden)
    ms = lambda x: f"{x * 1000:.1f}"
    print(f"{label}: {len(times)} presses, median {ms(times[len(times) // 2])} ms, "
          f"90th {ms(times[int(len(times) * 0.9)])} ms, max {ms(times[-1])} ms"
          f"{'' if still_running() else ' (the jobs had ended before the last press)'}")

def jobdeck_pid(shell):
    out = subprocess.run(["pgrep", "-P", str(shell)], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None

def peak_rss(pid):
    if pid is None:
        return "unknown (the session had ended)"
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM"):
            return line.split(":")[1].strip()

shell = session(10)
wait(lambda: "10/10" in screen() or "done" in screen())
presses_of("10 jobs, ended (tmux's round trip)", lambda: True)
shell = session(n)
pid = jobdeck_pid(shell)
if sorted_first:
    tmux("send-keys", "-t", "keys", "S")
    wait(lambda: "BY STATE" in screen())
running = lambda: f"{n}/{n} done" not in screen()
presses_of(f"{n} jobs, while they run", running)
print(f"peak RSS of the session so far: {peak_rss(pid)}")
EOF
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
