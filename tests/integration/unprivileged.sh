#!/bin/bash
# polkit for the methods of issues 3 and 4: an unprivileged caller is refused Reboot, Shutdown, Freeze,
# Unfreeze, OpenConsole, Mount and Umount with the exact error name (no rule: auth_admin without an agent
# → InteractiveAuthorizationRequired; a rule saying NO → AccessDenied), and nothing happens to the
# container. org.freedesktop.LogControl1: LogLevel set by a non-root caller → AccessDenied, by root works.
source "$(dirname "$0")/lib/sandbox.sh"
sandbox_init "$@"
sandbox_start

C=unpriv-$RUN_ID
IAR=org.freedesktop.DBus.Error.InteractiveAuthorizationRequired
AD=org.freedesktop.DBus.Error.AccessDenied
MS_BIND=4096
ucall() { as_user "$T2_USER" "$T/bin/itest-call" "$@"; }

# Setup; its results are reported with the first call's below.
c1=$(new_container "$C")
s1=$(start_container "$C")
pid=$(get_init_pid "$C")
out=$(ucall reboot "$C" 5)

is "$(err_name "$c1")" OK "CreateContainer $C"
is "$(err_name "$s1")" OK "Start $C"
mkdir -p "$T/src"

# denied EXPECTED_ERROR WHY DESCRIPTION ITEST-CALL-ARGS...: the unprivileged call fails with exactly that error
denied() {
        local want=$1 why=$2 desc=$3 out
        shift 3
        out=$(ucall "$@")
        is "$(err_name "$out")" "$want" "unprivileged $desc: ${want##*.} ($why)"
}
run_calls() { # EXPECTED_ERROR WHY
        denied "$1" "$2" "Reboot(5)" reboot "$C" 5
        denied "$1" "$2" "Reboot(0)" reboot "$C" 0
        denied "$1" "$2" "Shutdown(5)" shutdown "$C" 5
        denied "$1" "$2" "Shutdown(0, {force: true})" shutdown "$C" 0 force
        denied "$1" "$2" "Freeze" freeze "$C"
        denied "$1" "$2" "Unfreeze" unfreeze "$C"
        denied "$1" "$2" "OpenConsole" console "$C" true
        denied "$1" "$2" "Mount" mount "$C" "$T/src" /mnt/x "" "$MS_BIND" ""
        denied "$1" "$2" "Umount" umount "$C" /proc 0
}
run_calls "$IAR" "no rule, no agent"
is "$(get_state "$C")" RUNNING "$C is still RUNNING"
is "$(get_init_pid "$C")" "$pid" "… with the same init (no reboot, no shutdown happened)"
check "nothing was mounted" not grep -q ' /mnt/x ' "/proc/$pid/mountinfo"

# ---- a rule saying NO ----
polkit_rule 50-berth-itest-no.rules <<EOF
polkit.addRule(function(action, subject) {
    if (action.id.indexOf("org.berth1.") == 0 && subject.user == "$T2_USER")
        return polkit.Result.NO;
});
EOF
check "polkitd loaded the NO rule" polkit_wait "$T2_USER" org.berth1.manage "$C" no
_pk_says_no() { pk_allowed "$T2_USER" org.berth1.manage "$C"; [[ $? == 1 ]]; }
check "… and answers 'not authorized' (not a challenge)" wait_for -t 15 _pk_says_no
run_calls "$AD" "a rule says NO"
is "$(get_state "$C")" RUNNING "$C is still RUNNING"
is "$(get_init_pid "$C")" "$pid" "… with the same init"
polkit_clear_rules

# ---- org.freedesktop.LogControl1 ----
LC=/org/freedesktop/LogControl1
level_was=$(bus get-property org.berth1 $LC org.freedesktop.LogControl1 LogLevel 2>&1 | sed -n 's/^s "\(.*\)"$/\1/p')
isnt "$level_was" "" "LogLevel can be read ($level_was)"
out=$(as_user "$T2_USER" busctl --system get-property org.berth1 $LC org.freedesktop.LogControl1 LogLevel 2>&1)
is "$out" "s \"$level_was\"" "… also by an unprivileged caller"
out=$(ucall set-property $LC org.freedesktop.LogControl1 LogLevel debug)
is "$(err_name "$out")" "$AD" "an unprivileged caller setting LogLevel gets AccessDenied"
out=$(ucall set-property $LC org.freedesktop.LogControl1 LogTarget console)
is "$(err_name "$out")" "$AD" "… and LogTarget too"
is "$(bus get-property org.berth1 $LC org.freedesktop.LogControl1 LogLevel 2>&1)" "s \"$level_was\"" "… LogLevel unchanged"
new=debug
[[ $level_was == debug ]] && new=info
check "root sets LogLevel to $new with busctl set-property" \
        bus set-property org.berth1 $LC org.freedesktop.LogControl1 LogLevel s "$new"
is "$(bus get-property org.berth1 $LC org.freedesktop.LogControl1 LogLevel 2>&1)" "s \"$new\"" "LogLevel reads back $new"
out=$(icall set-property $LC org.freedesktop.LogControl1 LogLevel loud)
is "$(err_name "$out")" org.freedesktop.DBus.Error.InvalidArgs "an unknown level is InvalidArgs"
check "root sets it back to $level_was" bus set-property org.berth1 $LC org.freedesktop.LogControl1 LogLevel s "$level_was"
is "$(bus get-property org.berth1 $LC org.freedesktop.LogControl1 SyslogIdentifier 2>&1)" 's "berthd"' \
        "SyslogIdentifier is berthd"

is "$(err_name "$(icall stop "$C")")" OK "Stop $C"
icall destroy "$C" >/dev/null
check_leftovers "$C"
done_testing
