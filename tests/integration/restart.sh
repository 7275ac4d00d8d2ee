#!/bin/bash
# kill -9 of berthd never stops a container: the monitor and init survive, a new berthd finds the
# container RUNNING through its monitor socket, with the same InitPid and the console log intact.
source "$(dirname "$0")/lib/sandbox.sh"
sandbox_init "$@"
sandbox_start

C=rs-$RUN_ID
# init prints 50 lines, then one more once /tmp/go appears (the test creates it while berthd is dead)
is "$(err_name "$(new_container "$C" 'echo "restart-banner $(hostname)"; i=0; while [ $i -lt 50 ]; do i=$((i+1)); echo "pre-restart line $i"; done; while [ ! -e /tmp/go ]; do sleep 1; done; echo "written while berthd was dead"')")" \
        OK "create $C"
is "$(err_name "$(icall start "$C")")" OK "start $C"
pid=$(get_init_pid "$C")
logged() { read_console "$C" | grep -q "pre-restart line 50"; }
check "the console has init's output" wait_for logged
read_console "$C" >"$T/before.log"
monitor_pids=$(for p in $(ls /proc | grep -E '^[0-9]+$'); do
        mapfile -d '' argv 2>/dev/null <"/proc/$p/cmdline" || continue
        [[ ${argv[0]:-} == *berth-monitor && " ${argv[*]} " == *" $C "* ]] && echo "$p"; done)
isnt "$monitor_pids" "" "a berth-monitor runs for $C ($monitor_pids)"

kill_berthd KILL
check "berthd is gone and org.berth1 is free" name_is_free org.berth1
check "init survives berthd's death" test -d "/proc/$pid"
alive=1
for p in $monitor_pids; do [[ -d /proc/$p ]] || alive=0; done
is "$alive" 1 "the monitor survives berthd's death"

touch "$T/rootfs/$C/tmp/go"
sleep 1.5 # init polls for /tmp/go once a second; nobody but the monitor is reading its console now
check "berthd restarts" start_berthd
is "$(get_state "$C")" RUNNING "the new berthd shows $C RUNNING"
is "$(get_init_pid "$C")" "$pid" "with the same InitPid"
read_console "$C" >"$T/after.log"
prefix=$(head -c "$(wc -c <"$T/before.log")" "$T/after.log" | md5sum)
is "$prefix" "$(md5sum <"$T/before.log")" "the console log is intact"
after_seen() { read_console "$C" | grep -q "written while berthd was dead"; }
check "output written while berthd was dead is in the ring" wait_for -t 5 after_seen
like "$(berthctl list)" "$C" "berthctl list shows it after the restart"

# the restarted daemon can still drive it
is "$(err_name "$(icall stop "$C")")" OK "stop $C through the new berthd"
is "$(get_state "$C")" STOPPED "STOPPED"
check "init is gone" test ! -d "/proc/$pid"
monitors_gone() { local p; for p in $monitor_pids; do [[ -d /proc/$p ]] && return 1; done; return 0; }
check "the monitor exited" wait_for -t 5 monitors_gone

# killing berthd while stopped and restarting keeps definitions
kill_berthd KILL
start_berthd >/dev/null
is "$(get_state "$C")" STOPPED "after another restart the definition is still there, STOPPED"
is "$(err_name "$(icall destroy "$C")")" OK "destroy $C"
check_leftovers "$C"
done_testing
