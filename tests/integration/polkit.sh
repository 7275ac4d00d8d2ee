#!/bin/bash
# polkit: real users, the real polkitd, the project's .policy and test rules. Asserts exact error names:
# auth_admin without an agent is a challenge → InteractiveAuthorizationRequired (systemd's semantics),
# a rule saying NO or polkitd being absent → AccessDenied.
source "$(dirname "$0")/lib/sandbox.sh"
sandbox_init "$@"
sandbox_start

C1=pk1-$RUN_ID
C2=pk2-$RUN_ID
U=upk-$RUN_ID
IAR=org.freedesktop.DBus.Error.InteractiveAuthorizationRequired
AD=org.freedesktop.DBus.Error.AccessDenied

is "$(err_name "$(new_container "$C1")")" OK "root creates $C1 without any rule"
is "$(err_name "$(new_container "$C2")")" OK "root creates $C2 without any rule"

# ---- no rules: an unprivileged user is refused ----
out=$(as_user "$T2_USER" "$T/bin/itest-call" start "$C1")
is "$(err_name "$out")" "$IAR" "unprivileged Start without an agent: InteractiveAuthorizationRequired"
out=$(as_user "$T2_USER" "$T/bin/itest-call" --interactive start "$C1")
like "$(err_name "$out")" "^($IAR|$AD)\$" "unprivileged Start with the interactive flag, no agent: refused"
is "$(get_state "$C1")" STOPPED "and $C1 did not start"
out=$(as_user "$T2_USER" "$T/bin/berthctl" --no-ask-password start "$C1" 2>&1)
rc=$?
isnt "$rc" 0 "berthctl --no-ask-password start as an unprivileged user fails"
like "$out" '^berthctl: ' "berthctl reports it as 'berthctl: <message>'"
like "$(as_user "$T2_USER" "$T/bin/berthctl" list 2>&1)" "$C1" "queries need no authorization (list)"
out=$(as_user "$T2_USER" busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        RequestName su org.berth1 4 2>&1)
like "$out" "not allowed to own|Access denied" "the bus policy (dbus/org.berth1.conf) lets only root own org.berth1"
out=$(as_user "$T2_USER" "$T/bin/itest-call" read "$C1" 0)
like "$(err_name "$out")" "^($IAR|$AD)\$" "ReadConsoleLog is gated too"
out=$(as_user "$T2_USER" "$T/bin/itest-call" destroy "$C1")
like "$(err_name "$out")" "^($IAR|$AD)\$" "DestroyContainer is gated"
check "$C1 still defined" test -f "$BERTH_ROOT_DIR/containers/$C1/config"

# ---- a rule lets group berth-ops manage C1 only ----
polkit_rule 50-berth-itest.rules <<EOF
polkit.addRule(function(action, subject) {
    if (action.id == "org.berth1.manage" && subject.isInGroup("$OPS_GROUP") &&
        action.lookup("container") == "$C1")
        return polkit.Result.YES;
    if (action.id == "org.berth1.manage" && subject.user == "$T2_USER" &&
        action.lookup("container") == "$C2")
        return polkit.Result.NO;
});
EOF
check "polkitd loaded the rule" polkit_wait "$T1_USER" org.berth1.manage "$C1" yes
out=$(as_user "$T1_USER" "$T/bin/itest-call" start "$C1")
is "$(err_name "$out")" OK "$T1_USER (in $OPS_GROUP) may start $C1"
is "$(get_state "$C1")" RUNNING "$C1 is RUNNING"
out=$(as_user "$T1_USER" "$T/bin/itest-call" start "$C2")
is "$(err_name "$out")" "$IAR" "$T1_USER may not start $C2 (no rule: default auth_admin)"
is "$(get_state "$C2")" STOPPED "$C2 stays STOPPED"
out=$(as_user "$T2_USER" "$T/bin/itest-call" start "$C2")
is "$(err_name "$out")" "$AD" "a rule returning NO gives AccessDenied"
out=$(as_user "$T2_USER" "$T/bin/itest-call" stop "$C1")
is "$(err_name "$out")" "$IAR" "$T2_USER (not in $OPS_GROUP) may not stop $C1"
out=$(as_user "$T1_USER" "$T/bin/itest-call" read "$C1" 0)
is "$(err_name "$out")" "$IAR" "the manage rule does not grant console access"
out=$(as_user "$T1_USER" "$T/bin/itest-call" stop "$C1")
is "$(err_name "$out")" OK "$T1_USER may stop $C1"
is "$(get_state "$C1")" STOPPED "$C1 is STOPPED"

# ---- root needs no rule ----
out=$(icall start "$C2")
is "$(err_name "$out")" OK "root starts $C2 without a rule"
out=$(icall stop "$C2")
is "$(err_name "$out")" OK "root stops $C2"

# ---- create: org.berth1.create does not imply configure-host ----
polkit_rule 60-berth-itest-create.rules <<EOF
polkit.addRule(function(action, subject) {
    if (action.id == "org.berth1.create" && subject.user == "$T1_USER")
        return polkit.Result.YES;
});
EOF
check "polkitd loaded the create rule" polkit_wait "$T1_USER" org.berth1.create "" yes
cat >"$T/host.conf" <<EOF
lxc.uts.name = $U
lxc.net.0.type = empty
lxc.mount.entry = /etc etc none bind,create=dir 0 0
EOF
chmod 0644 "$T/host.conf"
out=$(as_user "$T1_USER" "$T/bin/itest-call" create "$U" "$T/host.conf")
like "$(err_name "$out")" "^($IAR|$AD)\$" "create with lxc.mount.entry needs org.berth1.configure-host"
check "nothing was created for $U" test ! -e "$BERTH_ROOT_DIR/containers/$U"
cat >"$T/plain.conf" <<EOF
lxc.uts.name = $U
lxc.net.0.type = empty
lxc.console.buffer.size = auto
EOF
chmod 0644 "$T/plain.conf"
out=$(as_user "$T1_USER" "$T/bin/itest-call" create "$U" "$T/plain.conf")
is "$(err_name "$out")" OK "create without host keys is allowed by the create rule"
if [[ $out == OK* ]]; then
        is "$(bus get-property org.berth1 "$(container_path "$U")" org.berth1.Container Owner)" "u $T1_UID" \
                "Owner is the creating user"
        out=$(as_user "$T1_USER" "$T/bin/itest-call" destroy "$U")
        like "$(err_name "$out")" "^($IAR|$AD)\$" "destroy needs org.berth1.destroy"
        is "$(err_name "$(icall destroy "$U")")" OK "root destroys $U"
fi

# ---- denied calls leak nothing in berthd ----
fds() { ls "/proc/$BERTHD_PID/fd" | wc -l; }
before=$(fds)
denied=0
for i in $(seq 100); do
        out=$(as_user "$T2_USER" "$T/bin/itest-call" start "$C2")
        [[ $(err_name "$out") == "$AD" ]] && denied=$((denied + 1))
done
is "$denied" 100 "100 calls denied by the rule"
fd_settled() { (($(fds) <= before)); }
if wait_for -t 5 fd_settled; then ok "berthd's fd count did not grow after 100 denied calls ($before)"; else
        not_ok "berthd's fd count did not grow after 100 denied calls ($before → $(fds))"; fi
check "berthd is still alive" kill -0 "$BERTHD_PID"

# ---- callers that vanish while their polkit check is pending ----
kill -STOP "$POLKITD_PID"
(
        clients=()
        for i in $(seq 20); do
                setpriv --reuid="$T2_USER" --regid="$T2_USER" --init-groups -- \
                        "$T/bin/itest-call" start "$C1" </dev/null >/dev/null 2>&1 &
                clients+=($!)
        done
        sleep 0.5
        timeout --foreground 3 busctl --system call org.berth1 /org/berth1 org.berth1.Manager ListContainers 'a{sv}' 0 \
                >"$T/pending-list.out" 2>&1
        echo "rc=$?" >>"$T/pending-list.out"
        for p in "${clients[@]}"; do kill -KILL "$p"; done
        wait
) 2>/dev/null
like "$(cat "$T/pending-list.out")" 'rc=0$' "berthd answers other callers while polkit checks are pending"
kill -CONT "$POLKITD_PID"
if wait_for -t 5 fd_settled; then ok "no fd leaked for 20 callers that disconnected mid-check"; else
        not_ok "no fd leaked for 20 callers that disconnected mid-check ($before → $(fds))"; fi
check "berthd survived them" kill -0 "$BERTHD_PID"
is "$(get_state "$C1")" STOPPED "none of the vanished calls started $C1"

# ---- polkitd absent means deny ----
kill "$POLKITD_PID"
wait "$POLKITD_PID" 2>/dev/null
check "polkitd is gone" wait_for -t 5 name_is_free org.freedesktop.PolicyKit1
out=$(as_user "$T1_USER" "$T/bin/itest-call" start "$C1")
is "$(err_name "$out")" "$AD" "without polkitd, even an allowed user is denied (AccessDenied)"
is "$(get_state "$C1")" STOPPED "$C1 did not start"
out=$(icall start "$C1")
is "$(err_name "$out")" OK "root still works without polkitd"
is "$(err_name "$(icall stop "$C1")")" OK "root stops $C1"

is "$(err_name "$(icall destroy "$C1")")" OK "destroy $C1"
is "$(err_name "$(icall destroy "$C2")")" OK "destroy $C2"
check_leftovers "$C1" "$C2" "$U"
done_testing
