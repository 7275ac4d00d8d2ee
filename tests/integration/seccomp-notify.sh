#!/bin/bash
# Seccomp user notifications end to end (issue 5): a busybox container whose profile marks mknod/mknodat
# `notify`; the container's init runs `busybox mknod /tmp/fifo.N p` each time the test creates
# rootfs/tmp/go.N and records the exit status and stderr. tests/integration/seccomp-client.c subscribes
# over the bus (SubscribeSeccomp), prints the unicast SeccompNotification signals and answers them.
source "$(dirname "$0")/lib/sandbox.sh"
sandbox_init "$@"
sandbox_start

CLIENT=$T/bin/seccomp-client
install -m 0755 "$BERTH_BUILD_DIR/tests/integration/seccomp-client" "$CLIENT" ||
        bail_out "tests/integration/seccomp-client is not built"

C=sc-$RUN_ID
ROOTFS=$T/rootfs/$C
cat >"$T/notify.seccomp" <<'EOF'
2
denylist
mknod notify
mknodat notify
EOF

body='trap "/bin/busybox reboot -f" INT
i=0
while :; do
        i=$((i+1))
        while [ ! -e /tmp/go.$i ]; do sleep 0.05; done
        busybox mknod /tmp/fifo.$i p 2>/tmp/err.$i
        echo $? >/tmp/rc.$i.tmp
        busybox mv /tmp/rc.$i.tmp /tmp/rc.$i
done'
out=$(new_container "$C" "$body" "lxc.seccomp.profile = $T/notify.seccomp
lxc.log.level = DEBUG")
is "$(err_name "$out")" OK "CreateContainer with a notify profile"
out=$(icall start "$C")
is "$(err_name "$out")" OK "Start with a notify profile"
P=$(container_path "$C")
icall set-property /org/freedesktop/LogControl1 org.freedesktop.LogControl1 LogLevel debug >/dev/null
dump_logs() {
        diag "berthd log:"
        grep -iE "seccomp|unsubscribe|monitor" "$T/logs/berthd.log" | tail -n 40 | _tap_diag
        diag "monitor log:"
        find "$T" -name monitor.log -exec grep -i seccomp {} + | tail -n 20 | _tap_diag
}

if ! grep -q '^Seccomp_filters:[[:space:]]*[1-9]' "/proc/$(get_init_pid "$C")/status" 2>/dev/null; then
        diag "init has no seccomp filter"
fi

N=0
# trigger: let init run its next mknod; sets RC and ERR (the errno text busybox printed).
trigger() {
        N=$((N + 1))
        touch "$ROOTFS/tmp/go.$N"
}
result() { # wait for the current mknod's outcome
        wait_for -t ${1:-15} test -e "$ROOTFS/tmp/rc.$N" || { RC=timeout; ERR=; return 1; }
        RC=$(cat "$ROOTFS/tmp/rc.$N")
        ERR=$(cat "$ROOTFS/tmp/err.$N")
}
# subscriber OUT ARGS...: start seccomp-client subscribe in the background, wait for SUBSCRIBED.
subscriber() {
        local out=$1
        shift
        "$CLIENT" subscribe "$P" "$@" >"$out" 2>&1 </dev/null &
        SANDBOX_PIDS+=($!)
        LAST_PID=$!
        wait_for -t 15 grep -sqE '^(SUBSCRIBED|ERROR)' "$out"
}
field() { sed -n "s/^$1 //p" "$2" | head -1; }

is "$(bus call org.berth1 /org/berth1 org.berth1.Manager HasApiExtension s seccomp_notify)" "b true" \
        "HasApiExtension seccomp_notify"

# ---- unprivileged callers ----
out=$(as_user "$T1_USER" "$CLIENT" call "$P" SubscribeSeccomp)
is "$out" "ERROR org.freedesktop.DBus.Error.InteractiveAuthorizationRequired" \
        "an unprivileged caller cannot subscribe (auth_admin, non-interactive)"
out=$(as_user "$T1_USER" "$CLIENT" call "$P" SeccompNotifyFd)
is "$out" "ERROR org.freedesktop.DBus.Error.InteractiveAuthorizationRequired" "… nor get the listener fd"
out=$(as_user "$T1_USER" "$CLIENT" respond "$P" 1 1 0 0)
is "$out" "ERROR org.freedesktop.DBus.Error.InteractiveAuthorizationRequired" "… nor answer"

# ---- no subscriber: the default answer (ENOSYS) after the default timeout (5 s) ----
t0=$(now_ms)
trigger
result 20
t1=$(now_ms)
is "$RC" 1 "without a subscriber mknod fails"
like "$ERR" "Function not implemented" "… with ENOSYS (the default answer): '$ERR'"
check "… after the 5 s timeout ($((t1 - t0)) ms)" test $((t1 - t0)) -ge 4500 -a $((t1 - t0)) -lt 12000

# ---- a subscriber answering with an errno; an unprivileged listener sees nothing ----
as_user "$T1_USER" "$CLIENT" listen "$P" 4 >"$T/listen.out" 2>&1 &
LISTEN_PID=$!
SANDBOX_PIDS+=($LISTEN_PID)
subscriber "$T/sub1.out" errno:1 1
is "$(head -1 "$T/sub1.out")" SUBSCRIBED "root subscribes"
sleep 0.3
trigger
result
is "$RC" 1 "the subscriber's errno reaches the process"
like "$ERR" "Operation not permitted" "… EPERM: '$ERR'"
wait "$LAST_PID"
read -r id pid sys nr arch a0 a1 a2 a3 a4 a5 <<<"$(field NOTIFY "$T/sub1.out")"
like "$sys" '^mknod(at)?$' "the signal names the syscall ($sys, nr $nr)"
if [[ $sys == mknodat ]]; then
        # AT_FDCWD is an int: only the low 32 bits of the register are defined
        is "${a0: -8} $a2 $a3" "ffffff9c 11b6 0" "args: AT_FDCWD, S_IFIFO|0666, dev 0"
else
        is "$a1 $a2" "11b6 0" "args: S_IFIFO|0666, dev 0"
fi
is "$arch" 3221225534 "arch is AUDIT_ARCH_X86_64"
check "pid $pid is a task of the container" test "$pid" -gt 0
is "$(field RESPOND "$T/sub1.out")" OK "SeccompRespond succeeds"
is "$(field SECOND "$T/sub1.out")" org.freedesktop.DBus.Error.InvalidArgs "a second answer is InvalidArgs"
out=$("$CLIENT" respond "$P" 999999 1 0 0)
is "$out" "ERROR org.freedesktop.DBus.Error.InvalidArgs" "an unknown id is InvalidArgs"
wait "$LISTEN_PID"
like "$(cat "$T/listen.out")" "RECEIVED 0" "an unprivileged non-subscriber received no signal"
diag "$(grep EAVESDROP "$T/listen.out")"

# ---- a value ----
subscriber "$T/sub2.out" val:0 1
trigger
result
is "$RC" 0 "answer val 0: mknod reports success"
check "… though nothing was created" test ! -e "$ROOTFS/tmp/fifo.$N"
wait "$LAST_PID"

# ---- CONTINUE ----
subscriber "$T/sub3.out" continue 1
trigger
result
is "$RC" 0 "CONTINUE: mknod succeeds"
check "… and really ran (the fifo exists)" test -p "$ROOTFS/tmp/fifo.$N"
wait "$LAST_PID"

# ---- two subscribers: both get it, the first answer counts ----
subscriber "$T/sub4a.out" none 1
A=$LAST_PID
subscriber "$T/sub4b.out" errno:13 1
B=$LAST_PID
trigger
result
is "$RC" 1 "two subscribers: the answer of one reaches the process"
like "$ERR" "Permission denied" "… EACCES: '$ERR'"
wait "$A" "$B"
ida=$(field NOTIFY "$T/sub4a.out" | cut -d' ' -f1)
idb=$(field NOTIFY "$T/sub4b.out" | cut -d' ' -f1)
check "both got the notification (ids '$ida' '$idb')" test -n "$ida" -a "$ida" == "$idb"
out=$("$CLIENT" respond "$P" "$ida" 1 0 0)
is "$out" "ERROR org.freedesktop.DBus.Error.InvalidArgs" "a late answer from the other one is InvalidArgs"

# ---- a subscriber that disconnects: the default answer at once, not after the timeout ----
# timeout 30 s and default EXDEV set through SubscribeSeccomp's options.
subscriber "$T/sub5.out" none 1 30000 18
t0=$(now_ms)
trigger
wait "$LAST_PID" # exits after printing the notification, without answering
result 20
t1=$(now_ms)
like "$ERR" "[Cc]ross-device link" "the subscriber left: the configured default answer (EXDEV): '$ERR'"
if ((t1 - t0 < 10000)); then
        ok "… right away, not after the 30 s timeout ($((t1 - t0)) ms)"
else
        not_ok "… right away, not after the 30 s timeout ($((t1 - t0)) ms)"
        dump_logs
fi

# ---- SeccompNotifyFd: answered directly on the listener ----
subscriber "$T/sub6.out" fd:30 1
is "$(head -1 "$T/sub6.out")" "GOT-FD yes" "SeccompNotifyFd returns the listener"
trigger
result
like "$ERR" "Read-only file system" "an answer written to the fd reaches the process: '$ERR'"
wait "$LAST_PID"
is "$(field FD-RESPOND "$T/sub6.out")" OK "SECCOMP_IOCTL_NOTIF_SEND on the fd succeeded"

# ---- berthctl seccomp watch ----
berthctl seccomp watch "$C" --respond errno:28 --count 1 >"$T/watch.out" 2>&1 </dev/null &
W=$!
SANDBOX_PIDS+=($W)
wait_for -t 15 grep -sq Watching "$T/watch.out"
trigger
result
like "$ERR" "No space left on device" "berthctl seccomp watch --respond errno:28 answers: '$ERR'"
wait "$W"
is "$?" 0 "berthctl seccomp watch --count 1 exits 0"
like "$(cat "$T/watch.out")" "pid [0-9]+ mknod(at)?\\(0x[0-9a-f]+, " "… and printed the call"
like "$(cat "$T/watch.out")" "→ errno 28" "… and its answer"
out=$(as_user "$T1_USER" "$T/bin/berthctl" --no-ask-password seccomp watch "$C" 2>&1)
is "$?" 4 "berthctl seccomp watch as an unprivileged user: exit 4 (no permission)"

# ---- a reboot in place: the new init's listener, the same subscription ----
rm -f "$ROOTFS"/tmp/go.* "$ROOTFS"/tmp/rc.* "$ROOTFS"/tmp/err.* "$ROOTFS"/tmp/fifo.*
N=0
subscriber "$T/sub7.out" errno:1 1
pid0=$(get_init_pid "$C")
out=$(icall reboot "$C" 20)
is "$out" "OK true" "Reboot in place"
isnt "$(get_init_pid "$C")" "$pid0" "… with a new init"
trigger
result
like "$ERR" "Operation not permitted" \
        "a subscription made before the reboot answers the new init's syscalls: '$ERR'"
kill "$LAST_PID" 2>/dev/null

# ---- a stopped container ----
out=$(icall stop "$C")
is "$(err_name "$out")" OK "Stop"
out=$("$CLIENT" call "$P" SubscribeSeccomp)
is "$out" "ERROR org.berth1.Error.NotRunning" "SubscribeSeccomp on a stopped container is NotRunning"

# ---- lxc.seccomp.notify.proxy: LXC's proxy protocol (tests/integration/lib/seccomp-proxy.py) ----
C2=sp-$RUN_ID
ROOTFS=$T/rootfs/$C2
N=0
out=$(new_container "$C2" "$body" "lxc.seccomp.profile = $T/notify.seccomp
lxc.seccomp.notify.proxy = unix:$T/proxy.sock
lxc.seccomp.notify.cookie = berth-cookie")
is "$(err_name "$out")" OK "CreateContainer with a notify proxy"
out=$(icall start "$C2")
like "$out" "seccomp proxy" "no proxy listening: Start fails naming the proxy (as LXC)"
is "$(get_state "$C2")" STOPPED "… and the container is STOPPED"

"$PYTHON3" "$SANDBOX_LIB/seccomp-proxy.py" "$T/proxy.sock" "$T/proxy.log" 5 >"$T/proxy.out" 2>&1 &
SANDBOX_PIDS+=($!)
wait_for -t 10 grep -sq READY "$T/proxy.out"
out=$(icall start "$C2")
is "$(err_name "$out")" OK "Start with the proxy listening"
trigger
result
like "$ERR" "I/O error|Input/output error" "the proxy's answer (EIO) reaches the process: '$ERR'"
req=$(head -1 "$T/proxy.log" 2>/dev/null)
like "$req" "cookie=berth-cookie fds=3 proc_ok=1" "the proxy got the cookie and the three fds: '$req'"
like "$req" "init_pid=$(get_init_pid "$C2") " "… and init's pid in the header"
out=$("$CLIENT" call "$(container_path "$C2")" SubscribeSeccomp)
is "$out" "ERROR org.berth1.Error.NotSupported" "SubscribeSeccomp with a proxy: NotSupported (the proxy decides)"
out=$(icall stop "$C2")
is "$(err_name "$out")" OK "Stop the proxied container"

# ---- no notify rules ----
C3=sn-$RUN_ID
out=$(new_container "$C3")
is "$(err_name "$out")" OK "CreateContainer without a seccomp profile"
out=$(icall start "$C3")
is "$(err_name "$out")" OK "Start it"
out=$("$CLIENT" call "$(container_path "$C3")" SubscribeSeccomp)
is "$out" "ERROR org.berth1.Error.NotSupported" "SubscribeSeccomp without notify rules: NotSupported"
out=$("$CLIENT" call "$(container_path "$C3")" SeccompNotifyFd)
is "$out" "ERROR org.berth1.Error.NotSupported" "SeccompNotifyFd without notify rules: NotSupported"
out=$(icall stop "$C3")
is "$(err_name "$out")" OK "Stop it"

done_testing
