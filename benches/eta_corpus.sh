#!/bin/bash
# usage: benches/eta_corpus.sh BIN CORPUS OUT [then-fresh|first-only]
# Two sessions of `BIN --headless --build --test -j2` on the projects under CORPUS, each in an
# 80x24 tmux, the progress line logged every second with the time (OUT/eta1.log, eta2.log) and
# the load (OUT/uptimes1.txt, uptimes2.txt); the second session runs on the first one's build
# root and history. Then `python3 benches/eta_ratio.py OUT/eta2.log` compares each ETA with the
# time really left. Each session has a tmux server of its own (-L): killing a server and at
# once starting a session under the same name could lose the new session to the dying server.
# With `then-fresh`, a third session (OUT/eta3.log) on the same history after every build
# folder was removed: fresh configures and builds whose latest history is incremental.
# With `first-only`, only the first session (no history: OUT/eta1.log).
set -u
bin=$1; corpus=$2; out=$3; then_fresh=${4:-}
root=$(mktemp -d); mkdir -p "$out"
sessions="1 2"; [ "$then_fresh" = then-fresh ] && sessions="1 2 3"
[ "$then_fresh" = first-only ] && sessions="1"
for n in $sessions; do
  if [ "$n" = 3 ]; then
    find "$root" -mindepth 1 -maxdepth 1 ! -name .jobdeck -exec rm -rf {} +
  fi
  sock=eta-corpus-$$-$n
  rm -f "$out/exit$n"
  tmux -L "$sock" -f /dev/null new-session -d -s c -x 80 -y 24 \
    "'$bin' --headless --build --test -j2 -B '$root' '$corpus' > '$out/out$n.txt'; echo \$? > '$out/exit$n'; sleep 30"
  : > "$out/eta$n.log"; : > "$out/uptimes$n.txt"
  while [ ! -e "$out/exit$n" ]; do
    printf '%s %s\n' "$(date +%s.%N | cut -c1-14)" \
      "$(tmux -L "$sock" capture-pane -p -t c | grep -v '^$' | tail -1)" >> "$out/eta$n.log"
    uptime >> "$out/uptimes$n.txt"
    sleep 1
  done
  printf '%s END %s\n' "$(date +%s.%N | cut -c1-14)" "$(cat "$out/exit$n")" >> "$out/eta$n.log"
  tmux -L "$sock" kill-server 2>/dev/null
  # A killed server leaves its socket file behind.
  rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"
done
rm -rf "$root"
