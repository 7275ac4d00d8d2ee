/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxc.tty.max: the host pty pairs behind the container's /dev/tty1..N. The monitor allocates them from the
 * host's devpts, as it does the console, and holds both ends for the container's whole life: the slaves
 * are bind-mounted onto /dev/ttyN by spawn (spawn/spawn.h), the masters are the ttys' other end (what
 * LXC's lxc-console -t N attaches to). Holding the slave too means a getty that closes and reopens its
 * tty never hangs up the master. A reboot in place keeps the pairs (it only adds or closes the difference
 * when the re-read configuration changed lxc.tty.max). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "log/log.h"
#include "monitor/monitor.h"
#include "util/fd-util.h"
#include "util/macro.h"
#include "util/pty-util.h"

/* Linux has at most 63 virtual consoles (MAX_NR_CONSOLES), so /dev/tty1..63 are all the names there are;
 * it also keeps one container from draining the host's pty pool (kernel.pty.max). */
#define MONITOR_TTYS_MAX 63U

static void close_tty(Monitor *m, size_t i) {
        m->tty_masters[i] = safe_close(m->tty_masters[i]);
        m->tty_slaves[i] = safe_close(m->tty_slaves[i]);
        m->tty_slave_paths[i] = mfree(m->tty_slave_paths[i]);
}

int monitor_ttys_setup(Monitor *m, char **ret_error) {
        unsigned want = m->config->tty_max;
        int r;

        if (want > MONITOR_TTYS_MAX) {
                if (asprintf(ret_error, "lxc.tty.max = %u is more than berth allows (%u)", want,
                             MONITOR_TTYS_MAX) < 0)
                        *ret_error = NULL;
                return -ERANGE;
        }

        while (m->n_ttys > want)
                close_tty(m, --m->n_ttys);
        if (m->n_ttys == want)
                return 0;

        /* Grow all three arrays to the final size first, so a failed allocation leaves them consistent. */
        int *masters = reallocarray(m->tty_masters, want, sizeof(int));
        if (!masters)
                return -ENOMEM;
        m->tty_masters = masters;
        int *slaves = reallocarray(m->tty_slaves, want, sizeof(int));
        if (!slaves)
                return -ENOMEM;
        m->tty_slaves = slaves;
        char **paths = reallocarray(m->tty_slave_paths, want, sizeof(char *));
        if (!paths)
                return -ENOMEM;
        m->tty_slave_paths = paths;

        while (m->n_ttys < want) {
                size_t i = m->n_ttys;
                r = pty_open_console(&m->tty_masters[i], &m->tty_slaves[i], &m->tty_slave_paths[i]);
                if (r < 0) {
                        if (asprintf(ret_error, "failed to allocate a pty for /dev/tty%zu: %s", i + 1,
                                     strerror(-r)) < 0)
                                *ret_error = NULL;
                        return log_error_errno(r, "Failed to allocate a pty for /dev/tty%zu: %m", i + 1);
                }
                m->n_ttys++;
                log_debug("/dev/tty%zu is %s", m->n_ttys, m->tty_slave_paths[i]);
        }
        return 0;
}

void monitor_ttys_done(Monitor *m) {
        while (m->n_ttys > 0)
                close_tty(m, --m->n_ttys);
        m->tty_masters = mfree(m->tty_masters);
        m->tty_slaves = mfree(m->tty_slaves);
        m->tty_slave_paths = mfree(m->tty_slave_paths);
}
