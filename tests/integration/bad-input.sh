#!/bin/bash
# Hostile names and broken configs get precise errors and create nothing on disk.
source "$(dirname "$0")/lib/sandbox.sh"
sandbox_init "$@"
sandbox_start

C=bad-$RUN_ID
IA=org.freedesktop.DBus.Error.InvalidArgs
make_rootfs "$T/rootfs/good"
container_config "$C" "$T/rootfs/good" >"$T/good.conf"

snapshot() { find "$BERTH_ROOT_DIR" -mindepth 1 2>/dev/null | sort; }
before=$(snapshot)

# ---- hostile names ----
long=$(printf 'a%.0s' $(seq 65))
for name in "../x" "a/b" "" "$long" "-x" ".x" "_x" "ünï" "x y" "x\$y" "." ".." "x:y" $'x\ny'; do
        out=$(icall create "$name" "$T/good.conf")
        is "$(err_name "$out")" "$IA" "CreateContainer refuses the name $(printf %q "$name")"
done
ok64=$(printf 'a%.0s' $(seq 63))z
out=$(icall create "$ok64" "$T/good.conf")
is "$(err_name "$out")" OK "a 64-character name is fine"
[[ $out == OK* ]] && icall destroy "$ok64" >/dev/null
before=$(snapshot)
out=$(icall get "../../etc")
like "$(err_name "$out")" "^($IA|org.berth1.Error.NoSuchContainer)\$" "GetContainer('../../etc') is refused"
is "$(snapshot)" "$before" "hostile names created nothing under the root"

# ---- broken configs ----
cat >"$T/broken.conf" <<EOF
# line 1
lxc.uts.name = $C
lxc.rootfs.path = $T/rootfs/good
lxc.utsname.nmae = x
lxc.console.buffer.size = lots
lxc.net.0.type = empty
lxc.tyt.max = 4
EOF
out=$(icall create "$C" "$T/broken.conf")
is "$(err_name "$out")" org.berth1.Error.InvalidConfig "a broken config is InvalidConfig"
msg=${out#*$'\n'}
like "$msg" ':4:' "the message names line 4"
like "$msg" 'lxc\.utsname\.nmae' "… and the bad key"
like "$msg" ':5:' "several errors are reported together (line 5 too)"
like "$msg" 'lxc\.console\.buffer\.size' "… naming lxc.console.buffer.size"
like "$msg" ':7:' "… and line 7"
like "$msg" 'lxc\.tty\.max' "a typo gets the nearest key suggested (lxc.tyt.max → lxc.tty.max)"
is "$(snapshot)" "$before" "a broken config created nothing"

printf 'lxc.uts.name = %s\nthis is not a key value line\n' "$C" >"$T/syntax.conf"
out=$(icall create "$C" "$T/syntax.conf")
is "$(err_name "$out")" org.berth1.Error.InvalidConfig "a line without '=' is InvalidConfig"
like "${out#*$'\n'}" ':2:' "… with its line number"

printf 'lxc.uts.name = %s\nlxc.apparmor.profile = unconfined\n' "$C" >"$T/unimpl.conf"
out=$(icall create "$C" "$T/unimpl.conf")
is "$(err_name "$out")" org.berth1.Error.InvalidConfig "a real LXC key berth lacks is InvalidConfig"
like "${out#*$'\n'}" 'does not implement lxc\.apparmor\.profile' "… saying berth does not implement it yet"
is "$(snapshot)" "$before" "still nothing created"

# ---- state errors ----
out=$(icall create "$C" "$T/good.conf")
is "$(err_name "$out")" OK "a good config is accepted"
out=$(icall create "$C" "$T/good.conf")
is "$(err_name "$out")" org.berth1.Error.ContainerExists "create twice → ContainerExists"
out=$(icall start "$C")
is "$(err_name "$out")" OK "start $C"
out=$(icall destroy "$C")
is "$(err_name "$out")" org.berth1.Error.Busy "destroy while running → Busy"
is "$(get_state "$C")" RUNNING "… and it keeps running"
out=$(icall stop "$C")
is "$(err_name "$out")" OK "stop $C"
out=$(icall stop "$C")
is "$(err_name "$out")" org.berth1.Error.NotRunning "stop when stopped → NotRunning"
out=$(icall start "nosuch-$RUN_ID")
is "$(err_name "$out")" org.berth1.Error.NoSuchContainer "start of an unknown container → NoSuchContainer"
out=$(icall destroy "nosuch-$RUN_ID")
is "$(err_name "$out")" org.berth1.Error.NoSuchContainer "destroy of an unknown container → NoSuchContainer"
out=$(icall call-path "/org/berth1/container/nosuch_2d$RUN_ID" Start)
like "$(err_name "$out")" '^(org.freedesktop.DBus.Error.UnknownObject|org.berth1.Error.NoSuchContainer)$' \
        "Start on the path of an unknown container is refused"
out=$(icall destroy "$C")
is "$(err_name "$out")" OK "destroy $C"
check "the definition is gone" test ! -e "$BERTH_ROOT_DIR/containers/$C"

check_leftovers "$C"
done_testing
