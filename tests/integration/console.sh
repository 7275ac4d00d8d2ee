#!/bin/bash
# Container.OpenConsole (issue 3) through berthd: the returned fd is a pty master connected to the
# container's console; a command written to it runs in the container (init reads the console) and its
# output comes back; a window size set on it reaches the console; the ring buffer keeps recording while
# attached; Stop hangs the client up. berthctl console in pipe mode and on a real terminal (Ctrl-a q).
source "$(dirname "$0")/lib/sandbox.sh"
sandbox_init "$@"
sandbox_start

C=cons-$RUN_ID
CLIENT=$SANDBOX_LIB/console-client.py
# init: read command lines from the console and run them
body='echo CONSOLE-READY
while :; do if read -r line; then eval "$line"; else sleep 0.2; fi; done'
result() { sed -n "s/^RESULT $1 //p" <<<"$2" | tail -n1; }

# Setup; its results are reported with the first call's below.
c1=$(new_container "$C" "$body")
s1=$(start_container "$C")
wait_for console_has "$C" CONSOLE-READY
ready=$?
tok=$((RANDOM + 1000))
out=$(icall console "$C" "$PYTHON3" "$CLIENT" fd "$tok" 2>&1)

is "$(err_name "$c1")" OK "CreateContainer $C (init runs what it reads on the console)"
is "$(err_name "$s1")" OK "Start $C"
is "$ready" 0 "init is reading the console"
unlike "$out" '^ERROR' "OpenConsole replies with a file descriptor"
is "$(result isatty "$out")" 1 "the fd is a terminal (a pty master)"
is "$(result echo "$out")" 1 "a command written to it runs in the container and its output comes back (out-$((tok + 1)))"
is "$(result size "$out")" 33x111 "TIOCSWINSZ on the fd reaches the console (stty size inside)"
[[ $(result echo "$out") == 1 ]] || diag "$out"
check "the ring buffer recorded the output while attached" console_has "$C" "out-$((tok + 1))"

# ---- berthctl console, pipe mode ----
out=$(printf 'echo pipe-$((%d+1))\n' "$tok" | timeout --foreground 15 "$T/bin/berthctl" console "$C" 2>&1)
rc=$?
is "$rc" 0 "printf CMD | berthctl console exits 0"
like "$out" "pipe-$((tok + 1))" "… and prints the command's output"

# ---- berthctl console on a real terminal, Ctrl-a q ----
out=$(timeout --foreground 20 "$PYTHON3" "$CLIENT" berthctl "$tok" "$T/bin/berthctl" "$C" 2>&1)
is "$(result tty-echo "$out")" 1 "berthctl console on a pty: a typed command's output comes back (tty-$((tok + 1)))"
[[ $(result tty-echo "$out") == 1 ]] || diag "$out"
is "$(result detach-exit "$out")" 0 "Ctrl-a q detaches, exit status 0"
check "the container keeps running after the client detached" state_is "$C" RUNNING

# ---- Stop while attached: the client sees the hang-up ----
icall console "$C" "$PYTHON3" "$CLIENT" hangup >"$T/hangup.out" 2>&1 &
hpid=$!
SANDBOX_PIDS+=("$hpid")
attached() { grep -q '^RESULT attached 1' "$T/hangup.out"; }
check "a second client is attached" wait_for attached
is "$(err_name "$(icall stop "$C")")" OK "Stop while a client is attached"
client_done() { ! kill -0 "$hpid" 2>/dev/null; }
check "the attached client ends" wait_for -t 10 client_done
wait "$hpid" 2>/dev/null
is "$(result hangup "$(cat "$T/hangup.out")")" 1 "… because its console hung up (EIO / end of file)"

# ---- not running ----
out=$(icall console "$C" true)
is "$(err_name "$out")" org.berth1.Error.NotRunning "OpenConsole of a stopped container is NotRunning"

icall destroy "$C" >/dev/null
check_leftovers "$C"
done_testing
