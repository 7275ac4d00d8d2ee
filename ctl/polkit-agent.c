/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "polkit-agent.h"
#include "util/fd-util.h"
#include "util/macro.h"

#define PKTTYAGENT_PATH "/usr/bin/pkttyagent"
/* pkttyagent closes the notify fd once it is registered (or exits when it cannot register). If it does
 * neither in this time, carry on without waiting any longer: the call is then just less interactive. */
#define AGENT_READY_TIMEOUT_MS 5000

static pid_t agent_pid = 0;

int polkit_agent_open(void) {
        _cleanup_close_pair_ int pipe_fd[2] = { -EBADF, -EBADF };

        if (agent_pid > 0)
                return 0;
        /* berthd never asks polkit about root, and we only have a prompt to offer on a terminal. */
        if (geteuid() == 0 || !isatty(STDIN_FILENO))
                return 0;
        if (access(PKTTYAGENT_PATH, X_OK) < 0)
                return 0;

        if (pipe2(pipe_fd, O_CLOEXEC) < 0)
                return -errno;

        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                /* The agent must not outlive us, even if we are killed. */
                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                if (getppid() != parent)
                        _exit(EXIT_SUCCESS);

                /* dup() drops O_CLOEXEC so the notify fd survives exec; nothing else of ours (the bus
                 * socket in particular) may leak into the agent. */
                int notify_fd = fcntl(pipe_fd[1], F_DUPFD, 3);
                if (notify_fd < 0)
                        _exit(EXIT_FAILURE);
                if (close_all_fds(&notify_fd, 1) < 0)
                        _exit(EXIT_FAILURE);

                char pid_str[32], fd_str[32];
                snprintf(pid_str, sizeof pid_str, "%d", (int) parent);
                snprintf(fd_str, sizeof fd_str, "%d", notify_fd);
                execl(PKTTYAGENT_PATH, PKTTYAGENT_PATH, "--process", pid_str, "--notify-fd", fd_str, "--fallback",
                      (char *) NULL);
                _exit(127);
        }

        agent_pid = pid;
        pipe_fd[1] = safe_close(pipe_fd[1]);

        struct pollfd p = { .fd = pipe_fd[0], .events = POLLIN };
        for (;;) {
                int k = poll(&p, 1, AGENT_READY_TIMEOUT_MS);
                if (k < 0 && errno == EINTR)
                        continue;
                break;
        }
        return 0;
}

void polkit_agent_close(void) {
        if (agent_pid <= 0)
                return;

        (void) kill(agent_pid, SIGTERM);
        (void) kill(agent_pid, SIGCONT);
        while (waitpid(agent_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        agent_pid = 0;
}
