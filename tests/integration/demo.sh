#!/bin/bash
# ./run demo: the story of berth in under a minute, on a private system bus with the real polkitd, in a
# private mount + network namespace; every step prints the equivalent berthctl/busctl command first.
source "$(dirname "$0")/lib/sandbox.sh"
sandbox_init "$@"

if [[ -t 1 ]]; then B=$'\e[1m' D=$'\e[2m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'; else B= D= G= R= N=; fi
# On a terminal, pause a moment between steps so the story can be followed (BERTH_DEMO_PAUSE=0 to skip).
if [[ -t 1 ]]; then PAUSE=${BERTH_DEMO_PAUSE:-1}; else PAUSE=${BERTH_DEMO_PAUSE:-0}; fi
step() { sleep "$PAUSE"; printf '\n%s==> %s%s\n' "$B" "$*" "$N"; }
say() { printf '%s%s%s\n' "$D" "$*" "$N"; }
show() { printf '%s$ %s%s\n' "$G" "$*" "$N"; }
fail() { printf '%sdemo failed: %s%s\n' "$R" "$*" "$N" >&2; exit 1; }
# run_cmd SHOWN_TEXT CMD...: print the user-facing command, then run the real one
run_cmd() { show "$1"; shift; "$@"; }

step "Starting the sandbox: a private system bus, the real polkitd, berthd on a temp root"
sandbox_start || fail "the sandbox did not come up"
say "bus:     $DBUS_SYSTEM_BUS_ADDRESS"
say "polkitd: pid $POLKITD_PID (real /usr/lib/polkit-1/polkitd, berth's org.berth1.policy installed)"
say "berthd:  pid $BERTHD_PID ($BERTH_BUILD_DIR/berthd --root $BERTH_ROOT_DIR)"
run_cmd "busctl --system tree org.berth1" busctl --system tree org.berth1 --no-pager || true

step "Watching State changes on the bus in the background"
show "busctl --system monitor --match \"type='signal',interface='org.freedesktop.DBus.Properties'\" &"
monitor_start "$T/signals.json" >/dev/null || say "(busctl monitor did not start)"

step "Creating a container from an LXC-format config and the busybox template"
cat >"$T/demo1.conf" <<'EOF'
# demo1: a busybox system container
lxc.uts.name = demo1
lxc.net.0.type = empty
lxc.console.buffer.size = 64K
lxc.signal.stop = SIGTERM
EOF
show "cat demo1.conf"
sed 's/^/    /' "$T/demo1.conf"
run_cmd "berthctl create demo1 --template busybox --config demo1.conf" \
        berthctl create demo1 --template busybox --config "$T/demo1.conf" || fail "berthctl create"
show "cat $BERTH_ROOT_DIR/containers/demo1/config   # /var/lib/berth/containers/demo1/config when installed"
sed 's/^/    /' "$BERTH_ROOT_DIR/containers/demo1/config" || true
run_cmd "berthctl list" berthctl list

step "Starting it (the reply comes when it is RUNNING)"
run_cmd "berthctl start demo1" berthctl start demo1 || fail "berthctl start"
run_cmd "berthctl list" berthctl list
P=$(container_path demo1)
run_cmd "busctl --system get-property org.berth1 $P org.berth1.Container State InitPid" \
        busctl --system get-property org.berth1 "$P" org.berth1.Container State InitPid
say "PropertiesChanged seen by the monitor so far: $(monitor_states "$T/signals.json" "$P" | tr '\n' ' ')"

step "Reading the console from the in-memory ring buffer (non-destructive: twice)"
demo_up() { berthctl console-log demo1 2>/dev/null | grep -q .; }
wait_for demo_up || say "(no console output yet)"
run_cmd "berthctl console-log demo1" berthctl console-log demo1
run_cmd "berthctl console-log demo1" berthctl console-log demo1
run_cmd "busctl --system call org.berth1 $P org.berth1.Container ReadConsoleLog 'ta{sv}' 0 0" \
        busctl --system call org.berth1 "$P" org.berth1.Container ReadConsoleLog 'ta{sv}' 0 0

step "Rebooting it in place (reboot2: the reply says whether it came back)"
pid_before=$(busctl --system get-property org.berth1 "$P" org.berth1.Container InitPid | awk '{print $2}')
run_cmd "berthctl reboot demo1 --timeout 10" berthctl reboot demo1 --timeout 10 || fail "berthctl reboot"
pid_after=$(busctl --system get-property org.berth1 "$P" org.berth1.Container InitPid | awk '{print $2}')
say "init pid $pid_before before, $pid_after after; the console ring kept recording across the reboot:"
run_cmd "berthctl console-log demo1" berthctl console-log demo1

step "Freezing and thawing it (cgroup2 freezer)"
run_cmd "berthctl freeze demo1" berthctl freeze demo1 || fail "berthctl freeze"
run_cmd "busctl --system get-property org.berth1 $P org.berth1.Container State" \
        busctl --system get-property org.berth1 "$P" org.berth1.Container State
run_cmd "berthctl unfreeze demo1" berthctl unfreeze demo1 || fail "berthctl unfreeze"

step "Injecting a host directory into the running container, read-only, then removing it"
mkdir -p "$T/share" && echo "hello from the host" >"$T/share/hello.txt"
run_cmd "berthctl mount demo1 $T/share /mnt/share --read-only" \
        berthctl mount demo1 "$T/share" /mnt/share --read-only || fail "berthctl mount"
show "grep /mnt/share /proc/$pid_after/mountinfo; cat /proc/$pid_after/root/mnt/share/hello.txt"
grep /mnt/share "/proc/$pid_after/mountinfo" | sed 's/^/    /'
sed 's/^/    /' "/proc/$pid_after/root/mnt/share/hello.txt"
run_cmd "berthctl umount demo1 /mnt/share" berthctl umount demo1 /mnt/share || fail "berthctl umount"

step "An unprivileged user is denied by polkit"
show "runuser -u berth-demo -- berthctl --no-ask-password stop demo1"
if runuser -u berth-demo -- "$T/bin/berthctl" --no-ask-password stop demo1 </dev/null; then
        fail "berth-demo was allowed to stop demo1 without a rule"
fi
say "(denied, as it should be: org.berth1.manage is auth_admin and there is no agent)"

step "A polkit rule lets berth-demo manage demo1 (and only demo1)"
show "cat > /etc/polkit-1/rules.d/50-berth-demo.rules"
polkit_rule 50-berth-demo.rules <<'EOF'
polkit.addRule(function(action, subject) {
    if (action.id == "org.berth1.manage" && subject.user == "berth-demo" &&
        action.lookup("container") == "demo1")
        return polkit.Result.YES;
});
EOF
sed 's/^/    /' "$T/rules.d/50-berth-demo.rules"
polkit_wait berth-demo org.berth1.manage demo1 yes || say "(polkitd has not picked up the rule)"
run_cmd "runuser -u berth-demo -- berthctl --no-ask-password stop demo1" \
        runuser -u berth-demo -- "$T/bin/berthctl" --no-ask-password stop demo1 </dev/null ||
        fail "berth-demo could not stop demo1 with the rule"
run_cmd "berthctl list" berthctl list
sleep 0.2
say "State PropertiesChanged signals of demo1: $(monitor_states "$T/signals.json" "$P" | tr '\n' ' ')"

step "Destroying it"
run_cmd "berthctl destroy demo1" berthctl destroy demo1 || fail "berthctl destroy"
run_cmd "berthctl list" berthctl list

step "Tearing down: berthd, polkitd and the bus stop; the temp root, mounts and cgroups go away"
trap - EXIT
T_SAVED=$T
( sandbox_cleanup ) >/dev/null 2>&1 || true
[[ -e $T_SAVED ]] && fail "$T_SAVED is still there"
say "nothing left behind. Done."
exit 0
