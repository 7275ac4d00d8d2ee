#!/bin/bash
# Run the sandboxed integration scripts directly (without meson), e.g. while developing:
#   sudo tests/integration/run-all.sh [lifecycle polkit ...]
# BERTH_BUILD_DIR picks the build tree (default: <repo>/build). Prints each script's failures and a
# "N passed, N failed" summary of the TAP results.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export BERTH_BUILD_DIR=${BERTH_BUILD_DIR:-$(cd "$here/../.." && pwd)/build}
tests=("$@")
((${#tests[@]})) || tests=(lifecycle polkit bad-input restart leftovers reboot shutdown freeze console identity tty mount unprivileged)
passed=0 failed=0 rc=0
for t in "${tests[@]}"; do
        start=$SECONDS
        out=$(bash "$here/${t%.sh}.sh" 2>&1)
        status=$?
        p=$(grep -c '^ok ' <<<"$out")
        f=$(grep -c '^not ok ' <<<"$out")
        if grep -q '^Bail out!' <<<"$out"; then f=$((f + 1)); fi
        passed=$((passed + p)) failed=$((failed + f))
        printf '%-12s %3d ok %3d not ok  %3ds' "$t" "$p" "$f" $((SECONDS - start))
        # a whole script skipped (TAP "1..0 # SKIP reason"): say why
        sed -n 's/^1\.\.0 # SKIP \(.*\)/  (skipped: \1)/p' <<<"$out" | tr -d '\n'
        echo
        if ((f > 0 || status != 0)); then
                rc=1
                grep -A6 '^not ok \|^Bail out!' <<<"$out" | sed 's/^/    /'
        fi
done
echo "$passed passed, $failed failed"
exit $rc
