# shellcheck shell=bash
# The integration sandbox, sourced by every tests/integration/*.sh script (and the demo).
#
#   source "$(dirname "$0")/lib/sandbox.sh"
#   sandbox_init "$@"       # root check; re-exec in a private mount + network namespace
#   sandbox_start           # temp dir, test users, polkit actions/rules, private system bus, polkitd, berthd
#
# Everything the sandbox changes is private to the test's mount namespace (bind mounts over /etc/passwd,
# /etc/group, /usr/share/polkit-1/actions and /etc/polkit-1/rules.d) or lives in the temp dir, so the
# host's users, polkit configuration, links and system bus are never touched. The EXIT trap stops
# containers, kills (by pid) every process the test started, removes its cgroups and deletes the temp dir.

set -uo pipefail

SANDBOX_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
SANDBOX_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BERTH_BUILD_DIR=${BERTH_BUILD_DIR:-$SANDBOX_REPO/build}
POLKITD=${POLKITD:-/usr/lib/polkit-1/polkitd}
# The distribution's python3 (a pyenv shim or similar wrapper in PATH can cost a second per call).
PYTHON3=/usr/bin/python3
[[ -x $PYTHON3 ]] || PYTHON3=python3

# Test users (uids outside the usual ranges; they exist only inside the sandbox's mount namespace).
T1_USER=berth-t1 T1_UID=61001
T2_USER=berth-t2 T2_UID=61002
OPS_GROUP=berth-ops OPS_GID=61010

# A suffix that makes container names unique per run.
RUN_ID=$(printf '%04x%04x' $RANDOM $RANDOM)

# ---- TAP ----

_tap_n=0
_tap_failed=0
_tap_diag() { sed 's/^/# /' >&2; }
diag() { printf '%s\n' "$*" | _tap_diag; }
ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1)); echo "not ok $_tap_n - $*"; }
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $*"; }
# check DESC CMD...: ok if CMD succeeds
check() {
        local desc=$1
        shift
        if "$@"; then ok "$desc"; else not_ok "$desc"; diag "command failed: $*"; fi
}
# not CMD...: negate CMD (for check, which runs its arguments as a command: `check DESC not CMD...`)
not() { ! "$@"; }
is() { # is GOT EXPECTED DESC
        if [[ $1 == "$2" ]]; then
                ok "$3"
        else
                not_ok "$3"
                diag "got:      '${1:0:2000}'"
                diag "expected: '$2'"
        fi
}
isnt() {
        if [[ $1 != "$2" ]]; then ok "$3"; else not_ok "$3"; diag "got '$1', expected anything else"; fi
}
like() { # like GOT ERE DESC
        if [[ $1 =~ $2 ]]; then
                ok "$3"
        else
                not_ok "$3"
                diag "got:      '${1:0:2000}'"
                diag "expected to match: $2"
        fi
}
unlike() {
        if [[ ! $1 =~ $2 ]]; then ok "$3"; else not_ok "$3"; diag "got '${1:0:2000}', must not match $2"; fi
}
done_testing() {
        echo "1..$_tap_n"
        ((_tap_failed == 0))
}
bail_out() {
        echo "Bail out! $*"
        exit 1
}

# wait_for [-t SECONDS] CMD...: poll CMD (every 50 ms) until it succeeds; fails after the timeout (10 s).
wait_for() {
        local timeout=10
        if [[ ${1:-} == -t ]]; then timeout=$2; shift 2; fi
        local deadline=$((SECONDS + timeout)) i=0
        while ! "$@"; do
                if ((SECONDS >= deadline)); then return 1; fi
                i=$((i + 1))
                if ((i < 20)); then sleep 0.05; else sleep 0.2; fi
        done
        return 0
}

# ---- namespace entry ----

sandbox_init() {
        if ((EUID != 0)); then
                echo "1..0 # SKIP integration tests need root (own mount/net namespace, real polkitd, containers)"
                exit 0
        fi
        if [[ -z ${BERTH_SANDBOX_INSIDE:-} ]]; then
                export BERTH_SANDBOX_INSIDE=1 BERTH_BUILD_DIR
                exec unshare -m -n --propagation private -- bash "$0" "$@"
        fi
        if [[ $(readlink /proc/self/ns/mnt) == $(readlink /proc/1/ns/mnt) ]]; then
                bail_out "BERTH_SANDBOX_INSIDE is set but this is not a private mount namespace"
        fi
        local b
        for b in berthd berthctl berth-monitor; do
                [[ -x $BERTH_BUILD_DIR/$b ]] || bail_out "$BERTH_BUILD_DIR/$b is not built"
        done
}

# ---- setup ----

SANDBOX_PIDS=()      # every background process we started, killed by pid at exit
CGROUP2_ROOT=""
BERTHD_PID=""
POLKITD_PID=""
DBUS_PID=""

_cgroup2_root() {
        if [[ $(stat -f -c %T /sys/fs/cgroup 2>/dev/null) == cgroup2fs ]]; then
                echo /sys/fs/cgroup
        elif [[ $(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]]; then
                echo /sys/fs/cgroup/unified
        fi
}

# sandbox_start [--no-berthd]
sandbox_start() {
        local with_berthd=1
        [[ ${1:-} == --no-berthd ]] && with_berthd=0

        T=$(mktemp -d -t berth-itest.XXXXXX) || bail_out "mktemp failed"
        chmod 0755 "$T"
        trap sandbox_cleanup EXIT
        # Interrupted (meson's timeout sends SIGTERM to the process group and SIGKILL 0.5 s later): the
        # cleanup must kill the detached berth-monitors first, with no polite Stop calls or waits before.
        trap '_SANDBOX_SIGNALLED=1; exit 130' INT TERM
        BERTH_ROOT_DIR=$T/root
        mkdir -p "$T/bin" "$T/etc" "$T/bus/system.d" "$T/polkit-actions" "$T/rules.d" "$BERTH_ROOT_DIR" "$T/logs"
        CGROUP2_ROOT=$(_cgroup2_root)

        ip link set lo up || bail_out "ip link set lo up failed"

        # Unprivileged callers must be able to run the client: copy it where they can reach it.
        install -m 0755 "$BERTH_BUILD_DIR/berthctl" "$T/bin/berthctl"
        install -m 0755 "$BERTH_BUILD_DIR/tests/integration/itest-call" "$T/bin/itest-call" ||
                bail_out "tests/integration/itest-call is not built"

        _setup_users
        _setup_polkit_files
        _start_bus
        _start_polkitd
        if ((with_berthd)); then start_berthd || bail_out "berthd did not come up (log above)"; fi
}

_setup_users() {
        local f
        for f in passwd group shadow gshadow; do
                [[ -e /etc/$f ]] || continue
                cp -a "/etc/$f" "$T/etc/$f"
        done
        cat >>"$T/etc/passwd" <<EOF
$T1_USER:x:$T1_UID:$T1_UID:berth test user 1:/nonexistent:/bin/sh
$T2_USER:x:$T2_UID:$T2_UID:berth test user 2:/nonexistent:/bin/sh
berth-demo:x:61003:61003:berth demo user:/nonexistent:/bin/sh
EOF
        cat >>"$T/etc/group" <<EOF
$T1_USER:x:$T1_UID:
$T2_USER:x:$T2_UID:
berth-demo:x:61003:
$OPS_GROUP:x:$OPS_GID:$T1_USER
EOF
        if [[ -e $T/etc/shadow ]]; then
                printf '%s:!:19000::::::\n' "$T1_USER" "$T2_USER" berth-demo >>"$T/etc/shadow"
        fi
        if [[ -e $T/etc/gshadow ]]; then
                printf '%s:!::\n' "$T1_USER" "$T2_USER" berth-demo >>"$T/etc/gshadow"
                printf '%s:!::%s\n' "$OPS_GROUP" "$T1_USER" >>"$T/etc/gshadow"
        fi
        for f in passwd group shadow gshadow; do
                [[ -e $T/etc/$f ]] || continue
                mount --bind "$T/etc/$f" "/etc/$f" || bail_out "bind-mount /etc/$f failed"
        done
        getent passwd "$T1_USER" >/dev/null || bail_out "test user $T1_USER does not resolve"
}

_setup_polkit_files() {
        cp -a /usr/share/polkit-1/actions/. "$T/polkit-actions/" 2>/dev/null || true
        if [[ -f $SANDBOX_REPO/polkit/org.berth1.policy ]]; then
                install -m 0644 "$SANDBOX_REPO/polkit/org.berth1.policy" "$T/polkit-actions/"
        else
                diag "polkit/org.berth1.policy is missing: every berth action will be unknown to polkitd"
        fi
        chmod 0755 "$T/polkit-actions" "$T/rules.d"
        mkdir -p /usr/share/polkit-1/actions /etc/polkit-1/rules.d
        mount --bind "$T/polkit-actions" /usr/share/polkit-1/actions || bail_out "bind actions failed"
        mount --bind "$T/rules.d" /etc/polkit-1/rules.d || bail_out "bind rules.d failed"
}

_start_bus() {
        chmod 0755 "$T/bus"
        sed "s|@DIR@|$T|g" "$SANDBOX_LIB/../data/system.conf.in" >"$T/bus/system.conf"
        if [[ -f $SANDBOX_REPO/dbus/org.berth1.conf ]]; then
                cp "$SANDBOX_REPO/dbus/org.berth1.conf" "$T/bus/system.d/"
        else
                diag "dbus/org.berth1.conf is missing: berthd will not be allowed to own org.berth1"
        fi
        if [[ -f /usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf ]]; then
                cp /usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf "$T/bus/system.d/"
        fi
        local fifo=$T/bus/addr
        dbus-daemon --nofork --print-address=3 --config-file="$T/bus/system.conf" \
                3>"$fifo" </dev/null >"$T/logs/dbus.log" 2>&1 &
        DBUS_PID=$!
        SANDBOX_PIDS+=("$DBUS_PID")
        wait_for test -s "$fifo" || bail_out "dbus-daemon did not start: $(cat "$T/logs/dbus.log")"
        export DBUS_SYSTEM_BUS_ADDRESS
        DBUS_SYSTEM_BUS_ADDRESS=$(head -n1 "$fifo")
        wait_for test -S "$T/bus/system_bus_socket" || bail_out "no bus socket"
        chmod 0777 "$T/bus/system_bus_socket"
}

name_has_owner() {
        [[ $(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
                NameHasOwner s "$1" 2>/dev/null) == "b true" ]]
}

_start_polkitd() {
        [[ -x $POLKITD ]] || bail_out "$POLKITD not found (Debian package polkitd)"
        "$POLKITD" --no-debug </dev/null >"$T/logs/polkitd.log" 2>&1 &
        POLKITD_PID=$!
        SANDBOX_PIDS+=("$POLKITD_PID")
        wait_for name_has_owner org.freedesktop.PolicyKit1 ||
                bail_out "polkitd did not get its name: $(tail -n 20 "$T/logs/polkitd.log")"
}

# start_berthd: (re)start the daemon on the temp root and wait until it owns org.berth1.
start_berthd() {
        "$BERTH_BUILD_DIR/berthd" --root "$BERTH_ROOT_DIR" </dev/null >>"$T/logs/berthd.log" 2>&1 &
        BERTHD_PID=$!
        SANDBOX_PIDS+=("$BERTHD_PID")
        if ! wait_for name_has_owner org.berth1; then
                diag "berthd log:"
                tail -n 30 "$T/logs/berthd.log" | _tap_diag
                return 1
        fi
}

# kill_berthd [SIGNAL]: signal berthd (default KILL) and wait for it to be gone.
kill_berthd() {
        [[ -n $BERTHD_PID ]] || return 0
        kill -"${1:-KILL}" "$BERTHD_PID" 2>/dev/null
        wait "$BERTHD_PID" 2>/dev/null
        BERTHD_PID=""
        wait_for -t 5 name_is_free org.berth1
}
name_is_free() { ! name_has_owner "$1"; }

# ---- callers ----

berthctl() { "$T/bin/berthctl" "$@"; }
# icall ARGS...: tests/integration/itest-call (prints "OK ..." or "ERROR <name>\n<message>").
icall() { "$T/bin/itest-call" "$@" </dev/null; }
# err_name OUTPUT: the D-Bus error name from icall's output ("OK" on success).
err_name() { local l=${1%%$'\n'*}; if [[ $l == OK* ]]; then echo OK; else echo "${l#ERROR }"; fi; }
bus() { busctl --system "$@"; }

# as_user USER CMD...: run CMD as USER (uid, gid and supplementary groups from the sandbox's
# /etc/passwd and /etc/group), stdin closed, no capabilities, the private bus address kept.
as_user() {
        local u=$1
        shift
        setpriv --reuid="$u" --regid="$u" --init-groups --inh-caps=-all --bounding-set=-all -- \
                env HOME=/ DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" "$@" </dev/null
}

container_path() { # NAME -> object path (sd_bus_path_encode)
        bus call org.berth1 /org/berth1 org.berth1.Manager GetContainer s "$1" 2>/dev/null |
                sed -n 's/^o "\(.*\)"$/\1/p'
}

get_state() { # NAME -> State property
        local p
        p=$(container_path "$1") || return 1
        [[ -n $p ]] || return 1
        bus get-property org.berth1 "$p" org.berth1.Container State 2>/dev/null | sed -n 's/^s "\(.*\)"$/\1/p'
}

get_init_pid() {
        local p
        p=$(container_path "$1")
        bus get-property org.berth1 "$p" org.berth1.Container InitPid 2>/dev/null | sed -n 's/^u \(.*\)$/\1/p'
}

state_is() { [[ $(get_state "$1") == "$2" ]]; }

# read_console NAME [MAX] [OPTIONS...]: the bytes of ReadConsoleLog on stdout (raw).
# OPTIONS are busctl a{sv} entries, e.g. "clear b true".
read_console() {
        local name=$1 max=${2:-0} p n
        shift 2 2>/dev/null || shift $#
        n=$(($# / 3))
        p=$(container_path "$name")
        bus call --json=short org.berth1 "$p" org.berth1.Container ReadConsoleLog 'ta{sv}' "$max" "$n" "$@" |
                "$PYTHON3" -c 'import json,sys; d=json.load(sys.stdin)["data"][0]; sys.stdout.buffer.write(bytes(d))'
}

# make_rootfs DIR [INIT_BODY]: a minimal busybox rootfs whose /sbin/init runs INIT_BODY (sh) and then
# sleeps; the default body prints a banner. Tests build their own rootfs so they control init's output.
make_rootfs() {
        local d=$1 body=${2:-'echo "itest init $(hostname) ready"'} a
        mkdir -p "$d"/{bin,sbin,etc,proc,sys,dev,tmp,root,run}
        cp /bin/busybox "$d/bin/busybox"
        for a in sh echo printf sleep hostname cat seq true; do ln -sf busybox "$d/bin/$a"; done
        cat >"$d/sbin/init" <<EOF
#!/bin/sh
export PATH=/bin:/sbin
$body
while :; do sleep 1000 & wait \$!; done
EOF
        chmod 0755 "$d/sbin/init" "$d"
}

# container_config NAME ROOTFS [EXTRA_LINES]: LXC-format config text for a busybox rootfs.
container_config() {
        cat <<EOF
# integration test container $1
lxc.uts.name = $1
lxc.rootfs.path = $2
lxc.init.cmd = /sbin/init
lxc.net.0.type = empty
lxc.autodev = 1
lxc.mount.auto = proc sys
lxc.console.buffer.size = 64K
${3:-}
EOF
}

# new_container NAME [INIT_BODY] [EXTRA_LINES]: rootfs + config + CreateContainer as root (icall output
# on stdout; status 0 on success).
new_container() {
        local name=$1 rootfs=$T/rootfs/$1 out
        make_rootfs "$rootfs" "${2:-}"
        container_config "$name" "$rootfs" "${3:-}" >"$T/$name.conf"
        out=$(icall create "$name" "$T/$name.conf")
        echo "$out"
        [[ $out == OK* ]]
}

# start_container NAME: Start as root; icall's output on stdout, status 0 when it replied OK.
start_container() {
        local out
        out=$(icall start "$1")
        echo "$out"
        [[ $out == OK* ]]
}

# console_has NAME ERE: does the console ring of NAME match ERE (grep -E)?
console_has() { read_console "$1" 2>/dev/null | grep -qE -- "$2"; }

# now_ms: wall-clock milliseconds (for "returned within N s" assertions).
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# payload_cgroup PID: the cgroup2 directory (absolute path) PID sits in, or nothing.
payload_cgroup() {
        local cg
        cg=$(sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null)
        [[ -n $cg && -n $CGROUP2_ROOT ]] || return 1
        echo "$CGROUP2_ROOT$cg"
}

# ---- polkit rules ----

# polkit_rule FILE_NAME: write stdin as /etc/polkit-1/rules.d/FILE_NAME (inside the sandbox).
polkit_rule() {
        local f=$T/rules.d/$1
        cat >"$f.tmp"
        chmod 0644 "$f.tmp"
        mv "$f.tmp" "$f"
}
polkit_clear_rules() { rm -f "$T"/rules.d/*.rules; }

# pk_allowed USER ACTION [CONTAINER]: does polkitd authorize USER (a fresh process of theirs)?
# pkcheck runs as root: polkitd accepts details (container=…) only from trusted callers.
pk_allowed() {
        local u=$1 action=$2 c=${3:-} pid rc
        local detail=()
        [[ -n $c ]] && detail=(--detail container "$c")
        # a plain command, not the as_user function: $! must be the user's process, not a root subshell
        setpriv --reuid="$u" --regid="$u" --init-groups -- sleep 30 </dev/null >/dev/null 2>&1 &
        pid=$!
        _pid_owned_by() { [[ $(stat -c %u "/proc/$1" 2>/dev/null) == "$(id -u "$2")" ]]; }
        wait_for -t 5 _pid_owned_by "$pid" "$u" || { kill "$pid" 2>/dev/null; return 4; }
        pkcheck --action-id "$action" --process "$pid" "${detail[@]}" >/dev/null 2>&1
        rc=$?
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return $rc
}
# pk_allowed_details USER ACTION KEY VALUE...: like pk_allowed with arbitrary details (e.g. container,
# source, target for org.berth1.mount).
pk_allowed_details() {
        local u=$1 action=$2 pid rc
        shift 2
        local detail=()
        while (($# >= 2)); do detail+=(--detail "$1" "$2"); shift 2; done
        setpriv --reuid="$u" --regid="$u" --init-groups -- sleep 30 </dev/null >/dev/null 2>&1 &
        pid=$!
        _pid_owned_by() { [[ $(stat -c %u "/proc/$1" 2>/dev/null) == "$(id -u "$2")" ]]; }
        wait_for -t 5 _pid_owned_by "$pid" "$u" || { kill "$pid" 2>/dev/null; return 4; }
        pkcheck --action-id "$action" --process "$pid" "${detail[@]}" >/dev/null 2>&1
        rc=$?
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return $rc
}
# polkit_wait USER ACTION CONTAINER yes|no: poll until polkitd (which reloads rules on inotify) agrees.
polkit_wait() {
        local u=$1 action=$2 c=$3 want=$4
        if [[ $want == yes ]]; then
                wait_for -t 15 pk_allowed "$u" "$action" "$c"
        else
                wait_for -t 15 _pk_denied "$u" "$action" "$c"
        fi
}
_pk_denied() { ! pk_allowed "$@"; }

# ---- signal recording ----

# monitor_start FILE: record every PropertiesChanged / berth Manager signal on the bus as JSON lines.
# Returns once the recorder is provably listening (a probe signal came through).
MONITOR_PID=""
monitor_start() {
        local out=$1
        busctl --system monitor --json=short \
                --match "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'" \
                --match "type='signal',interface='org.berth1.Manager'" \
                --match "type='signal',path='/org/berth1/test/probe'" \
                >"$out" 2>"$out.err" </dev/null &
        MONITOR_PID=$!
        SANDBOX_PIDS+=("$MONITOR_PID")
        local probe=0
        _probe() {
                probe=$((probe + 1))
                busctl --system emit /org/berth1/test/probe org.berth1.Test Probe u "$probe" 2>/dev/null
                grep -q '/org/berth1/test/probe' "$out"
        }
        wait_for -t 10 _probe
}
monitor_stop() {
        [[ -n $MONITOR_PID ]] || return 0
        kill "$MONITOR_PID" 2>/dev/null
        wait "$MONITOR_PID" 2>/dev/null
        MONITOR_PID=""
}
# monitor_states FILE OBJECT_PATH: the State values of PropertiesChanged signals of that object, one per line.
monitor_states() {
        "$PYTHON3" "$SANDBOX_LIB/signals.py" states "$1" "$2"
}
# monitor_signals FILE MEMBER: the first string argument of org.berth1.Manager MEMBER signals.
monitor_manager_signals() {
        "$PYTHON3" "$SANDBOX_LIB/signals.py" manager "$1" "$2"
}

# ---- leftovers ----

# fnv1a32 STRING: lib/cgroup's cgroup_base_name() hash (FNV-1a, 32 bit) of a --root path.
fnv1a32() {
        local LC_ALL=C s=$1 i h=2166136261 c
        for ((i = 0; i < ${#s}; i++)); do
                printf -v c '%d' "'${s:i:1}"
                h=$(((h ^ (c & 255)) * 16777619 & 0xffffffff))
        done
        printf '%08x' "$h"
}

# our_cg_bases: the berth cgroup base of this test's root (berth-<hash of the root>), plus any base a
# process of ours sits in. Never anyone else's: other test runs on the machine have their own bases.
our_cg_bases() {
        [[ -n $CGROUP2_ROOT ]] || return 0
        {
                local b=$CGROUP2_ROOT/berth-$(fnv1a32 "$BERTH_ROOT_DIR")
                [[ -d $b ]] && echo "$b"
                local pid cg
                for pid in $(_pids_in_our_namespaces "$BASHPID"); do
                        cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup" 2>/dev/null)
                        [[ $cg == /berth-*/* ]] || continue
                        cg=${cg#/}
                        echo "$CGROUP2_ROOT/${cg%%/*}"
                done
        } | sort -u
}

# check_leftovers NAME...: TAP assertions that stopped/destroyed containers left nothing behind.
check_leftovers() {
        local mounts cgs procs links n pid cmd
        mounts=$(grep -F "$BERTH_ROOT_DIR" /proc/self/mountinfo || true)
        is "$mounts" "" "no mounts left under the berth root"
        cgs=""
        for n in "$@"; do
                if [[ -n $CGROUP2_ROOT ]]; then
                        cgs+=$(find "$CGROUP2_ROOT" -maxdepth 3 -type d -name "$n" 2>/dev/null)
                fi
        done
        is "$cgs" "" "no cgroups left for $*"
        procs=""
        local argv
        for pid in /proc/[0-9]*; do
                pid=${pid#/proc/}
                mapfile -d '' argv 2>/dev/null <"/proc/$pid/cmdline" || continue
                [[ ${argv[0]:-} == *berth-monitor ]] || continue
                cmd=" ${argv[*]} "
                for n in "$@"; do
                        if [[ $cmd == *" $n "* || $cmd == *"=$n "* ]]; then procs+="$pid:$cmd"$'\n'; fi
                done
        done
        is "$procs" "" "no berth-monitor processes left for $*"
        links=$(ip -o link show | awk -F': ' '{print $2}' | grep -v '^lo$' || true)
        is "$links" "" "no network links left in the sandbox"
        local rt=""
        for n in "$@"; do
                [[ -e $BERTH_ROOT_DIR/run/$n ]] && rt+="$BERTH_ROOT_DIR/run/$n "
        done
        is "$rt" "" "no runtime files left for $*"
}

# ---- cleanup ----

_pids_in_our_namespaces() { # SELF_PID: every other process in our mount or network namespace
        local me_mnt me_net
        me_mnt=$(readlink /proc/$$/ns/mnt)
        me_net=$(readlink /proc/$$/ns/net)
        # -lname takes a glob: escape the brackets of "mnt:[4026…]"
        me_mnt=${me_mnt//[/\\[} me_net=${me_net//[/\\[}
        me_mnt=${me_mnt//]/\\]} me_net=${me_net//]/\\]}
        find /proc/[0-9]*/ns/mnt /proc/[0-9]*/ns/net -maxdepth 0 \( -lname "$me_mnt" -o -lname "$me_net" \) \
                2>/dev/null | cut -d/ -f3 | sort -u | grep -vx -e "$$" -e "$1" -e "$BASHPID"
}

_kill_cgroup_tree() { # DIR: kill every process in DIR and below, then remove the directories
        local d=$1 f pid
        [[ -d $d ]] || return 0
        if [[ -e $d/cgroup.kill ]]; then
                echo 1 >"$d/cgroup.kill" 2>/dev/null
        else
                while read -r f; do
                        while read -r pid; do kill -KILL "$pid" 2>/dev/null; done <"$f"
                done < <(find "$d" -name cgroup.procs 2>/dev/null)
        fi
        local i
        for i in $(seq 50); do
                find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
                [[ -d $d ]] || return 0
                sleep 0.1
        done
}

_all_exited() { # PID...: true when each is gone or a zombie
        local pid st
        for pid in "$@"; do
                st=$(cut -d' ' -f3 2>/dev/null </proc/"$pid"/stat) || continue
                [[ $st == Z ]] || return 1
        done
        return 0
}

_SANDBOX_SIGNALLED=0

# _kill_ours_now: SIGKILL, without waiting, every process this test started and everything else in its
# private namespaces (the detached berth-monitors, which a signal to our process group does not reach).
_kill_ours_now() {
        local pid
        for pid in "${SANDBOX_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
        for pid in $(_pids_in_our_namespaces "$BASHPID"); do kill -KILL "$pid" 2>/dev/null; done
}

sandbox_cleanup() {
        local rc=$?
        trap - EXIT
        set +e
        ((_SANDBOX_SIGNALLED)) && _kill_ours_now
        # 1. Stop containers the polite way while the daemon is up (the C API path through berthd).
        if ((!_SANDBOX_SIGNALLED)) && [[ -n $BERTHD_PID ]] && kill -0 "$BERTHD_PID" 2>/dev/null; then
                local line name
                while read -r name _; do
                        [[ -n $name ]] || continue
                        timeout --foreground 10 busctl --system call org.berth1 "$(container_path "$name")" \
                                org.berth1.Container Stop 'a{sv}' 0 >/dev/null 2>&1
                done < <(busctl --system call --json=short org.berth1 /org/berth1 org.berth1.Manager \
                        ListContainers 'a{sv}' 0 2>/dev/null |
                        "$PYTHON3" -c 'import json,sys
for n,s,p in json.load(sys.stdin)["data"][0]:
    if s != "STOPPED": print(n)' 2>/dev/null)
        fi
        # 2. Kill what we started, by pid (SIGTERM first unless they were killed above).
        local pid
        if ((!_SANDBOX_SIGNALLED)); then
                for pid in "${SANDBOX_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
                wait_for -t 3 _all_exited "${SANDBOX_PIDS[@]}"
                for pid in "${SANDBOX_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
        fi
        for pid in "${SANDBOX_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
        # 3. Container inits and monitors still alive: kill through our own cgroup bases, then anything
        #    else left in our private namespaces (only this test's processes live there).
        local cg
        for cg in $(our_cg_bases); do _kill_cgroup_tree "$cg"; done
        for pid in $(_pids_in_our_namespaces "$BASHPID"); do kill -KILL "$pid" 2>/dev/null; done
        # 4. Unmount anything under the temp dir (deepest first) and delete it, never crossing into
        #    another file system.
        if [[ -n ${T:-} && -d $T ]]; then
                local m
                for m in $(awk -v t="$T" 'index($5, t) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
                        umount -l "$m" 2>/dev/null
                done
                rm -rf --one-file-system "$T"
        fi
        exit "$rc"
}
