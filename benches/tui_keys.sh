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
# in the N-job session before the presses (the table sorted by state). FAIL=1: every third
# job fails (the command is `test $(({} % 3)) -ne 0` in place of `true`). AFTER=K: the
# presses start once K jobs have ended (the panels below cost more as runs pile up).
# PANEL=x (needs FAIL=1): the key pressed is `x`, which opens the causes panel (waiting for
# its title) and closes it again, so each figure includes the panel's frame or the key's
# grouping of the causes; PANEL=t: `t` opens the timeline once before the presses of `?`,
# so every frame draws it. Both sessions (10 and N jobs) run the same way.
# Work folder in /dev/shm.
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

python3 - "$JOBDECK" "$work" "$socket" "$n" "$presses" "${SORTED:-}" "${FAIL:-}" "${AFTER:-0}" \
    "${PANEL:-}" <<'EOF'
import os, re, subprocess, sys, time

jobdeck, work, socket, n, presses = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
sorted_first = sys.argv[6] == "1"
failing, after, panel = sys.argv[7] == "1", int(sys.argv[8]), sys.argv[9]
if panel not in ("", "x", "t"):
    raise SystemExit(f"PANEL is x or t, not {panel!r}")
if panel == "x" and not failing:
    raise SystemExit("PANEL=x needs FAIL=1: without failed jobs `x` opens nothing")
command = "'test $(({} % 3)) -ne 0'" if failing else "true"
# The key pressed, and the text that shows while what it opens is open.
key, shown_text = ("x", "causes: Enter shows") if panel == "x" else ("?", "? or Esc closes")

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
         f"'{jobdeck}' run -j2 -B '{work}/b{count}' -- {command} :::: '{inputs}'; sleep 600")
    wait(lambda: "workers" in screen())
    pid = int(tmux("list-panes", "-t", "keys", "-F", "#{pane_pid}").split()[0])
    return pid

def presses_of(label, still_running):
    shown, hidden = [], []
    for _ in range(presses):
        t = time.monotonic()
        tmux("send-keys", "-t", "keys", key)
        wait(lambda: shown_text in screen())
        shown.append(time.monotonic() - t)
        t = time.monotonic()
        tmux("send-keys", "-t", "keys", key)
        wait(lambda: shown_text not in screen())
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

def ended():
    """Jobs ended, from the header's `DONE/TOTAL`."""
    found = re.search(r"(\d+)/(\d+)", screen().splitlines()[0] if screen() else "")
    return int(found.group(1)) if found else 0

def open_panel():
    if panel == "t":
        tmux("send-keys", "-t", "keys", "t")
        wait(lambda: " timeline " in screen())

shell = session(10)
wait(lambda: "10/10" in screen() or "done" in screen())
open_panel()
presses_of("10 jobs, ended (tmux's round trip)", lambda: True)
shell = session(n)
pid = jobdeck_pid(shell)
if sorted_first:
    tmux("send-keys", "-t", "keys", "S")
    wait(lambda: "BY STATE" in screen())
# At least one job has failed before `x` is pressed (job 3 fails; the first is long done).
wait(lambda: ended() >= max(after, 3 if failing else 0), limit=600.0)
open_panel()
running = lambda: f"{n}/{n} done" not in screen()
what = {"x": ", x opening and closing the causes panel", "t": ", the timeline open"}
label = f"{n} jobs{', a third failing' if failing else ''}{what.get(panel, '')}, while they run"
presses_of(f"{label}{f' (from {after} ended)' if after else ''}", running)
print(f"peak RSS of the session so far: {peak_rss(pid)}")
EOF
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
