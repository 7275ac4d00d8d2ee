#!/bin/bash
# After a sandbox run (containers created, started, one still RUNNING at exit), nothing is left on the
# host: no temp dir, no mounts, no berth cgroups of that run, no process in its namespaces, no
# berth-monitor. The parent half runs in the host namespaces and only reads; the child half is an
# ordinary sandboxed test that reports what it made.
if [[ ${1:-} == --child ]]; then
        shift
        REPORT=$1
        shift
        source "$(dirname "$0")/lib/sandbox.sh"
        sandbox_init --child "$REPORT" "$@"
        sandbox_start
        A=lo1-$RUN_ID B=lo2-$RUN_ID
        is "$(err_name "$(new_container "$A")")" OK "create $A"
        is "$(err_name "$(new_container "$B")")" OK "create $B"
        is "$(err_name "$(icall start "$A")")" OK "start $A"
        is "$(err_name "$(icall start "$B")")" OK "start $B"
        is "$(err_name "$(icall stop "$A")")" OK "stop $A"
        is "$(err_name "$(icall destroy "$A")")" OK "destroy $A"
        check_leftovers "$A"
        {
                echo "T=$T"
                echo "MNTNS=$(readlink /proc/self/ns/mnt)"
                echo "NETNS=$(readlink /proc/self/ns/net)"
                echo "NAMES='$A $B'"
                echo "CGBASES='$(our_cg_bases | tr '\n' ' ')'"
                echo "INITPID=$(get_init_pid "$B")"
        } >"$REPORT"
        # B is still RUNNING: the sandbox's exit must take it down completely.
        done_testing
        exit
fi

((EUID == 0)) || { echo "1..0 # SKIP integration tests need root"; exit 0; }
here=$(cd "$(dirname "$0")" && pwd)
report=$(mktemp /tmp/berth-leftovers.XXXXXX)
trap 'rm -f "$report"' EXIT
n=0 failed=0
t_ok() { n=$((n + 1)); echo "ok $n - $*"; }
t_not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
t_is() { if [[ $1 == "$2" ]]; then t_ok "$3"; else t_not_ok "$3"; echo "# got '$1', expected '$2'"; fi; }

# The child's own TAP lines are indented into comments so the plan stays ours.
unset BERTH_SANDBOX_INSIDE
bash "$0" --child "$report" 2>&1 | sed 's/^/# child: /'
rc=${PIPESTATUS[0]}
t_is "$rc" 0 "the sandboxed run passed"
# shellcheck disable=SC1090
source "$report" || { t_not_ok "the child wrote its report"; echo "1..$n"; exit 1; }

t_is "$([[ -e $T ]] && echo present)" "" "the temp dir $T is gone"
t_is "$(grep -F "$T" /proc/self/mountinfo)" "" "no host mount refers to it"
procs=""
for p in $(ls /proc | grep -E '^[0-9]+$'); do
        [[ $(readlink "/proc/$p/ns/mnt" 2>/dev/null) == "$MNTNS" || $(readlink "/proc/$p/ns/net" 2>/dev/null) == "$NETNS" ]] &&
                procs+="$p "
        cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline")
        [[ $cmd == *"$T"* ]] && procs+="$p($cmd) "
done
t_is "$procs" "" "no process is left in the run's namespaces or refers to its temp dir"
t_is "$([[ -n $INITPID && -d /proc/$INITPID ]] && echo "$INITPID alive")" "" "the still-running container's init is gone"
cgs=""
for base in $CGBASES; do
        for name in $NAMES; do [[ -d $base/$name ]] && cgs+="$base/$name "; done
done
t_is "$cgs" "" "no cgroup of the run's containers is left"
echo "1..$n"
((failed == 0))
