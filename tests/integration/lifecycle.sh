#!/bin/bash
# create → start → RUNNING → console output in the ring buffer → stop → STOPPED → destroy, through berthd
# on a private system bus, with the State PropertiesChanged sequence and Manager signals recorded.
source "$(dirname "$0")/lib/sandbox.sh"
sandbox_init "$@"
sandbox_start

C=lc-$RUN_ID
W=wrap-$RUN_ID
TPL=tpl-$RUN_ID

monitor_start "$T/signals.json" || diag "busctl monitor did not come up; signal checks will fail"

# ---- create ----
out=$(new_container "$C")
is "$(err_name "$out")" OK "CreateContainer $C"
P=$(container_path "$C")
like "$P" '^/org/berth1/container/' "GetContainer returns an object path"
is "$(get_state "$C")" STOPPED "a new container is STOPPED"
is "$(bus get-property org.berth1 "$P" org.berth1.Container Name)" "s \"$C\"" "Name property"
is "$(bus get-property org.berth1 "$P" org.berth1.Container Owner)" "u 0" "Owner is the creator (root)"
is "$(bus get-property org.berth1 "$P" org.berth1.Container ConsoleBufferSize)" "t 65536" \
        "lxc.console.buffer.size = 64K means 65536 bytes"
check "the definition is stored under the root" test -f "$BERTH_ROOT_DIR/containers/$C/config"
list=$(bus call --json=short org.berth1 /org/berth1 org.berth1.Manager ListContainers 'a{sv}' 0)
like "$list" "\"$C\",\"STOPPED\"" "ListContainers shows it STOPPED"
like "$(berthctl list)" "$C" "berthctl list shows it"

# ---- start ----
out=$(icall start "$C")
is "$(err_name "$out")" OK "Start replies"
is "$(get_state "$C")" RUNNING "Start replies when RUNNING"
pid=$(get_init_pid "$C")
check "InitPid is a live process ($pid)" test -n "$pid" -a "$pid" != 0 -a -d "/proc/$pid"
out=$(icall start "$C")
is "$(err_name "$out")" org.berth1.Error.AlreadyRunning "a second Start is AlreadyRunning"

# ---- console ring buffer ----
banner_seen() { read_console "$C" | grep -q "itest init $C ready"; }
check "init's banner appears in ReadConsoleLog" wait_for banner_seen
a=$(read_console "$C" | od -An -tx1 | tr -d ' \n')
b=$(read_console "$C" | od -An -tx1 | tr -d ' \n')
isnt "$a" "" "the console log is not empty"
is "$b" "$a" "two reads return the same bytes (non-destructive)"
like "$(berthctl console-log "$C")" "itest init $C ready" "berthctl console-log shows it"
like "$(berthctl console-log "$C")" "itest init $C ready" "berthctl console-log again (non-destructive)"
n=$(read_console "$C" 5 | wc -c)
check "max_bytes 5 returns at most 5 bytes (got $n)" test "$n" -le 5 -a "$n" -gt 0
like "$(read_console "$C" 0 clear b true)" "itest init $C ready" "ReadConsoleLog {clear: true} returns the log"
is "$(read_console "$C" | wc -c)" 0 "… and leaves it empty"

# ---- stop ----
out=$(icall stop "$C")
is "$(err_name "$out")" OK "Stop replies"
is "$(get_state "$C")" STOPPED "Stop → STOPPED"
sleep 0.2 # let the last PropertiesChanged reach the recorder
states=$(monitor_states "$T/signals.json" "$P" | tr '\n' ' ')
like "$states" '^(STARTING )?RUNNING (STOPPING )?STOPPED $' \
        "State PropertiesChanged sequence (STARTING?) RUNNING (STOPPING?) STOPPED: '$states'"
check "init is gone after stop" test ! -d "/proc/$pid"

# ---- wrap-around through a real container ----
# init prints 3000 numbered lines of 44 bytes (+\r from the pty) ≈ 135 KiB into a 64 KiB ring.
body='i=0; while [ $i -lt 3000 ]; do i=$((i+1)); printf "line %06d abcdefghijklmnopqrstuvwxyz0123\n" $i; done; echo WRAP-DONE'
out=$(new_container "$W" "$body")
is "$(err_name "$out")" OK "CreateContainer $W (chatty init)"
out=$(icall start "$W")
is "$(err_name "$out")" OK "Start $W"
wrap_done() { read_console "$W" | grep -q WRAP-DONE; }
check "the chatty init finished" wait_for -t 20 wrap_done
read_console "$W" >"$T/wrap.out"
size=$(wc -c <"$T/wrap.out")
check "the ring keeps at most 65536 bytes (got $size)" test "$size" -le 65536
check "the ring is (nearly) full after wrapping (got $size)" test "$size" -ge 60000
res=$("$PYTHON3" - "$T/wrap.out" <<'EOF'
import re, sys
data = open(sys.argv[1], "rb").read().replace(b"\r", b"")
lines = data.split(b"\n")
# the first line may be cut by the wrap; everything after it must be whole and consecutive
whole = [l for l in lines[1:] if l]
nums = []
for l in whole:
    m = re.fullmatch(rb"line (\d{6}) abcdefghijklmnopqrstuvwxyz0123", l)
    if m:
        nums.append(int(m.group(1)))
    elif l != b"WRAP-DONE":
        print("bad line %r" % l[:80]); sys.exit(0)
if not nums:
    print("no lines"); sys.exit(0)
if nums[-1] != 3000:
    print("last line is %d" % nums[-1]); sys.exit(0)
if nums != list(range(nums[0], 3001)):
    print("not consecutive"); sys.exit(0)
if nums[0] <= 1:
    print("oldest line kept: did not wrap"); sys.exit(0)
print("ok %d..3000" % nums[0])
EOF
)
like "$res" '^ok ' "wrap-around keeps the newest bytes in order, last line intact ($res)"
n=$(read_console "$W" 100 consume b true | wc -c)
is "$n" 100 "ReadConsoleLog(100, {consume: true}) returns 100 bytes"
is "$(read_console "$W" | wc -c)" $((size - 100)) "… and removes them (LXC's behaviour)"
out=$(icall clear "$W")
is "$(err_name "$out")" OK "ClearConsoleLog"
is "$(read_console "$W" | wc -c)" 0 "the log is empty after ClearConsoleLog"
out=$(icall stop "$W")
is "$(err_name "$out")" OK "Stop $W"

# ---- the busybox template through berthctl ----
if berthctl create "$TPL" --template busybox >"$T/tpl.out" 2>&1; then
        ok "berthctl create $TPL --template busybox"
        if berthctl start "$TPL" >"$T/tpl.out" 2>&1; then
                ok "berthctl start $TPL"
                tpl_up() { berthctl console-log "$TPL" 2>/dev/null | grep -q "berth busybox container .* is up"; }
                if wait_for tpl_up; then
                        ok "the template's banner appears in berthctl console-log"
                else
                        not_ok "the template's banner appears in berthctl console-log"
                        berthctl console-log "$TPL" 2>&1 | head -c 2000 | _tap_diag
                        bus get-property org.berth1 "$(container_path "$TPL")" org.berth1.Container \
                                ConsoleBufferSize 2>&1 | _tap_diag
                fi
                check "berthctl stop $TPL" berthctl stop "$TPL"
        else
                not_ok "berthctl start $TPL"
                _tap_diag <"$T/tpl.out"
        fi
        check "berthctl destroy $TPL" berthctl destroy "$TPL"
else
        not_ok "berthctl create $TPL --template busybox"
        _tap_diag <"$T/tpl.out"
fi

# ---- introspection of the live daemon matches dbus/*.xml ----
introspect_check() { # INTERFACE PATH
        local out
        if ! bus introspect --xml-interface org.berth1 "$2" >"$T/$1.xml" 2>&1; then
                not_ok "introspect $2"
                _tap_diag <"$T/$1.xml"
                return
        fi
        if out=$("$PYTHON3" "$SANDBOX_REPO/tests/integration/check-introspection.py" "$1" \
                "$SANDBOX_REPO/dbus/$1.xml" "$T/$1.xml" 2>&1); then
                ok "live introspection of $1 matches dbus/$1.xml"
        else
                not_ok "live introspection of $1 matches dbus/$1.xml"
                diag "$out"
        fi
}
if [[ -f $SANDBOX_REPO/tests/integration/check-introspection.py ]]; then
        introspect_check org.berth1.Manager /org/berth1
        introspect_check org.berth1.Container "$P"
else
        skip "tests/integration/check-introspection.py not written yet"
fi

# ---- destroy ----
out=$(icall destroy "$C")
is "$(err_name "$out")" OK "DestroyContainer $C"
out=$(icall destroy "$W")
is "$(err_name "$out")" OK "DestroyContainer $W"
out=$(icall get "$C")
is "$(err_name "$out")" org.berth1.Error.NoSuchContainer "GetContainer after destroy is NoSuchContainer"
check "the definition is gone" test ! -e "$BERTH_ROOT_DIR/containers/$C"
sleep 0.2
is "$(monitor_manager_signals "$T/signals.json" ContainerNew | grep -c "^$C\$")" 1 "one ContainerNew($C)"
is "$(monitor_manager_signals "$T/signals.json" ContainerRemoved | grep -c "^$C\$")" 1 "one ContainerRemoved($C)"

check_leftovers "$C" "$W" "$TPL"
done_testing
