#!/bin/bash
# Container.Freeze / Unfreeze (issue 3) through berthd: the payload cgroup (cgroup2, also a hybrid host's
# unified mount) reports frozen 1 in cgroup.events, State goes FREEZING → FROZEN (PropertiesChanged) and the
# init's console output stops; Unfreeze brings RUNNING and the output back; Stop works on a frozen container.
source "$(dirname "$0")/lib/sandbox.sh"
sandbox_init "$@"
sandbox_start

F=frz-$RUN_ID

last_tick() { read_console "$F" 2>/dev/null | tr -d '\r' | grep -o 'tick-[0-9]*' | tail -n1 | cut -d- -f2; }
ticking() { local t; t=$(last_tick); [[ -n $t && $t -gt ${1:-0} ]]; }
frozen_is() { grep -qx "frozen $2" "$1/cgroup.events" 2>/dev/null; }

monitor_start "$T/signals.json" || diag "busctl monitor did not come up; the state sequence check will fail"

# Setup; its results are reported with the first call's below.
c1=$(new_container "$F" 'i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.1; done')
s1=$(start_container "$F")
wait_for ticking 0
tick_rc=$?
pid=$(get_init_pid "$F")
out=$(icall freeze "$F")

is "$(err_name "$c1")" OK "CreateContainer $F (init prints a tick every 100 ms)"
is "$(err_name "$s1")" OK "Start $F"
is "$tick_rc" 0 "init is ticking"
is "$out" OK "Freeze replies"
is "$(get_state "$F")" FROZEN "State is FROZEN when Freeze has replied"
cg=$(payload_cgroup "$pid")
if [[ -n $CGROUP2_ROOT && -n $cg ]]; then
        ok "init ($pid) sits in a cgroup2 cgroup ($cg)"
else
        not_ok "init ($pid) sits in a cgroup2 cgroup (cgroup2 root '$CGROUP2_ROOT', /proc/$pid/cgroup: $(tr '\n' ' ' <"/proc/$pid/cgroup" 2>&1))"
fi
check "cgroup.events of the payload cgroup says frozen 1" frozen_is "$cg" 1
check "cgroup.freeze is 1" grep -qx 1 "$cg/cgroup.freeze"
t1=$(last_tick)
sleep 0.6
t2=$(last_tick)
is "$t2" "$t1" "the console output stops while frozen (last tick $t1, 600 ms later $t2)"
is "$(get_init_pid "$F")" "$pid" "the same init, still there"

# ---- Unfreeze ----
out=$(icall unfreeze "$F")
is "$out" OK "Unfreeze replies"
is "$(get_state "$F")" RUNNING "State is RUNNING when Unfreeze has replied"
check "cgroup.events says frozen 0" frozen_is "$cg" 0
check "the console output resumes after tick $t2" wait_for -t 5 ticking "${t2:-0}"
sleep 0.2
states=$(monitor_states "$T/signals.json" "$(container_path "$F")" | tr '\n' ' ')
like "$states" 'RUNNING FREEZING FROZEN RUNNING $' "State PropertiesChanged went RUNNING FREEZING FROZEN RUNNING: '$states'"

# ---- Stop while frozen ----
is "$(icall freeze "$F")" OK "Freeze again"
is "$(get_state "$F")" FROZEN "FROZEN"
is "$(err_name "$(icall stop "$F")")" OK "Stop a frozen container"
is "$(get_state "$F")" STOPPED "… STOPPED"
check "init ($pid) is gone" test ! -d "/proc/$pid"
check "the payload cgroup is gone" test ! -d "$cg"

# ---- not running ----
is "$(err_name "$(icall freeze "$F")")" org.berth1.Error.NotRunning "Freeze of a stopped container is NotRunning"
is "$(err_name "$(icall unfreeze "$F")")" org.berth1.Error.NotRunning "Unfreeze of a stopped container is NotRunning"

# ---- start again: not frozen ----
is "$(err_name "$(start_container "$F")")" OK "the container starts again after a stop while frozen"
check "… and is not frozen (it ticks)" wait_for -t 5 ticking 0
is "$(err_name "$(icall stop "$F")")" OK "Stop $F"

icall destroy "$F" >/dev/null
check_leftovers "$F"
done_testing
