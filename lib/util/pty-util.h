/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Console pseudo-terminals allocated from the host's /dev/ptmx (used when lxc.pty.max <= 1, like LXC's
 * lxc_terminal_parent). */

/* Opens a new pty pair. The master is O_NONBLOCK (it is polled by the monitor's event loop); the slave
 * is opened through the master (TIOCGPTPEER, so no path lookup can be raced) and left in the kernel's
 * default cooked mode, like a real console (ICANON, ECHO, OPOST|ONLCR: "\n" reaches the master as
 * "\r\n"). Both fds are O_CLOEXEC|O_NOCTTY. ret_slave_path (e.g. "/dev/pts/3") may be NULL. */
int pty_open_console(int *ret_master, int *ret_slave, char **ret_slave_path);

/* TIOCSWINSZ on either side of a pty; -ERANGE if a value does not fit the kernel's unsigned short. */
int pty_set_winsize(int fd, unsigned rows, unsigned cols);
