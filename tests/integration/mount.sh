#!/bin/bash
# Container.Mount / Umount (issue 4) through berthd into running containers: file and directory binds,
# tmpfs with data, devtmpfs, read-only binds, recursive binds, created and existing targets, a type
# mismatch, symlinks pointing out of the root, errors (missing source, non-mountpoint, NotRunning,
# InvalidArgs), an idmapped container with and without {idmap: true}, and polkit: an unprivileged caller
# is refused, a rule allowing exactly one source/target pair works for that pair only.
# The container's view is read from the host through /proc/<InitPid>/{mountinfo,root}.
source "$(dirname "$0")/lib/sandbox.sh"
sandbox_init "$@"
sandbox_start

M=mnt-$RUN_ID
U=mntid-$RUN_ID
IAR=org.freedesktop.DBus.Error.InteractiveAuthorizationRequired
MS_RDONLY=1 MS_NOSUID=2 MS_NODEV=4 MS_NOEXEC=8 MS_MOVE=8192 MS_BIND=4096 MS_REC=16384
MNT_DETACH=2

# mounted PID PATH: is PATH a mount point in PID's mount namespace? (mountinfo field 5)
mounted() { awk -v p="$2" '$5 == p { f = 1 } END { exit !f }' "/proc/$1/mountinfo" 2>/dev/null; }
minfo() { awk -v p="$2" '$5 == p' "/proc/$1/mountinfo" 2>/dev/null | tail -n1; }
nmounts() { wc -l <"/proc/$1/mountinfo"; }
mnt() { icall mount "$@"; }        # NAME SOURCE TARGET FSTYPE FLAGS DATA [idmap]
umnt() { icall umount "$@"; }      # NAME TARGET FLAGS

# ---- host sources ----
S=$T/src
mkdir -p "$S/dir" "$S/rec/sub" "$S/ro" "$S/idsrc" "$S/allowed" "$S/other"
echo "host-file-$RUN_ID" >"$S/file"
echo "inner-$RUN_ID" >"$S/dir/inner"
echo "ro-$RUN_ID" >"$S/ro/inner"
echo "id-$RUN_ID" >"$S/idsrc/inner"
echo allowed >"$S/allowed/inner"
echo other >"$S/other/inner"
mount -t tmpfs -o size=1m tmpfs "$S/rec/sub" && echo "sub-$RUN_ID" >"$S/rec/sub/subfile"
host_mounts_before=$(awk '{print $5}' /proc/self/mountinfo | sort)

# Setup; its results are reported with the first call's below.
c1=$(new_container "$M")
mkdir -p "$T/rootfs/$M/mnt" "$T/rootfs/$M/srv"
echo "container-content" >"$T/rootfs/$M/etc/existing"
s1=$(start_container "$M")
pid=$(get_init_pid "$M")
R=/proc/$pid/root
base=$(nmounts "$pid")
out=$(mnt "$M" "$S/file" /mnt/file "" $MS_BIND "")

is "$(err_name "$c1")" OK "CreateContainer $M"
is "$(err_name "$s1")" OK "Start $M"

# ---- file bind ----
is "$out" OK "Mount a host file (bind) onto /mnt/file, a missing target"
check "/mnt/file is in the container's mountinfo" mounted "$pid" /mnt/file
is "$(cat "$R/mnt/file" 2>&1)" "host-file-$RUN_ID" "the host file's content is visible in the container"
is "$(nmounts "$pid")" $((base + 1)) "exactly one mount added (no staging mount)"
is "$(umnt "$M" /mnt/file 0)" OK "Umount /mnt/file"
check "/mnt/file is gone from mountinfo" not mounted "$pid" /mnt/file
isnt "$(cat "$R/mnt/file" 2>&1)" "host-file-$RUN_ID" "the host content is no longer visible"

# ---- directory bind ----
is "$(mnt "$M" "$S/dir" /srv/dir "" $MS_BIND "")" OK "Mount a host directory (bind) onto /srv/dir"
check "/srv/dir is in the container's mountinfo" mounted "$pid" /srv/dir
is "$(cat "$R/srv/dir/inner" 2>&1)" "inner-$RUN_ID" "the directory's content is visible"
is "$(umnt "$M" /srv/dir 0)" OK "Umount /srv/dir"
check "/srv/dir is gone from mountinfo and its content with it" eval "! mounted $pid /srv/dir && test ! -e $R/srv/dir/inner"

# ---- tmpfs with data ----
is "$(mnt "$M" "" /run/scratch tmpfs $MS_NOSUID "size=1m,mode=0710")" OK "Mount tmpfs size=1m,mode=0710 on /run/scratch"
like "$(minfo "$pid" /run/scratch)" ' - tmpfs ' "mountinfo shows a tmpfs at /run/scratch"
like "$(minfo "$pid" /run/scratch)" '[ ,]nosuid[ ,]' "… nosuid"
is "$(stat -f -c '%b %S' "$R/run/scratch" 2>&1 | awk '{print $1 * $2}')" 1048576 \
        "its size is 1 MiB (size=1m)"
is "$(stat -c %a "$R/run/scratch" 2>&1)" 710 "its root has mode 0710 (mode=0710)"
is "$(umnt "$M" /run/scratch 0)" OK "Umount /run/scratch"
check "/run/scratch is gone from mountinfo" not mounted "$pid" /run/scratch

# ---- devtmpfs ----
is "$(mnt "$M" "" /mnt/devtmpfs devtmpfs 0 "")" OK "Mount devtmpfs on /mnt/devtmpfs"
like "$(minfo "$pid" /mnt/devtmpfs)" ' - devtmpfs ' "mountinfo shows a devtmpfs"
check "it has a null character device" test -c "$R/mnt/devtmpfs/null"
is "$(umnt "$M" /mnt/devtmpfs 0)" OK "Umount /mnt/devtmpfs"

# ---- read-only bind ----
is "$(mnt "$M" "$S/ro" /mnt/ro "" $((MS_BIND | MS_RDONLY | MS_NOEXEC)) "")" OK "Mount a read-only bind (MS_BIND|MS_RDONLY|MS_NOEXEC)"
like "$(minfo "$pid" /mnt/ro)" '^[^ ]+ [^ ]+ [^ ]+ [^ ]+ /mnt/ro ro[, ]' "mountinfo says ro at once"
like "$(minfo "$pid" /mnt/ro)" '[ ,]noexec[ ,]' "… and noexec"
out=$(touch "$R/mnt/ro/new" 2>&1)
like "$out" 'Read-only file system' "writing inside the read-only bind fails with EROFS"
check "the host's source stays writable" touch "$S/ro/host-write"
is "$(umnt "$M" /mnt/ro 0)" OK "Umount /mnt/ro"

# ---- recursive bind keeps a submount ----
is "$(mnt "$M" "$S/rec" /mnt/rec "" $((MS_BIND | MS_REC)) "")" OK "Mount a recursive bind (MS_BIND|MS_REC) of a tree with a submount"
check "the submount is in the container's mountinfo (/mnt/rec/sub)" mounted "$pid" /mnt/rec/sub
is "$(cat "$R/mnt/rec/sub/subfile" 2>&1)" "sub-$RUN_ID" "the submount's content is visible"
is "$(mnt "$M" "$S/rec" /mnt/norec "" $MS_BIND "")" OK "a non-recursive bind of the same tree"
check "… does not carry the submount" eval "! mounted $pid /mnt/norec/sub && test ! -e $R/mnt/norec/sub/subfile"
is "$(umnt "$M" /mnt/norec 0)" OK "Umount /mnt/norec"
is "$(umnt "$M" /mnt/rec $MNT_DETACH)" OK "Umount /mnt/rec with MNT_DETACH"
check "the whole tree is gone" eval "! mounted $pid /mnt/rec && ! mounted $pid /mnt/rec/sub"

# ---- target inside a missing parent ----
is "$(mnt "$M" "$S/dir" /opt/a/b/c "" $MS_BIND "")" OK "Mount onto /opt/a/b/c (missing parents)"
is "$(cat "$R/opt/a/b/c/inner" 2>&1)" "inner-$RUN_ID" "mounted there"
is "$(stat -c %F:%a "$T/rootfs/$M/opt/a" 2>&1)" directory:755 "the parents were created as 0755 directories"
is "$(umnt "$M" /opt/a/b/c 0)" OK "Umount /opt/a/b/c"

# ---- existing file target ----
is "$(mnt "$M" "$S/file" /etc/existing "" $MS_BIND "")" OK "Mount a file bind over an existing file"
is "$(cat "$R/etc/existing" 2>&1)" "host-file-$RUN_ID" "the host content shows over it"
is "$(umnt "$M" /etc/existing 0)" OK "Umount /etc/existing"
is "$(cat "$T/rootfs/$M/etc/existing" 2>&1)" container-content "the existing file keeps its content after umount"

# ---- type mismatch ----
out=$(mnt "$M" "$S/dir" /etc/existing "" $MS_BIND "")
isnt "$(err_name "$out")" OK "a directory onto an existing file is an error ($(tail -n1 <<<"$out"))"
is "$(cat "$T/rootfs/$M/etc/existing" 2>&1)" container-content "… the file is untouched"
check "… and nothing is mounted there" not mounted "$pid" /etc/existing
out=$(mnt "$M" "$S/file" /srv "" $MS_BIND "")
isnt "$(err_name "$out")" OK "a file onto an existing directory is an error"
check "… /srv is still a directory, not mounted" eval "test -d $T/rootfs/$M/srv && ! mounted $pid /srv"

# ---- symlinks pointing out of the root never reach the host ----
ln -s /../../../etc "$T/rootfs/$M/mnt/evil"
ln -s ../../../../../../etc "$T/rootfs/$M/mnt/evil-rel"
for link in evil evil-rel; do
        x=berth-x-$link-$RUN_ID
        out=$(mnt "$M" "$S/dir" "/mnt/$link/$x" "" $MS_BIND "")
        check "/mnt/$link -> (out of the root): nothing created in the host's /etc" test ! -e "/etc/$x"
        check "… nothing mounted on the host" not mounted self "/etc/$x"
        if [[ $(err_name "$out") == OK ]]; then
                # the library resolves the symlink inside the container's root (RESOLVE_IN_ROOT)
                check "… the mount landed inside the container (its /etc/$x)" mounted "$pid" "/etc/$x"
                is "$(cat "$R/etc/$x/inner" 2>&1)" "inner-$RUN_ID" "… with the content"
                is "$(umnt "$M" "/etc/$x" 0)" OK "… Umount it"
        else
                check "… refused ($(tail -n1 <<<"$out")): nothing mounted in the container" not mounted "$pid" "/etc/$x"
        fi
done
is "$(awk '{print $5}' /proc/self/mountinfo | sort)" "$host_mounts_before" "the host's (sandbox's) mount table is unchanged"

# ---- errors ----
out=$(mnt "$M" "$S/no-such-source" /mnt/never "" $MS_BIND "")
is "$(err_name "$out")" org.freedesktop.DBus.Error.FileNotFound "a missing source is FileNotFound"
like "$out" no-such-source "… the message names it"
check "… no target created" test ! -e "$T/rootfs/$M/mnt/never"
out=$(umnt "$M" /etc 0)
is "$(err_name "$out")" org.freedesktop.DBus.Error.InvalidArgs "Umount of a non-mountpoint is InvalidArgs"
like "$out" 'not a mount point' "… saying it is not a mount point"
out=$(umnt "$M" /mnt/nonexistent 0)
isnt "$(err_name "$out")" OK "Umount of a missing path is an error"
out=$(mnt "$M" "$S/dir" /mnt/move "" $((MS_BIND | MS_MOVE)) "")
is "$(err_name "$out")" org.freedesktop.DBus.Error.InvalidArgs "MS_MOVE is InvalidArgs"
like "$out" MS_MOVE "… naming MS_MOVE"
out=$(mnt "$M" "$S/dir" relative/target "" $MS_BIND "")
is "$(err_name "$out")" org.freedesktop.DBus.Error.InvalidArgs "a relative target is InvalidArgs"
# The source is opened exactly as polkit saw it: no walking up with "..", no symlinks followed.
out=$(mnt "$M" "$S/dir/../dir" /mnt/dotdot "" $MS_BIND "")
is "$(err_name "$out")" org.freedesktop.DBus.Error.InvalidArgs "a source with .. is InvalidArgs"
like "$out" normalised "… asking for a normalised path"
ln -s "$S/dir" "$S/dir-link"
out=$(mnt "$M" "$S/dir-link" /mnt/vialink "" $MS_BIND "")
is "$(err_name "$out")" org.freedesktop.DBus.Error.InvalidArgs "a source through a symlink is InvalidArgs"
like "$out" "symbolic link" "… saying why"
check "… nothing created for it" test ! -e "$T/rootfs/$M/mnt/vialink"
is "$(nmounts "$pid")" "$base" "the container's mount count is back where it started"

# ---- polkit: an unprivileged caller, and a rule allowing one source/target pair ----
out=$(as_user "$T2_USER" "$T/bin/itest-call" mount "$M" "$S/dir" /mnt/user "" $MS_BIND "")
is "$(err_name "$out")" "$IAR" "an unprivileged Mount is refused (InteractiveAuthorizationRequired)"
out=$(as_user "$T2_USER" "$T/bin/itest-call" umount "$M" /etc 0)
is "$(err_name "$out")" "$IAR" "an unprivileged Umount is refused"
check "nothing was mounted for the refused caller" not mounted "$pid" /mnt/user

polkit_rule 50-berth-itest-mount.rules <<EOF
polkit.addRule(function(action, subject) {
    if (action.id != "org.berth1.mount" || subject.user != "$T1_USER" || action.lookup("container") != "$M")
        return polkit.Result.NOT_HANDLED;
    if (action.lookup("verb") == "mount" && action.lookup("source") == "$S/allowed" &&
        action.lookup("target") == "/mnt/allowed")
        return polkit.Result.YES;
    if (action.lookup("verb") == "umount" && action.lookup("target") == "/mnt/allowed")
        return polkit.Result.YES;
    return polkit.Result.NOT_HANDLED;
});
EOF
check "polkitd loaded the mount rule" wait_for -t 15 pk_allowed_details "$T1_USER" org.berth1.mount \
        container "$M" verb mount source "$S/allowed" target /mnt/allowed
out=$(as_user "$T1_USER" "$T/bin/itest-call" mount "$M" "$S/allowed" /mnt/allowed "" $MS_BIND "")
is "$out" OK "$T1_USER may mount the allowed source on the allowed target"
is "$(cat "$R/mnt/allowed/inner" 2>&1)" allowed "… and it is there"
out=$(as_user "$T1_USER" "$T/bin/itest-call" mount "$M" "$S/other" /mnt/allowed2 "" $MS_BIND "")
is "$(err_name "$out")" "$IAR" "… but not another source"
out=$(as_user "$T1_USER" "$T/bin/itest-call" mount "$M" "$S/allowed" /mnt/elsewhere "" $MS_BIND "")
is "$(err_name "$out")" "$IAR" "… nor the allowed source on another target"
check "… and neither was mounted" eval "! mounted $pid /mnt/allowed2 && ! mounted $pid /mnt/elsewhere"
out=$(as_user "$T2_USER" "$T/bin/itest-call" mount "$M" "$S/allowed" /mnt/allowed "" $MS_BIND "")
is "$(err_name "$out")" "$IAR" "… nor may another user use the pair"
out=$(as_user "$T1_USER" "$T/bin/itest-call" umount "$M" /mnt/allowed 0)
is "$out" OK "$T1_USER may umount the allowed target"
check "… gone" not mounted "$pid" /mnt/allowed
polkit_clear_rules

# ---- an idmapped (user-namespaced) container ----
make_rootfs "$T/rootfs/$U"
mkdir -p "$T/rootfs/$U/mnt"
chown -hR 100000:100000 "$T/rootfs/$U"
container_config "$U" "$T/rootfs/$U" "lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 100000 65536" >"$T/$U.conf"
is "$(err_name "$(icall create "$U" "$T/$U.conf")")" OK "CreateContainer $U (lxc.idmap 0 100000 65536)"
is "$(err_name "$(start_container "$U")")" OK "Start $U"
upid=$(get_init_pid "$U")
# ids as seen inside: busybox stat in the container's user + mount namespace
inside_uid() { nsenter -t "$upid" -U -m -- /bin/busybox stat -c %u "$1" 2>&1; }
is "$(mnt "$U" "$S/idsrc" /mnt/plain "" $MS_BIND "")" OK "Mount a bind into the idmapped container without idmap"
is "$(cat "/proc/$upid/root/mnt/plain/inner" 2>&1)" "id-$RUN_ID" "its content is visible"
is "$(stat -c %u "$T/rootfs/$U/mnt/plain" 2>&1)" 100000 "the created mountpoint belongs to the container's root (100000)"
is "$(inside_uid /mnt/plain/inner)" 65534 "without idmap, the host's root-owned file is nobody (65534) inside"
is "$(mnt "$U" "$S/idsrc" /mnt/mapped "" $MS_BIND "" idmap)" OK "Mount the same source with {idmap: true}"
like "$(minfo "$upid" /mnt/mapped)" '[ ,]idmapped[ ,]' "mountinfo says idmapped"
is "$(inside_uid /mnt/mapped/inner)" 0 "with idmap, the host's root-owned file is root (0) inside"
is "$(stat -c %u "/proc/$upid/root/mnt/mapped/inner" 2>&1)" 100000 "… and 100000 through the idmapped mount from the host"
is "$(stat -c %u "$S/idsrc/inner")" 0 "the source itself still belongs to root on the host"
is "$(umnt "$U" /mnt/mapped 0)" OK "Umount /mnt/mapped"
is "$(umnt "$U" /mnt/plain 0)" OK "Umount /mnt/plain"

# ---- stopped ----
is "$(err_name "$(icall stop "$M")")" OK "Stop $M"
out=$(mnt "$M" "$S/dir" /mnt/x "" $MS_BIND "")
is "$(err_name "$out")" org.berth1.Error.NotRunning "Mount into a stopped container is NotRunning"
out=$(umnt "$M" /mnt/x 0)
is "$(err_name "$out")" org.berth1.Error.NotRunning "Umount in a stopped container is NotRunning"

for n in "$M" "$U"; do
        state_is "$n" STOPPED || icall stop "$n" >/dev/null
        icall destroy "$n" >/dev/null
done
umount "$S/rec/sub" 2>/dev/null
check_leftovers "$M" "$U"
done_testing
