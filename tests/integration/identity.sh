#!/bin/bash
# Identity of a container's init over D-Bus (issue 3): a user-namespaced container (lxc.idmap, rootfs owned
# by 100000) is root inside and 100000 outside, creates files as 100000 on the host and cannot create host
# devices; lxc.cap.drop / lxc.cap.keep shape the bounding set seen in /proc/1/status inside;
# lxc.init.uid/gid/groups and lxc.no_new_privs give a non-root init. init reports what it sees on the
# console, the host side is read from /proc/<InitPid>.
source "$(dirname "$0")/lib/sandbox.sh"
sandbox_init "$@"
sandbox_start

U=idmap-$RUN_ID
D=capdrop-$RUN_ID
K=capkeep-$RUN_ID
N=nonroot-$RUN_ID
BB=/bin/busybox

# ---- a user-namespaced container ----
body="$BB grep -E '^(Uid|Gid|CapEff):' /proc/1/status | $BB sed 's/^/ID-/'
$BB touch /tmp/made-inside && echo TOUCH-DONE
if $BB mknod /tmp/hostmem c 1 1 2>/dev/null; then echo MKNOD-ALLOWED; else echo MKNOD-DENIED; fi
echo DEV: \$($BB ls /dev | $BB tr '\n' ' ')
echo IDENTITY-DONE"
make_rootfs "$T/rootfs/$U" "$body"
chown -hR 100000:100000 "$T/rootfs/$U"
container_config "$U" "$T/rootfs/$U" "lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 100000 65536" >"$T/$U.conf"
is "$(err_name "$(icall create "$U" "$T/$U.conf")")" OK "CreateContainer $U (lxc.idmap u/g 0 100000 65536)"
is "$(err_name "$(start_container "$U")")" OK "Start the idmapped container"
pid=$(get_init_pid "$U")
check "the idmapped init reported in" wait_for console_has "$U" IDENTITY-DONE
read_console "$U" | tr -d '\r' >"$T/$U.console"
like "$(grep '^ID-Uid:' "$T/$U.console")" $'^ID-Uid:\t0\t0\t0\t0$' "inside, /proc/1/status says Uid 0"
like "$(grep '^ID-Gid:' "$T/$U.console")" $'^ID-Gid:\t0\t0\t0\t0$' "inside, /proc/1/status says Gid 0"
like "$(grep '^Uid:' "/proc/$pid/status" 2>&1)" $'^Uid:\t100000\t100000\t100000\t100000$' \
        "the host sees init ($pid) as uid 100000"
like "$(grep '^Gid:' "/proc/$pid/status" 2>&1)" $'^Gid:\t100000\t100000\t100000\t100000$' \
        "the host sees init as gid 100000"
like "$(tr -s ' ' <"/proc/$pid/uid_map" 2>&1)" '^ 0 100000 65536$' "init's uid_map is 0 100000 65536"
check "init created a file inside" grep -q TOUCH-DONE "$T/$U.console"
is "$(stat -c %u:%g "$T/rootfs/$U/tmp/made-inside" 2>&1)" 100000:100000 \
        "a file created inside belongs to 100000:100000 on the host"
check "root inside cannot create a host device node (mknod c 1 1 denied)" grep -qx MKNOD-DENIED "$T/$U.console"
check "no device node appeared in the rootfs" test ! -e "$T/rootfs/$U/tmp/hostmem"
devs=$(sed -n 's/^DEV: //p' "$T/$U.console")
unlike " $devs " ' (mem|kmem|port|kmsg|sd[a-z]|vd[a-z]|nvme[0-9][^ ]*|loop[0-9]+|mapper) ' \
        "host-only devices are not visible in the container's /dev ($devs)"
like " $devs " ' null ' "the container's /dev has the usual nodes (null)"
is "$(err_name "$(icall stop "$U")")" OK "Stop $U"
is "$(get_state "$U")" STOPPED "$U is STOPPED"

# ---- capabilities ----
hostbnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
caps_body="$BB grep -E '^CapBnd:' /proc/1/status | $BB sed 's/^/CAPS-/'; echo CAPS-DONE"
new_container "$D" "$caps_body" "lxc.cap.drop = sys_admin" >"$T/$D.create"
is "$(err_name "$(cat "$T/$D.create")")" OK "CreateContainer $D (lxc.cap.drop = sys_admin)"
is "$(err_name "$(start_container "$D")")" OK "Start $D"
check "init reported its bounding set" wait_for console_has "$D" CAPS-DONE
bnd=$(read_console "$D" | tr -d '\r' | sed -n 's/^CAPS-CapBnd:[[:space:]]*//p')
want=$(printf '%016x' $((16#$hostbnd & ~(1 << 21))))
is "$bnd" "$want" "CapBnd inside is the host's ($hostbnd) without CAP_SYS_ADMIN (bit 21)"
dpid=$(get_init_pid "$D")
is "$(sed -n 's/^CapBnd:[[:space:]]*//p' "/proc/$dpid/status" 2>&1)" "$want" \
        "the host sees the same bounding set on init ($dpid)"
is "$(err_name "$(icall stop "$D")")" OK "Stop $D"

new_container "$K" "$caps_body" "lxc.cap.keep = chown kill" >"$T/$K.create"
is "$(err_name "$(cat "$T/$K.create")")" OK "CreateContainer $K (lxc.cap.keep = chown kill)"
is "$(err_name "$(start_container "$K")")" OK "Start $K"
check "init reported its bounding set" wait_for console_has "$K" CAPS-DONE
bnd=$(read_console "$K" | tr -d '\r' | sed -n 's/^CAPS-CapBnd:[[:space:]]*//p')
is "$bnd" 0000000000000021 "CapBnd inside is exactly CAP_CHOWN|CAP_KILL with lxc.cap.keep"
is "$(err_name "$(icall stop "$K")")" OK "Stop $K"

# lxc.cap.drop and lxc.cap.keep together are refused, as in LXC.
new_container "both-$RUN_ID" "" "lxc.cap.drop = sys_admin
lxc.cap.keep = chown" >"$T/both.create"
is "$(err_name "$(cat "$T/both.create")")" org.berth1.Error.InvalidConfig \
        "lxc.cap.drop with lxc.cap.keep is InvalidConfig"
like "$(cat "$T/both.create")" 'mutually exclusive' "… and the message says they are mutually exclusive"

# ---- a non-root init: lxc.init.uid/gid/groups, lxc.no_new_privs ----
ids_body="$BB grep -E '^(Uid|Gid|Groups|NoNewPrivs|CapEff):' /proc/1/status | $BB sed 's/^/NR-/'; echo NR-DONE"
new_container "$N" "$ids_body" "lxc.init.uid = 1000
lxc.init.gid = 1001
lxc.init.groups = 20,30
lxc.no_new_privs = 1" >"$T/$N.create"
is "$(err_name "$(cat "$T/$N.create")")" OK "CreateContainer $N (lxc.init.uid 1000, gid 1001, groups 20,30, no_new_privs)"
is "$(err_name "$(start_container "$N")")" OK "Start $N"
check "init reported its identity" wait_for console_has "$N" NR-DONE
read_console "$N" | tr -d '\r' >"$T/$N.console"
like "$(grep '^NR-Uid:' "$T/$N.console")" $'^NR-Uid:\t1000\t1000\t1000\t1000$' "init runs as uid 1000"
like "$(grep '^NR-Gid:' "$T/$N.console")" $'^NR-Gid:\t1001\t1001\t1001\t1001$' "… gid 1001"
like "$(grep '^NR-Groups:' "$T/$N.console")" $'^NR-Groups:\t20 30 ?$' "… supplementary groups 20 30"
like "$(grep '^NR-NoNewPrivs:' "$T/$N.console")" $'^NR-NoNewPrivs:\t1$' "… with no_new_privs set"
like "$(grep '^NR-CapEff:' "$T/$N.console")" $'^NR-CapEff:\t0+$' "… and no effective capabilities"
is "$(err_name "$(icall stop "$N")")" OK "Stop $N"

for n in "$U" "$D" "$K" "$N"; do
        is "$(err_name "$(icall destroy "$n")")" OK "DestroyContainer $n"
done
check_leftovers "$U" "$D" "$K" "$N"
done_testing
