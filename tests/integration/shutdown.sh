#!/bin/bash
# Container.Shutdown (issue 3) through berthd: a cooperative init (the busybox template's, which exits on
# SIGPWR/TERM/INT) stops and Shutdown returns true; a stubborn init (ignores every catchable signal) makes
# Shutdown return false after the timeout and keeps running; with {force: true} it is killed after the
# timeout and Shutdown returns true, with {force: true} and timeout 0 at once. Timeout 0 returns at once; a
# stopped container is NotRunning; a frozen one is Busy without force and stopped (as Stop) with it.
source "$(dirname "$0")/lib/sandbox.sh"
sandbox_init "$@"
sandbox_start

C=sdcoop-$RUN_ID      # busybox template
Z=sdzero-$RUN_ID      # busybox template, Shutdown(0)
S=sdstub-$RUN_ID      # traps everything

tpl_up() { console_has "$1" "berth busybox container .* is up"; }

# Setup; its results are reported with the first call's below.
berthctl create "$C" --template busybox >"$T/c.create" 2>&1
c_create=$?
start_container "$C" >"$T/c.start"
wait_for tpl_up "$C"
c_up=$?
cpid=$(get_init_pid "$C")
t0=$(now_ms)
out=$(icall shutdown "$C" 10)
dt=$(($(now_ms) - t0))

is "$c_create" 0 "berthctl create $C --template busybox"
is "$(err_name "$(cat "$T/c.start")")" OK "Start $C"
is "$c_up" 0 "the template's init is up (its handlers are installed)"
is "$out" "OK true" "Shutdown(10) of a cooperative init returns true (${dt} ms)"
check "… well before the timeout (${dt} ms < 5000)" test "$dt" -lt 5000
is "$(get_state "$C")" STOPPED "… and the container is STOPPED"
check "init ($cpid) is gone" test ! -d "/proc/$cpid"
out=$(icall shutdown "$C" 5)
is "$(err_name "$out")" org.berth1.Error.NotRunning "Shutdown of a stopped container is NotRunning"
out=$(icall shutdown "$C" -2)
is "$(err_name "$out")" org.freedesktop.DBus.Error.InvalidArgs "Shutdown(-2) is InvalidArgs"

# ---- timeout 0: returns at once, the container stops by itself ----
check "berthctl create $Z --template busybox" berthctl create "$Z" --template busybox
is "$(err_name "$(start_container "$Z")")" OK "Start $Z"
check "the template's init is up" wait_for tpl_up "$Z"
t0=$(now_ms)
out=$(icall shutdown "$Z" 0)
dt=$(($(now_ms) - t0))
is "$out" "OK true" "Shutdown(0) returns true (signal sent)"
check "… at once (${dt} ms < 1000)" test "$dt" -lt 1000
check "… and the container reaches STOPPED" wait_for -t 10 state_is "$Z" STOPPED

# ---- a stubborn init ----
stubborn="trap '' HUP INT QUIT USR1 USR2 TERM PWR 34 35 36 37 38 39 40
echo STUBBORN-READY"
is "$(err_name "$(new_container "$S" "$stubborn")")" OK "CreateContainer $S (init ignores every signal it can)"
is "$(err_name "$(start_container "$S")")" OK "Start $S"
check "the stubborn init is up" wait_for console_has "$S" STUBBORN-READY
spid=$(get_init_pid "$S")
t0=$(now_ms)
out=$(icall shutdown "$S" 2)
dt=$(($(now_ms) - t0))
is "$out" "OK false" "Shutdown(2) of a stubborn init returns false"
check "… after the timeout (${dt} ms >= 1900)" test "$dt" -ge 1900
check "… within timeout + 1 s (${dt} ms <= 3000)" test "$dt" -le 3000
is "$(get_state "$S")" RUNNING "… and without force it keeps RUNNING"
is "$(get_init_pid "$S")" "$spid" "… with the same init"

t0=$(now_ms)
out=$(icall shutdown "$S" 2 force)
dt=$(($(now_ms) - t0))
is "$out" "OK true" "Shutdown(2, {force: true}) of the stubborn init returns true"
check "… after the timeout (${dt} ms >= 1900)" test "$dt" -ge 1900
check "… within timeout + 1 s (${dt} ms <= 3000)" test "$dt" -le 3000
is "$(get_state "$S")" STOPPED "… and it is STOPPED"
check "init ($spid) is gone" test ! -d "/proc/$spid"
is "$(err_name "$(start_container "$S")")" OK "it starts again right after a forced shutdown"
is "$(err_name "$(icall stop "$S")")" OK "Stop $S"

# ---- force with timeout 0: killed at once (as lxc-stop -k), true once STOPPED ----
is "$(err_name "$(start_container "$S")")" OK "Start $S again"
check "the stubborn init is up" wait_for console_has "$S" STUBBORN-READY
spid=$(get_init_pid "$S")
t0=$(now_ms)
out=$(icall shutdown "$S" 0 force)
dt=$(($(now_ms) - t0))
is "$out" "OK true" "Shutdown(0, {force: true}) of the stubborn init returns true"
check "… at once (${dt} ms < 3000)" test "$dt" -lt 3000
is "$(get_state "$S")" STOPPED "… and it is STOPPED (killed, not left RUNNING)"
check "init ($spid) is gone" test ! -d "/proc/$spid"

# ---- a frozen container: Busy without force; with force stopped as Stop does ----
is "$(err_name "$(start_container "$S")")" OK "Start $S again"
check "the stubborn init is up" wait_for console_has "$S" STUBBORN-READY
is "$(err_name "$(icall freeze "$S")")" OK "Freeze $S"
out=$(icall shutdown "$S" 5)
is "$(err_name "$out")" org.berth1.Error.Busy "Shutdown(5) of a frozen container without force is Busy"
like "$out" "is frozen: unfreeze it first, or use force" "… and says how to proceed"
is "$(get_state "$S")" FROZEN "… it stays FROZEN"
t0=$(now_ms)
out=$(icall shutdown "$S" 5 force)
dt=$(($(now_ms) - t0))
is "$out" "OK true" "Shutdown(5, {force: true}) of a frozen container returns true"
check "… without waiting the timeout (${dt} ms < 3000)" test "$dt" -lt 3000
is "$(get_state "$S")" STOPPED "… and it is STOPPED"

for n in "$C" "$Z" "$S"; do
        state_is "$n" STOPPED || icall stop "$n" >/dev/null
        icall destroy "$n" >/dev/null
done
check_leftovers "$C" "$Z" "$S"
done_testing
