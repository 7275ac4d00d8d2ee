/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* seccomp-client: a small org.berth1 seccomp subscriber for tests/integration/seccomp-notify.sh.
 *
 *   seccomp-client subscribe PATH ANSWER COUNT [TIMEOUT_MS DEFAULT_ERRNO]
 *       SubscribeSeccomp on the container object PATH (options timeout_ms/default_errno when given, 0 =
 *       leave out), prints "SUBSCRIBED", then for each SeccompNotification prints
 *           NOTIFY <id> <pid> <syscall> <nr> <arch> <a0> .. <a5>      (args in hex)
 *       and answers it per ANSWER: errno:N | val:V | continue | none | fd:N (errno N written straight to
 *       the listener from SeccompNotifyFd with SECCOMP_IOCTL_NOTIF_SEND). After a D-Bus answer it prints
 *       "RESPOND OK" or "RESPOND <error name>", then answers again and prints "SECOND <error name>".
 *       Exits after COUNT notifications (or 60 s without one: exit 2).
 *   seccomp-client listen PATH SECONDS
 *       Without subscribing: matches SeccompNotification (and tries an eavesdropping match) for SECONDS,
 *       prints "RECEIVED <n>".
 *   seccomp-client call PATH METHOD    (SubscribeSeccomp / SeccompNotifyFd with empty options)
 *   seccomp-client respond PATH ID ERRNO VAL FLAGS
 *       print "OK" or "ERROR <name>".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#define IFACE "org.berth1.Container"
#define _cleanup_(f) __attribute__((cleanup(f)))

static const char *arg_path;
static const char *arg_answer;
static unsigned arg_count, n_seen;
static int listener_fd = -1;
static sd_bus *bus;

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static const char *respond(uint64_t id, int err, int64_t val, uint32_t flags, sd_bus_error *e) {
        int r = sd_bus_call_method(bus, "org.berth1", arg_path, IFACE, "SeccompRespond", e, NULL, "tixua{sv}", id,
                                   err, val, flags, 0);
        if (r >= 0)
                return "OK";
        return e->name ?: strerror(-r);
}

static int on_notification(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_error_free) sd_bus_error e1 = SD_BUS_ERROR_NULL, e2 = SD_BUS_ERROR_NULL;
        uint64_t id;
        uint32_t pid, arch;
        const char *syscall_name;
        int32_t nr;
        const void *args;
        size_t sz;
        int r;

        r = sd_bus_message_read(m, "tusiu", &id, &pid, &syscall_name, &nr, &arch);
        if (r >= 0)
                r = sd_bus_message_read_array(m, 't', &args, &sz);
        if (r < 0 || sz != 6 * sizeof(uint64_t)) {
                printf("MALFORMED\n");
                fflush(stdout);
                return 0;
        }
        const uint64_t *a = args;
        printf("NOTIFY %" PRIu64 " %" PRIu32 " %s %d %" PRIu32, id, pid, syscall_name, nr, arch);
        for (int i = 0; i < 6; i++)
                printf(" %" PRIx64, a[i]);
        printf("\n");
        fflush(stdout);
        n_seen++;

        if (!arg_answer || strcmp(arg_answer, "none") == 0)
                return 0;
        if (strncmp(arg_answer, "fd:", 3) == 0) {
                struct seccomp_notif_resp resp = { .id = id, .error = -atoi(arg_answer + 3) };
                r = ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
                printf("FD-RESPOND %s\n", r < 0 ? strerror(errno) : "OK");
                fflush(stdout);
                return 0;
        }

        int err = 0;
        int64_t val = 0;
        uint32_t flags = 0;
        if (strncmp(arg_answer, "errno:", 6) == 0)
                err = atoi(arg_answer + 6);
        else if (strncmp(arg_answer, "val:", 4) == 0)
                val = strtoll(arg_answer + 4, NULL, 0);
        else if (strcmp(arg_answer, "continue") == 0)
                flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        printf("RESPOND %s\n", respond(id, err, val, flags, &e1));
        printf("SECOND %s\n", respond(id, err, val, flags, &e2));
        fflush(stdout);
        return 0;
}

static int run_loop(uint64_t limit_usec, bool until_count) {
        uint64_t deadline = now_usec() + limit_usec;
        int r;

        for (;;) {
                if (until_count && n_seen >= arg_count)
                        return 0;
                uint64_t n = now_usec();
                if (n >= deadline)
                        return until_count ? 2 : 0;
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return 1;
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, deadline - n);
                if (r < 0)
                        return 1;
        }
}

static int print_call_error(const sd_bus_error *e, int r) {
        printf("ERROR %s\n", sd_bus_error_is_set(e) ? e->name : strerror(-r));
        return 1;
}

int main(int argc, char *argv[]) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        if (argc < 3) {
                fprintf(stderr, "usage: see the source\n");
                return 64;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        arg_path = argv[2];
        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "cannot connect: %s\n", strerror(-r));
                return 1;
        }

        if (strcmp(argv[1], "respond") == 0 && argc == 7) {
                r = sd_bus_call_method(bus, "org.berth1", arg_path, IFACE, "SeccompRespond", &e, NULL, "tixua{sv}",
                                       strtoull(argv[3], NULL, 0), atoi(argv[4]), strtoll(argv[5], NULL, 0),
                                       (uint32_t) strtoul(argv[6], NULL, 0), 0);
                if (r < 0)
                        return print_call_error(&e, r);
                printf("OK\n");
                return 0;
        }
        if (strcmp(argv[1], "call") == 0 && argc == 4) {
                r = sd_bus_call_method(bus, "org.berth1", arg_path, IFACE, argv[3], &e, &reply, "a{sv}", 0);
                if (r < 0)
                        return print_call_error(&e, r);
                printf("OK\n");
                return 0;
        }

        r = sd_bus_match_signal(bus, NULL, NULL, arg_path, IFACE, "SeccompNotification", on_notification, NULL);
        if (r < 0) {
                fprintf(stderr, "match: %s\n", strerror(-r));
                return 1;
        }

        if (strcmp(argv[1], "listen") == 0 && argc == 4) {
                _cleanup_(sd_bus_error_free) sd_bus_error e3 = SD_BUS_ERROR_NULL;
                /* An eavesdropping match: the system bus refuses it to ordinary users (its result is only
                 * reported); either way nothing may arrive. */
                r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "AddMatch", &e3, NULL, "s",
                                       "type='signal',interface='" IFACE "',member='SeccompNotification',"
                                       "eavesdrop='true'");
                printf("EAVESDROP %s\n", r >= 0 ? "accepted" : (e3.name ?: "failed"));
                arg_answer = "none";
                r = run_loop((uint64_t) atoi(argv[3]) * 1000000ULL, false);
                printf("RECEIVED %u\n", n_seen);
                return r;
        }

        if (strcmp(argv[1], "subscribe") != 0 || (argc != 5 && argc != 7)) {
                fprintf(stderr, "usage: see the source\n");
                return 64;
        }
        arg_answer = argv[3];
        arg_count = (unsigned) atoi(argv[4]);
        uint32_t timeout_ms = argc == 7 ? (uint32_t) strtoul(argv[5], NULL, 0) : 0;
        int32_t default_errno = argc == 7 ? atoi(argv[6]) : 0;

        if (strncmp(arg_answer, "fd:", 3) == 0) {
                int fd;
                r = sd_bus_call_method(bus, "org.berth1", arg_path, IFACE, "SeccompNotifyFd", &e, &reply, "a{sv}", 0);
                if (r < 0)
                        return print_call_error(&e, r);
                r = sd_bus_message_read(reply, "h", &fd);
                if (r < 0)
                        return 1;
                listener_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                printf("GOT-FD %s\n", listener_fd >= 0 ? "yes" : "no");
        }

        r = sd_bus_call_method(bus, "org.berth1", arg_path, IFACE, "SubscribeSeccomp", &e, NULL, "a{sv}",
                               argc == 7 ? 2 : 0, "timeout_ms", "u", timeout_ms,
                               "default_errno", "i", default_errno);
        if (r < 0)
                return print_call_error(&e, r);
        printf("SUBSCRIBED\n");
        return run_loop(60 * 1000000ULL, true);
}
