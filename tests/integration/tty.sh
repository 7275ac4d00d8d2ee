#!/bin/bash
# Terminals inside a container (issue 3, "console attach"): lxc.tty.max = N gives /dev/tty1..N, host ptys
# the monitor holds (kept across a reboot in place, chowned to the container's root with lxc.idmap), and
# no /dev/tty<N+1>; /dev/pts is always a private devpts instance holding only the container's own ptys,
# limited to lxc.pty.max when that is set (the 9th pty of a pty.max = 8 container fails). init reports
# what it sees on the console; the host side is read through /proc/<InitPid>/root.
source "$(dirname "$0")/lib/sandbox.sh"
sandbox_init "$@"
sandbox_start

Y=ttys-$RUN_ID
U=ttyidmap-$RUN_ID
P=ptymax-$RUN_ID
A=ttynoautodev-$RUN_ID
BB=/bin/busybox
PTY_MAJOR=88 # 136, the Unix98 pty slave major, as stat %t prints it (hex)

# tty_report: init's lines "TTY<i>: <major hex> <minor hex> <uid>:<gid> <path of an fd opened on it>" for
# tty1..5, "none" when the node is missing.
tty_report='for i in 1 2 3 4 5; do
        if [ -c /dev/tty$i ]; then
                echo "TTY$i: $($BB stat -c "%t %T %u:%g" /dev/tty$i) $($BB readlink /proc/self/fd/0 </dev/tty$i)"
        else
                echo "TTY$i: none"
        fi
done
echo "CONSOLE: $($BB stat -c "%t %T" /dev/console)"
echo "PTS: $($BB ls /dev/pts | $BB tr "\n" " ")"'
tty_report=${tty_report//\$BB/$BB}

# ---- lxc.tty.max = 4 ----
body="trap '$BB reboot -f' INT
$tty_report
echo hello >/dev/tty2 && echo WRITE-OK
echo TTY-DONE"
out=$(new_container "$Y" "$body" "lxc.tty.max = 4")
is "$(err_name "$out")" OK "CreateContainer $Y (lxc.tty.max = 4)"
is "$(err_name "$(start_container "$Y")")" OK "Start $Y"
check "init reported its ttys" wait_for console_has "$Y" TTY-DONE
read_console "$Y" | tr -d '\r' >"$T/$Y.console"
minors=()
for i in 1 2 3 4; do
        line=$(grep "^TTY$i: " "$T/$Y.console")
        like "$line" "^TTY$i: $PTY_MAJOR [0-9a-f]+ 0:[0-9]+ /dev/tty$i\$" \
                "/dev/tty$i is a pty slave (major 136) that a process inside opens as /dev/tty$i"
        minors+=("$(awk '{print $3}' <<<"$line")")
done
is "$(grep '^TTY5: ' "$T/$Y.console")" "TTY5: none" "there is no /dev/tty5"
cons=$(sed -n 's/^CONSOLE: //p' "$T/$Y.console")
is "$(printf '%s\n' "${minors[@]}" "${cons#* }" | sort -u | wc -l)" 5 \
        "the four ttys and the console are distinct ptys (minors ${minors[*]}, console ${cons#* })"
is "$(sed -n 's/^PTS: //p' "$T/$Y.console")" "ptmx " \
        "the container's /dev/pts holds neither the ttys nor the console (a private instance)"
check "writing to /dev/tty2 inside works" grep -qx WRITE-OK "$T/$Y.console"
pid=$(get_init_pid "$Y")
hminor=$(stat -c %T "/proc/$pid/root/dev/tty1" 2>&1)
is "$hminor" "${minors[0]}" "the host sees the same /dev/tty1 through /proc/$pid/root"
check "… which is a pty of the host's devpts (/dev/pts/$((16#$hminor)))" \
        test -c "/dev/pts/$((16#$hminor))"
mon=$(ps -o ppid= -p "$pid" | tr -d ' ')
n_before=$(ls "/proc/$mon/fd" | wc -l)

# A reboot in place keeps the same ttys (the monitor holds them).
out=$(icall reboot "$Y" 20)
is "$out" "OK true" "Reboot $Y in place"
pid2=$(get_init_pid "$Y")
isnt "$pid2" "$pid" "… with a new init"
is "$(stat -c %T "/proc/$pid2/root/dev/tty1" 2>&1)" "$hminor" "… and the same pty behind /dev/tty1"
check "… and /dev/tty4 is there again" test -c "/proc/$pid2/root/dev/tty4"
is "$(ls "/proc/$mon/fd" | wc -l)" "$n_before" "the monitor holds as many fds as before the reboot"
is "$(err_name "$(icall stop "$Y")")" OK "Stop $Y"
check "the host pty behind /dev/tty1 is gone after the stop" \
        wait_for test ! -e "/dev/pts/$((16#$hminor))"

# ---- lxc.tty.max in a user-namespaced container: the ttys belong to the container's root ----
make_rootfs "$T/rootfs/$U" "$tty_report
echo TTY-DONE"
chown -hR 100000:100000 "$T/rootfs/$U"
container_config "$U" "$T/rootfs/$U" "lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 100000 65536
lxc.tty.max = 2" >"$T/$U.conf"
is "$(err_name "$(icall create "$U" "$T/$U.conf")")" OK "CreateContainer $U (lxc.idmap, lxc.tty.max = 2)"
is "$(err_name "$(start_container "$U")")" OK "Start $U"
check "init reported its ttys" wait_for console_has "$U" TTY-DONE
read_console "$U" | tr -d '\r' >"$T/$U.console"
like "$(grep '^TTY1: ' "$T/$U.console")" "^TTY1: $PTY_MAJOR [0-9a-f]+ 0:0 /dev/tty1\$" \
        "/dev/tty1 is a pty owned by root (0:0) inside"
like "$(grep '^TTY2: ' "$T/$U.console")" "^TTY2: $PTY_MAJOR [0-9a-f]+ 0:0 /dev/tty2\$" "… and /dev/tty2"
is "$(grep '^TTY3: ' "$T/$U.console")" "TTY3: none" "there is no /dev/tty3"
upid=$(get_init_pid "$U")
is "$(stat -c %u:%g "/proc/$upid/root/dev/tty1" 2>&1)" 100000:100000 "the host sees /dev/tty1 owned by 100000"
is "$(err_name "$(icall stop "$U")")" OK "Stop $U"

# ---- lxc.tty.max without autodev: the rootfs's /dev gets tty1 (created there as an empty file) ----
out=$(new_container "$A" "$tty_report
echo TTY-DONE" "lxc.autodev = 0
lxc.tty.max = 1")
is "$(err_name "$out")" OK "CreateContainer $A (lxc.autodev = 0, lxc.tty.max = 1)"
is "$(err_name "$(start_container "$A")")" OK "Start $A"
check "init reported its ttys" wait_for console_has "$A" TTY-DONE
read_console "$A" | tr -d '\r' >"$T/$A.console"
like "$(grep '^TTY1: ' "$T/$A.console")" "^TTY1: $PTY_MAJOR [0-9a-f]+ 0:[0-9]+ /dev/tty1\$" \
        "/dev/tty1 is a pty in the rootfs's own /dev"
is "$(grep '^TTY2: ' "$T/$A.console")" "TTY2: none" "there is no /dev/tty2"
is "$(err_name "$(icall stop "$A")")" OK "Stop $A"
is "$(stat -c '%F %s' "$T/rootfs/$A/dev/tty1" 2>&1)" "regular empty file 0" \
        "on the host the rootfs keeps an empty file as the bind target, as LXC leaves it"

# ---- lxc.pty.max = 8: a private devpts with max=8 ----
# open_ptys K: hold one more new pty on fd 3 (the shell saves the outer one) for K = 1..9, reporting each.
body="open_ptys() {
        [ \$1 -gt 9 ] && return 0
        { echo PTY-OPEN-\$1
          [ \$1 = 8 ] && echo \"PTS8: \$($BB ls /dev/pts | $BB tr '\n' ' ')\"
          open_ptys \$((\$1 + 1))
        } 3<>/dev/ptmx || echo PTY-FAIL-\$1
}
echo \"MOUNT: \$($BB grep ' /dev/pts ' /proc/1/mountinfo)\"
echo \"PTS0: \$($BB ls /dev/pts | $BB tr '\n' ' ')\"
open_ptys 1 2>&1
echo PTY-DONE"
out=$(new_container "$P" "$body" "lxc.pty.max = 8")
is "$(err_name "$out")" OK "CreateContainer $P (lxc.pty.max = 8)"
is "$(err_name "$(start_container "$P")")" OK "Start $P"
check "init opened its ptys" wait_for console_has "$P" PTY-DONE
read_console "$P" | tr -d '\r' >"$T/$P.console"
mnt=$(sed -n 's/^MOUNT: //p' "$T/$P.console")
like "$mnt" ' - devpts devpts .*[ ,]max=8(,|$)' "/dev/pts is a devpts mounted with max=8 ($mnt)"
is "$(sed -n 's/^PTS0: //p' "$T/$P.console")" "ptmx " "a fresh instance: /dev/pts holds only ptmx at first"
is "$(grep -c '^PTY-OPEN-' "$T/$P.console")" 8 "eight ptys open"
is "$(sed -n 's/^PTS8: //p' "$T/$P.console")" "0 1 2 3 4 5 6 7 ptmx " \
        "/dev/pts lists exactly the container's eight ptys"
check "the ninth fails" grep -qx PTY-FAIL-9 "$T/$P.console"
like "$(grep -i 'ptmx' "$T/$P.console" | grep -vE '^(PTS|MOUNT)')" 'No space left on device' \
        "… with ENOSPC"
is "$(err_name "$(icall stop "$P")")" OK "Stop $P"

# Without lxc.pty.max the private instance has no limit of its own (max= is not shown).
body="echo \"MOUNT: \$($BB grep ' /dev/pts ' /proc/1/mountinfo)\"; echo PTY-DONE"
out=$(new_container "$P-0" "$body")
is "$(err_name "$out")" OK "CreateContainer $P-0 (no lxc.pty.max)"
is "$(err_name "$(start_container "$P-0")")" OK "Start $P-0"
check "init reported its devpts" wait_for console_has "$P-0" PTY-DONE
mnt=$(read_console "$P-0" | tr -d '\r' | sed -n 's/^MOUNT: //p')
like "$mnt" ' - devpts devpts .*ptmxmode=666' "/dev/pts is still a devpts of its own ($mnt)"
unlike "$mnt" 'max=' "… without max="
is "$(err_name "$(icall stop "$P-0")")" OK "Stop $P-0"

for n in "$Y" "$U" "$A" "$P" "$P-0"; do
        is "$(err_name "$(icall destroy "$n")")" OK "DestroyContainer $n"
done
check_leftovers "$Y" "$U" "$A" "$P" "$P-0"
done_testing
