#!/bin/bash
# Container.Reboot (reboot2, issue 3) through berthd: timeout > 0 / 0 / -1 with an init that reboots on
# SIGINT (reboot -f, i.e. reboot(2) RESTART: the kernel kills init with SIGHUP); concurrent reboots and
# callers that vanish while waiting; an init that ignores SIGINT (false after the timeout, berthd answering
# others meanwhile); an init that halts (halt -f: false at once); reboot -f issued inside; a reboot right
# after Start (signal re-sent until init has its handler); a failing post-stop hook (STOPPED); the config
# re-read from disk; a config made invalid on disk (InvalidConfig); NotRunning and InvalidArgs.
source "$(dirname "$0")/lib/sandbox.sh"
sandbox_init "$@"
sandbox_start

BB=/bin/busybox
R=rb-$RUN_ID          # reboots on SIGINT
S=rbstub-$RUN_ID      # ignores SIGINT
H=rbhalt-$RUN_ID      # halts on SIGINT
I=rbin-$RUN_ID        # reboots itself once, from inside
E=rbearly-$RUN_ID     # installs its SIGINT handler only 1 s after start
K=rbhook-$RUN_ID      # post-stop hook fails
V=rbbad-$RUN_ID       # its config becomes invalid on disk before the reboot
G=rbcount-$RUN_ID     # counts the SIGINTs it gets, never reboots
REBOOTING_BODY="trap '$BB reboot -f' INT
echo \"itest init \$(hostname) ready\""

monitor_start "$T/signals.json" || diag "busctl monitor did not come up; the state sequence check will fail"

# Setup; its results are reported with the first call's below.
c1=$(new_container "$R" "$REBOOTING_BODY")
s1=$(start_container "$R")
pid0=$(get_init_pid "$R")
t0=$(now_ms)
out=$(icall reboot "$R" 10)
dt=$(($(now_ms) - t0))

is "$(err_name "$c1")" OK "CreateContainer $R (init reboots on SIGINT)"
is "$(err_name "$s1")" OK "Start $R"
is "$out" "OK true" "Reboot(10) returns true once the container is back (${dt} ms)"
is "$(get_state "$R")" RUNNING "… and it is RUNNING"
pid1=$(get_init_pid "$R")
isnt "$pid1" "$pid0" "InitPid changed ($pid0 → $pid1)"
check "the new init ($pid1) is alive" test -n "$pid1" -a -d "/proc/$pid1"
check "the old init ($pid0) is gone" test ! -d "/proc/$pid0"
sleep 0.2
P=$(container_path "$R")
states=$(monitor_states "$T/signals.json" "$P" | tr '\n' ' ')
like "$states" 'RUNNING (STOPPING )?(STARTING )?RUNNING $' "State went RUNNING … RUNNING across the reboot: '$states'"

# ---- timeout 0: returns at once ----
t0=$(now_ms)
out=$(icall reboot "$R" 0)
dt=$(($(now_ms) - t0))
is "$out" "OK true" "Reboot(0) returns true (signal sent)"
check "Reboot(0) returned at once (${dt} ms < 1000)" test "$dt" -lt 1000
new_pid() { local p; p=$(get_init_pid "$1"); [[ -n $p && $p != 0 && $p != "$2" ]] && state_is "$1" RUNNING; }
check "after Reboot(0) the container comes back with a new init" wait_for -t 10 new_pid "$R" "$pid1"
pid2=$(get_init_pid "$R")

# ---- timeout -1: waits without limit ----
out=$(icall reboot "$R" -1)
is "$out" "OK true" "Reboot(-1) returns true with a rebooting init"
pid3=$(get_init_pid "$R")
isnt "$pid3" "$pid2" "InitPid changed again ($pid2 → $pid3)"
is "$(get_state "$R")" RUNNING "RUNNING after Reboot(-1)"

# ---- bad timeout ----
out=$(icall reboot "$R" -2)
is "$(err_name "$out")" org.freedesktop.DBus.Error.InvalidArgs "Reboot(-2) is InvalidArgs"
is "$(get_init_pid "$R")" "$pid3" "… and did not reboot"

# ---- the config is re-read from disk at reboot ----
check "init printed its hostname $R" wait_for console_has "$R" "itest init $R ready"
cfg=$BERTH_ROOT_DIR/containers/$R/config
if [[ -f $cfg ]]; then
        sed -i "s/^lxc\.uts\.name = .*/lxc.uts.name = reread-$RUN_ID/" "$cfg"
        out=$(icall reboot "$R" 10)
        is "$out" "OK true" "Reboot(10) after editing lxc.uts.name in $cfg"
        check "the rebooted init sees the new hostname reread-$RUN_ID" \
                wait_for console_has "$R" "itest init reread-$RUN_ID ready"
else
        not_ok "the stored definition $cfg exists"
fi

# ---- concurrent reboots: every caller gets an answer, none hangs ----
fds0=$(ls "/proc/$BERTHD_PID/fd" | wc -l)
cpids=()
for i in 1 2 3 4; do
        icall reboot "$R" 10 >"$T/concurrent.$i" 2>&1 &
        cpids+=($!)
done
t0=$(now_ms)
for p in "${cpids[@]}"; do wait "$p"; done
dt=$(($(now_ms) - t0))
firsts() { local f; for f in "$T"/concurrent.*; do head -n1 "$f"; done; }
answers=$(firsts | sort | uniq -c | tr -s ' ' | tr '\n' ';')
is "$(firsts | grep -vxE 'OK true|ERROR org\.berth1\.Error\.Busy')" "" \
        "4 concurrent Reboot(10) calls: each answered true or Busy ($answers ${dt} ms)"
like "$answers" 'OK true' "… at least one came back true"
check "… within the timeout (${dt} ms < 11000)" test "$dt" -lt 11000
check "… and the container is RUNNING" wait_for -t 10 state_is "$R" RUNNING

# ---- callers that disconnect while waiting: berthd forgets them and keeps answering ----
cpids=()
for i in 1 2 3; do
        timeout --foreground -s KILL 0.3 "$T/bin/itest-call" reboot "$R" 10 </dev/null >/dev/null 2>&1 &
        cpids+=($!)
done
for p in "${cpids[@]}"; do wait "$p"; done # not a bare wait: the signal recorder runs in the background
t0=$(now_ms)
st=$(get_state "$R")
dt=$(($(now_ms) - t0))
check "berthd answers at once after callers vanished mid-Reboot (${dt} ms < 1000, State $st)" test "$dt" -lt 1000
check "the container is RUNNING again" wait_for -t 10 state_is "$R" RUNNING
fds_back() { (($(ls "/proc/$BERTHD_PID/fd" | wc -l) <= fds0)); }
check "berthd's open fds are back to $fds0" wait_for -t 10 fds_back

# ---- a caller that abandons Reboot(-1): the monitor stops re-sending the signal ----
is "$(err_name "$(new_container "$G" "trap 'echo sigint >>/tmp/sigints' INT")")" OK \
        "CreateContainer $G (init counts its SIGINTs in /tmp/sigints)"
is "$(err_name "$(start_container "$G")")" OK "Start $G"
sigints() { if [[ -f $T/rootfs/$G/tmp/sigints ]]; then wc -l <"$T/rootfs/$G/tmp/sigints"; else echo 0; fi; }
fds0=$(ls "/proc/$BERTHD_PID/fd" | wc -l)
timeout --foreground 1 "$T/bin/itest-call" reboot "$G" -1 </dev/null >/dev/null 2>&1
n0=$(sigints)
check "init got the reboot signal while the Reboot(-1) caller waited (${n0}x in 1 s)" test "$n0" -ge 1
sleep 1 # berthd sees the caller leave and closes the call's monitor connection; the monitor ends the request
n1=$(sigints)
sleep 2
n2=$(sigints)
is "$n2" "$n1" "after the caller was killed, the signal is no longer re-sent (count $n1, 2 s later $n2)"
check "berthd's open fds are back to $fds0" wait_for -t 10 fds_back
t0=$(now_ms)
out=$(icall reboot "$G" 1)
dt=$(($(now_ms) - t0))
is "$out" "OK false" "a later Reboot(1) still answers (false: this init does not reboot; ${dt} ms)"
check "… after its own timeout, not an abandoned request's (${dt} ms < 3000)" test "$dt" -lt 3000
check "… and it signalled init again" test "$(sigints)" -gt "$n2"
is "$(err_name "$(icall stop "$G")")" OK "Stop $G"

# ---- not running ----
is "$(err_name "$(icall stop "$R")")" OK "Stop $R"
out=$(icall reboot "$R" 5)
is "$(err_name "$out")" org.berth1.Error.NotRunning "Reboot of a stopped container is NotRunning"
is "$(get_state "$R")" STOPPED "… and it stays STOPPED"

# ---- an init that ignores SIGINT: false after the timeout ----
is "$(err_name "$(new_container "$S" "trap '' INT")")" OK "CreateContainer $S (init ignores SIGINT)"
is "$(err_name "$(start_container "$S")")" OK "Start $S"
spid=$(get_init_pid "$S")
t0=$(now_ms)
(
        o=$(icall reboot "$S" 2)
        echo "$o"
        echo "ELAPSED $(($(now_ms) - t0))"
) >"$T/stub.out" 2>&1 &
rbpid=$!
sleep 0.5
t1=$(now_ms)
st=$(get_state "$S")
dt1=$(($(now_ms) - t1))
is "$st" RUNNING "while a Reboot waits, berthd answers other calls (State is RUNNING)"
check "… promptly (${dt1} ms < 1000): the wait blocks nobody" test "$dt1" -lt 1000
wait "$rbpid"
out=$(grep -v '^ELAPSED ' "$T/stub.out")
dt=$(sed -n 's/^ELAPSED //p' "$T/stub.out")
is "$out" "OK false" "Reboot(2) of an init that ignores SIGINT returns false"
check "… after waiting the timeout (${dt} ms >= 1900)" test "$dt" -ge 1900
check "… within timeout + 1 s (${dt} ms <= 3000)" test "$dt" -le 3000
is "$(get_state "$S")" RUNNING "… and it keeps RUNNING"
is "$(get_init_pid "$S")" "$spid" "… with the same init"
is "$(err_name "$(icall stop "$S")")" OK "Stop $S"

# ---- an init that halts on SIGINT (halt -f: reboot(2) HALT, init killed by SIGINT) ----
is "$(err_name "$(new_container "$H" "trap '$BB halt -f' INT")")" OK "CreateContainer $H (init halts on SIGINT)"
is "$(err_name "$(start_container "$H")")" OK "Start $H"
t0=$(now_ms)
out=$(icall reboot "$H" 20)
dt=$(($(now_ms) - t0))
is "$out" "OK false" "Reboot(20) of a halting init returns false"
check "… at once, not after the timeout (${dt} ms < 5000)" test "$dt" -lt 5000
check "… and the container is STOPPED" wait_for -t 5 state_is "$H" STOPPED

# ---- reboot -f inside the container ----
inside_body="echo \"boot of \$(hostname)\"
if [ ! -e /tmp/rebooted-once ]; then
        echo > /tmp/rebooted-once
        sleep 1
        $BB reboot -f
fi
echo INSIDE-SECOND-BOOT"
is "$(err_name "$(new_container "$I" "$inside_body")")" OK "CreateContainer $I (init runs reboot -f once)"
is "$(err_name "$(start_container "$I")")" OK "Start $I"
ipid=$(get_init_pid "$I")
check "after reboot -f inside, the container is RUNNING again with a new init" wait_for -t 15 new_pid "$I" "$ipid"
check "the second boot's init ran" wait_for console_has "$I" INSIDE-SECOND-BOOT
check "the first boot's file is still there (same rootfs)" test -e "$T/rootfs/$I/tmp/rebooted-once"
is "$(err_name "$(icall stop "$I")")" OK "Stop $I"

# ---- reboot right after start: init has no handler for a moment (LXC's hang) ----
early_body="sleep 1
trap '$BB reboot -f' INT
echo EARLY-TRAP-READY"
is "$(err_name "$(new_container "$E" "$early_body")")" OK "CreateContainer $E (handler installed after 1 s)"
is "$(err_name "$(start_container "$E")")" OK "Start $E"
epid=$(get_init_pid "$E")
t0=$(now_ms)
out=$(icall reboot "$E" 10)
dt=$(($(now_ms) - t0))
is "$out" "OK true" "Reboot(10) right after Start returns true (signal re-sent until init reacts; ${dt} ms)"
isnt "$(get_init_pid "$E")" "$epid" "… with a new init"
is "$(get_state "$E")" RUNNING "… RUNNING"
is "$(err_name "$(icall stop "$E")")" OK "Stop $E"

# ---- a failing post-stop hook turns the reboot into a stop ----
out=$(new_container "$K" "$REBOOTING_BODY" "lxc.hook.post-stop = /bin/false")
is "$(err_name "$out")" OK "CreateContainer $K (lxc.hook.post-stop = /bin/false, as root)"
is "$(err_name "$(start_container "$K")")" OK "Start $K"
t0=$(now_ms)
out=$(icall reboot "$K" 10)
dt=$(($(now_ms) - t0))
is "$out" "OK false" "Reboot(10) with a failing post-stop hook returns false (${dt} ms)"
check "… and the container is STOPPED" wait_for -t 5 state_is "$K" STOPPED

# ---- the config became invalid on disk: the reboot fails with InvalidConfig, STOPPED ----
is "$(err_name "$(new_container "$V" "$REBOOTING_BODY")")" OK "CreateContainer $V"
is "$(err_name "$(start_container "$V")")" OK "Start $V"
check "init printed its hostname $V" wait_for console_has "$V" "itest init $V ready"
vcfg=$BERTH_ROOT_DIR/containers/$V/config
cp "$vcfg" "$T/$V.config"
echo "lxc.bogus.key = 1" >>"$vcfg"
out=$(icall reboot "$V" 10)
is "$(err_name "$out")" org.berth1.Error.InvalidConfig "Reboot(10) with an invalid config on disk is InvalidConfig"
like "$out" "lxc.bogus.key" "… naming the problem"
check "… and the container is STOPPED" wait_for -t 5 state_is "$V" STOPPED
cp "$T/$V.config" "$vcfg"
is "$(err_name "$(start_container "$V")")" OK "Start $V with the config repaired"
check "init printed its hostname $V" wait_for console_has "$V" "itest init $V ready"
echo "lxc.bogus.key = 1" >>"$vcfg"
out=$(icall reboot "$V" 0)
is "$out" "OK true" "Reboot(0) with an invalid config: true (the signal went out)"
check "… and the container ends STOPPED" wait_for -t 10 state_is "$V" STOPPED
vlog=$(grep -F "Reboot of '$V'" "$T/logs/berthd.log")
like "$vlog" "signal sent" "berthd logs 'signal sent' for Reboot(0)"
unlike "$vlog" "running again" "… not 'running again'"
cp "$T/$V.config" "$vcfg"

for n in "$R" "$S" "$H" "$I" "$E" "$K" "$V" "$G"; do
        state_is "$n" STOPPED || icall stop "$n" >/dev/null
        icall destroy "$n" >/dev/null
done
check_leftovers "$R" "$S" "$H" "$I" "$E" "$K" "$V" "$G"
done_testing
