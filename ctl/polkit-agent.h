/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A textual polkit agent (pkttyagent) for the duration of one berthctl call, as systemctl and
 * machinectl do: without it, a "auth_admin" answer from polkit could never be satisfied from a
 * terminal. Only started when stdin is a tty, the caller is not root (berthd never asks root) and the
 * agent binary exists; any failure to start it is not an error, the call then simply is not
 * interactive. */

int polkit_agent_open(void);
void polkit_agent_close(void);
