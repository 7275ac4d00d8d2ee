/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthd's D-Bus surface without a broker or root: the real Manager and Container vtables served over a
 * peer-to-peer socketpair by a forked child, on a temp root with two containers defined through the C API.
 * Checks that the live introspection matches the committed dbus/ XML (with
 * tests/integration/check-introspection.py) and the answers a caller gets before polkit is involved:
 * name validation, unknown containers, option checking, listing, properties, the object manager.
 *
 * Usage: test-introspect SOURCE_ROOT */

#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>

#include "../../service/errors.h"
#include "../../service/manager-dbus.h"
#include "../../service/manager.h"
#include "berth.h"
#include "config/config.h"
#include "tap.h"
#include "log/log.h"
#include "util/fileio.h"

static const char *source_root;
static sd_bus *client_bus;

static _noreturn_ void run_server(int fd, const char *root) {
        Manager *m = NULL;
        sd_id128_t id;
        int r;

        log_set_max_level(LOG_WARNING);
        r = manager_new(root, &m);
        if (r >= 0)
                r = sd_bus_new(&m->bus);
        if (r >= 0)
                r = sd_bus_set_fd(m->bus, fd, fd);
        if (r >= 0)
                r = sd_id128_randomize(&id);
        if (r >= 0)
                r = sd_bus_set_server(m->bus, true, id);
        if (r >= 0)
                r = sd_bus_set_exit_on_disconnect(m->bus, true);
        if (r >= 0)
                r = manager_register_bus(m);
        if (r >= 0)
                r = sd_bus_start(m->bus);
        if (r >= 0)
                r = manager_startup(m);
        if (r >= 0)
                r = sd_event_loop(m->event);
        manager_free(m);
        _exit(r < 0 ? 1 : 0);
}

static int call(sd_bus *bus, const char *path, const char *interface, const char *member, sd_bus_error *error,
                sd_bus_message **reply, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, NULL, path, interface, member);
        if (r < 0)
                return r;
        va_start(ap, types);
        r = sd_bus_message_appendv(m, types, ap);
        va_end(ap);
        if (r < 0)
                return r;
        return sd_bus_call(bus, m, 0, error, reply);
}

static char *xasprintf(const char *format, ...) _printf_(1, 2);
static char *xasprintf(const char *format, ...) {
        va_list ap;
        char *s;
        int r;

        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        if (r < 0)
                abort();
        return s;
}

/* Runs the checker; its output becomes TAP diagnostics. Returns its exit status. */
static int run_checker(const char *interface, const char *expected, const char *actual, const char *tmp) {
        _cleanup_free_ char *out = xasprintf("%s/checker.out", tmp);
        _cleanup_free_ char *cmd = xasprintf("python3 %s/tests/integration/check-introspection.py %s %s %s >%s 2>&1",
                                             source_root, interface, expected, actual, out);
        _cleanup_free_ char *text = NULL;
        int status;

        status = system(cmd);
        if (read_full_file(out, &text, NULL) >= 0)
                for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
                        TAP_DIAG("%s", line);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void check_introspection(sd_bus *bus, const char *path, const char *interface, const char *tmp) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *actual = xasprintf("%s/%s.live.xml", tmp, interface);
        _cleanup_free_ char *expected = xasprintf("%s/dbus/%s.xml", source_root, interface);
        _cleanup_free_ char *mutated = xasprintf("%s/%s.mutated.xml", tmp, interface);
        _cleanup_free_ char *text = NULL;
        const char *xml;
        char *p;
        int r;

        r = call(bus, path, "org.freedesktop.DBus.Introspectable", "Introspect", NULL, &reply, "");
        TAP_EQ_INT(r, 1, "Introspect %s", path);
        if (r < 0 || sd_bus_message_read(reply, "s", &xml) < 0)
                return;
        TAP_EQ_INT(write_file_atomic(actual, xml, strlen(xml), 0644), 0, "save the live XML of %s", interface);

        if (system("python3 -c '' 2>/dev/null") != 0) {
                TAP_SKIP("python3 is not installed");
                return;
        }
        TAP_EQ_INT(run_checker(interface, expected, actual, tmp), 0, "dbus/%s.xml matches the live vtable",
                   interface);

        /* The comparison can fail: one argument's direction flipped (or, in an interface without methods, a
         * writable property made read-only) is caught. */
        TAP_EQ_INT(read_full_file(expected, &text, NULL), 0, "read dbus/%s.xml", interface);
        p = text ? strstr(text, "direction=\"in\"") : NULL;
        if (p)
                memcpy(p, "direction=\"ou\"", strlen("direction=\"ou\""));
        else if (text && (p = strstr(text, "\"readwrite\"")))
                memcpy(p, "\"read\"     ", strlen("\"readwrite\""));
        TAP_OK(p && write_file_atomic(mutated, text, strlen(text), 0644) == 0, "write a mutated copy");
        TAP_EQ_INT(run_checker(interface, mutated, actual, tmp), 1, "a mutated %s is reported", interface);
}

static void check_error(int r, const sd_bus_error *e, const char *name, const char *message, const char *what) {
        TAP_OK(r < 0, "%s fails", what);
        TAP_EQ_STR(e->name, name, "%s: error name", what);
        if (message)
                TAP_EQ_STR(e->message, message, "%s: error message", what);
}

static void check_string_property(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  const char *expected) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *s = NULL;
        int r;

        r = sd_bus_get_property_string(bus, NULL, path, interface, property, &e, &s);
        TAP_EQ_INT(r, 0, "Get %s.%s", interface, property);
        TAP_EQ_STR(s, expected, "%s = %s", property, expected);
}

/* A method on c1 (stopped) that must fail with name and message, before polkit is involved. */
static void check_c1_error(const char *member, const char *name, const char *message, const char *what,
                           const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(client_bus, &m, NULL, "/org/berth1/container/c1", "org.berth1.Container",
                                           member);
        if (r >= 0) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_call(client_bus, m, 0, &e, NULL);
        check_error(r, &e, name, message, what);
}

static void check_set_log_property(const char *property, const char *value, const char *error_name,
                                   const char *what) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_set_property(client_bus, NULL, "/org/freedesktop/LogControl1", "org.freedesktop.LogControl1",
                                property, &e, "s", value);
        if (!error_name)
                TAP_EQ_INT(r, 1, "%s (%s)", what, e.message ?: "ok");
        else
                check_error(r, &e, error_name, NULL, what);
}

/* What QA threw at berthd: huge and hostile strings come back short and escaped, before polkit. */
static void check_hostile_input(sd_bus *bus) {
        _cleanup_free_ char *big = NULL, *long_name = NULL, *expected = NULL, *long_opt = NULL;
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                size_t n = BUS_CONFIG_TEXT_MAX + 1;
                big = malloc(n + 1);
                if (!big)
                        abort();
                memset(big, '#', n);
                big[n] = 0;
                int r = call(bus, "/org/berth1", "org.berth1.Manager", "CreateContainer", &e, NULL, "ssa{sv}",
                             "huge", big, 0);
                check_error(r, &e, SD_BUS_ERROR_INVALID_ARGS, "config is too large (1048577 bytes, at most 1 MiB)",
                            "CreateContainer with a config over 1 MiB");
        }
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                int r = call(bus, "/org/berth1", "org.berth1.Manager", "GetContainer", &e, NULL, "s", "a\x1b[2Jb\n");
                check_error(r, &e, SD_BUS_ERROR_INVALID_ARGS, "Invalid container name 'a\\x1b[2Jb\\n'.",
                            "GetContainer with control characters: escaped");
        }
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                long_name = malloc(5001);
                if (!long_name)
                        abort();
                memset(long_name, 'n', 5000);
                long_name[5000] = 0;
                long_name[2] = ' ';
                expected = xasprintf("Invalid container name '%.80s…'.", long_name);
                int r = call(bus, "/org/berth1", "org.berth1.Manager", "DestroyContainer", &e, NULL, "sa{sv}",
                             long_name, 0);
                check_error(r, &e, SD_BUS_ERROR_INVALID_ARGS, expected, "a 5000-character name is cut at 80");
        }
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                int r = call(bus, "/org/berth1", "org.berth1.Manager", "ListContainers", &e, NULL, "a{sv}", 1,
                             "evil\x07", "b", 1);
                check_error(r, &e, SD_BUS_ERROR_INVALID_ARGS, "Unknown option 'evil\\x07'.",
                            "an unknown option name is escaped");
        }
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                long_opt = malloc(BUS_OPTION_STRING_MAX + 2);
                if (!long_opt)
                        abort();
                memset(long_opt, 'b', BUS_OPTION_STRING_MAX + 1);
                long_opt[BUS_OPTION_STRING_MAX + 1] = 0;
                int r = call(bus, "/org/berth1", "org.berth1.Manager", "CreateContainer", &e, NULL, "ssa{sv}", "c4",
                             "", 1, "template", "s", long_opt);
                check_error(r, &e, SD_BUS_ERROR_INVALID_ARGS, "Option 'template' is too long (4097 bytes, at most 4096).",
                            "an option string over 4096 bytes");
        }
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                int r = call(bus, "/org/berth1/container/c1", "org.berth1.Container", "Mount", &e, NULL,
                             "ssstsa{sv}", "rel\x1bsrc", "/mnt", "", (uint64_t) MS_BIND, "", 0);
                check_error(r, &e, SD_BUS_ERROR_INVALID_ARGS,
                            "The source of a bind mount must be an absolute path, got 'rel\\x1bsrc'.",
                            "Mount echoes a path escaped");
        }
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                int r = call(bus, "/org/berth1/container/c1", "org.berth1.Container", "Mount", &e, NULL,
                             "ssstsa{sv}", "", "/mnt", "tmpfs", UINT64_C(0), long_opt, 0);
                check_error(r, &e, SD_BUS_ERROR_INVALID_ARGS,
                            "The mount data is too long (4097 bytes, at most 4096).", "Mount data over 4096 bytes");
        }
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                _cleanup_free_ char *t = malloc(64 * 300);
                size_t len = 0;
                if (!t)
                        abort();
                t[0] = 0;
                for (unsigned i = 0; i <= BERTH_CONFIG_HOST_KEYS_MAX; i++)
                        len += (size_t) snprintf(t + len, 64 * 300 - len, "lxc.net.%u.link = br0\n", i);
                int r = call(bus, "/org/berth1", "org.berth1.Manager", "CreateContainer", &e, NULL, "ssa{sv}", "hk",
                             t, 0);
                check_error(r, &e, SD_BUS_ERROR_INVALID_ARGS, "config has too many distinct host keys (at most 256)",
                            "CreateContainer with 257 distinct host keys, refused before polkit");
        }
        {
                /* The caller is root (peer-to-peer), so polkit lets it through to the parser: the message names
                 * "config", the text the caller sent, not berthd's copy of it. */
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                int r = call(bus, "/org/berth1", "org.berth1.Manager", "CreateContainer", &e, NULL, "ssa{sv}", "web2",
                             "# web\nlxc.console.buffer.size = 64K\nlxc.uts.nmae = web2\n", 0);
                check_error(r, &e, BERTH_ERROR_INVALID_CONFIG,
                            "config:3: lxc.uts.nmae: unknown key, did you mean 'lxc.uts.name'?",
                            "CreateContainer's config error says config:LINE");
        }
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                uint64_t size = 0;
                int r = call(bus, "/org/berth1", "org.berth1.Manager", "CreateContainer", &e, &reply, "ssa{sv}",
                             "web3", "lxc.console.buffer.size = 256K\n", 0);
                TAP_EQ_INT(r, 1, "CreateContainer web3 (%s)", e.message ?: "ok");
                TAP_EQ_INT(sd_bus_get_property_trivial(bus, NULL, "/org/berth1/container/web3", "org.berth1.Container",
                                                       "ConsoleBufferSize", &e, 't', &size),
                           0, "Get ConsoleBufferSize of web3");
                TAP_EQ_INT(size, 262144, "a container created over D-Bus reports its configured buffer, stopped");
                sd_bus_error_free(&e);
                r = call(bus, "/org/berth1", "org.berth1.Manager", "DestroyContainer", &e, NULL, "sa{sv}", "web3", 0);
                TAP_EQ_INT(r, 1, "DestroyContainer web3 (%s)", e.message ?: "ok");
        }
        {
                /* The denial message for host keys (polkit's verdict itself needs a broker: see
                 * tests/integration). */
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                char *keys[] = { (char *) "lxc.include", (char *) "lxc.mount.entry", NULL };
                sd_bus_error_set(&e, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED, "Interactive authentication required.");
                TAP_EQ_INT(bus_host_keys_denied(&e, "org.berth1.configure-host",
                                                "lxc.include = /etc/shadow\n lxc.mount.entry = /a b none bind\n", keys),
                           -EACCES, "bus_host_keys_denied");
                TAP_EQ_STR(e.name, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED, "keeps the error name");
                TAP_EQ_STR(e.message, "Interactive authentication required: org.berth1.configure-host is needed for "
                           "lxc.include (config:1), lxc.mount.entry (config:2)", "says which keys need which action");
                sd_bus_error_free(&e);
                sd_bus_error_set(&e, SD_BUS_ERROR_ACCESS_DENIED, "Access denied: org.berth1.configure-host");
                char *one[] = { (char *) "lxc.hook.pre-start", NULL };
                (void) bus_host_keys_denied(&e, "org.berth1.configure-host", "lxc.hook.pre-start=/bin/true\n", one);
                TAP_EQ_STR(e.message, "Access denied: org.berth1.configure-host is needed for lxc.hook.pre-start "
                           "(config:1)", "AccessDenied likewise");
                sd_bus_error_free(&e);
                sd_bus_error_set(&e, SD_BUS_ERROR_NO_REPLY, "timeout");
                (void) bus_host_keys_denied(&e, "org.berth1.configure-host", "", one);
                TAP_EQ_STR(e.message, "timeout", "other errors are left alone");
        }
}

int main(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        char tmp[] = "/tmp/test-introspect.XXXXXX";
        _cleanup_free_ char *root = NULL;
        berth *b = NULL;
        int sv[2], r, status;
        pid_t pid;

        if (argc != 2) {
                fprintf(stderr, "usage: %s SOURCE_ROOT\n", argv[0]);
                return 2;
        }
        source_root = argv[1];
        TAP_EQ_INT(berth_errors_register(), 0, "register the error map");

        if (!mkdtemp(tmp))
                return 1;
        root = xasprintf("%s/root", tmp);
        TAP_EQ_INT(berth_new(root, &b), 0, "berth_new on a temp root");
        TAP_EQ_INT(berth_container_define(b, "c1", "", 4242, NULL), 0, "define c1 (owner 4242)");
        TAP_EQ_INT(berth_container_define(b, "web-1", "lxc.console.buffer.size = 64K\n", 0, NULL), 0,
                   "define web-1");
        berth_unref(b);

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return 1;
        pid = fork();
        if (pid == 0) {
                close(sv[0]);
                run_server(sv[1], root);
        }
        close(sv[1]);

        if (sd_bus_new(&bus) < 0 || sd_bus_set_fd(bus, sv[0], sv[0]) < 0)
                return 1;
        TAP_EQ_INT(sd_bus_start(bus), 0, "connect to the served vtables");
        client_bus = bus;

        check_introspection(bus, "/org/berth1", "org.berth1.Manager", tmp);
        check_introspection(bus, "/org/berth1/container/c1", "org.berth1.Container", tmp);
        check_introspection(bus, "/org/freedesktop/LogControl1", "org.freedesktop.LogControl1", tmp);

        {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                const char *name, *state, *path;

                r = call(bus, "/org/berth1", "org.berth1.Manager", "ListContainers", NULL, &reply, "a{sv}", 0);
                TAP_EQ_INT(r, 1, "ListContainers");
                TAP_OK(r >= 0 && sd_bus_message_enter_container(reply, 'a', "(sso)") > 0, "a(sso)");
                TAP_OK(sd_bus_message_read(reply, "(sso)", &name, &state, &path) > 0, "first entry");
                TAP_EQ_STR(name, "c1", "sorted: c1 first");
                TAP_EQ_STR(state, "STOPPED", "c1 is STOPPED");
                TAP_EQ_STR(path, "/org/berth1/container/c1", "c1's path");
                TAP_OK(sd_bus_message_read(reply, "(sso)", &name, &state, &path) > 0, "second entry");
                TAP_EQ_STR(name, "web-1", "then web-1");
                TAP_EQ_STR(path, "/org/berth1/container/web_2d1", "web-1's path is sd_bus_path_encode()d");
                TAP_EQ_INT(sd_bus_message_read(reply, "(sso)", &name, &state, &path), 0, "two containers");
        }

        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                r = call(bus, "/org/berth1", "org.berth1.Manager", "ListContainers", &e, NULL, "a{sv}", 1, "all", "b",
                         1);
                check_error(r, &e, SD_BUS_ERROR_INVALID_ARGS, "Unknown option 'all'.", "ListContainers {all}");
        }
        {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                const char *path = NULL;
                r = call(bus, "/org/berth1", "org.berth1.Manager", "GetContainer", NULL, &reply, "s", "web-1");
                TAP_EQ_INT(r, 1, "GetContainer web-1");
                TAP_OK(r >= 0 && sd_bus_message_read(reply, "o", &path) > 0, "an object path");
                TAP_EQ_STR(path, "/org/berth1/container/web_2d1", "GetContainer's path");
        }
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                r = call(bus, "/org/berth1", "org.berth1.Manager", "GetContainer", &e, NULL, "s", "nope");
                check_error(r, &e, BERTH_ERROR_NO_SUCH_CONTAINER, "No container 'nope'.", "GetContainer nope");
                TAP_EQ_INT(r, -ENOENT, "NoSuchContainer round-trips to ENOENT");
        }
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                r = call(bus, "/org/berth1", "org.berth1.Manager", "GetContainer", &e, NULL, "s", "../etc");
                check_error(r, &e, SD_BUS_ERROR_INVALID_ARGS, "Invalid container name '../etc'.", "GetContainer ../etc");
        }
        {
                /* Checked before polkit, so an unauthorised caller learns the same. */
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                r = call(bus, "/org/berth1", "org.berth1.Manager", "CreateContainer", &e, NULL, "ssa{sv}", "a b", "",
                         0);
                check_error(r, &e, SD_BUS_ERROR_INVALID_ARGS, "Invalid container name 'a b'.", "CreateContainer 'a b'");
        }
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                r = call(bus, "/org/berth1", "org.berth1.Manager", "CreateContainer", &e, NULL, "ssa{sv}", "c3", "", 1,
                         "template", "s", "alpine");
                check_error(r, &e, SD_BUS_ERROR_INVALID_ARGS, "Unknown template 'alpine' (known: busybox).",
                            "CreateContainer template=alpine");
        }
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                r = call(bus, "/org/berth1", "org.berth1.Manager", "CreateContainer", &e, NULL, "ssa{sv}", "c1", "", 0);
                check_error(r, &e, BERTH_ERROR_CONTAINER_EXISTS, "Container 'c1' already exists.", "CreateContainer c1");
        }
        check_hostile_input(bus);
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                r = call(bus, "/org/berth1/container/c1", "org.berth1.Container", "ReadConsoleLog", &e, NULL, "ta{sv}",
                         UINT64_C(0), 1, "consume", "s", "yes");
                check_error(r, &e, SD_BUS_ERROR_INVALID_ARGS, "Option 'consume' must be of type 'b', not 's'.",
                            "ReadConsoleLog consume=<string>");
        }
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                r = call(bus, "/org/berth1/container/nope", "org.berth1.Container", "Start", &e, NULL, "a{sv}", 0);
                TAP_OK(r < 0, "Start on an unknown object fails");
                TAP_OK(sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_OBJECT) ||
                               sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_METHOD),
                       "... with UnknownObject (got %s)", strna(e.name));
        }
        {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                int yes = -1;
                r = call(bus, "/org/berth1", "org.berth1.Manager", "HasApiExtension", NULL, &reply, "s", "no_such_ext");
                TAP_OK(r >= 0 && sd_bus_message_read(reply, "b", &yes) > 0 && yes == 0,
                       "HasApiExtension(no_such_ext) is false");
        }
        {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                int yes = -1;
                r = call(bus, "/org/berth1", "org.berth1.Manager", "ConfigItemIsSupported", NULL, &reply, "s",
                         "lxc.uts.name");
                TAP_OK(r >= 0 && sd_bus_message_read(reply, "b", &yes) > 0 && yes == 1,
                       "ConfigItemIsSupported(lxc.uts.name) is true");
        }

        /* Issues 3 and 4: arguments are checked, and a stopped container refused, before polkit. */
        check_c1_error("Reboot", BERTH_ERROR_NOT_RUNNING, "Container 'c1' is not running.", "Reboot on a stopped c1",
                       "ia{sv}", 10, 0);
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                r = call(bus, "/org/berth1/container/c1", "org.berth1.Container", "Shutdown", &e, NULL, "ia{sv}", -1, 0);
                TAP_EQ_INT(r, -ENOTCONN, "Shutdown on a stopped c1: NotRunning round-trips to ENOTCONN");
        }
        check_c1_error("Reboot", SD_BUS_ERROR_INVALID_ARGS,
                       "Invalid timeout -2: seconds, 0 (do not wait) or -1 (no limit).", "Reboot timeout -2", "ia{sv}",
                       -2, 0);
        check_c1_error("Reboot", SD_BUS_ERROR_INVALID_ARGS, "Unknown option 'force'.", "Reboot {force}", "ia{sv}", 0, 1,
                       "force", "b", 1);
        check_c1_error("Shutdown", SD_BUS_ERROR_INVALID_ARGS, "Option 'force' must be of type 'b', not 's'.",
                       "Shutdown force=<string>", "ia{sv}", 5, 1, "force", "s", "yes");
        check_c1_error("Shutdown", BERTH_ERROR_NOT_RUNNING, NULL, "Shutdown {force} on a stopped c1", "ia{sv}", 5, 1,
                       "force", "b", 1);
        check_c1_error("Freeze", BERTH_ERROR_NOT_RUNNING, "Container 'c1' is not running.", "Freeze on a stopped c1",
                       "a{sv}", 0);
        check_c1_error("Unfreeze", BERTH_ERROR_NOT_RUNNING, NULL, "Unfreeze on a stopped c1", "a{sv}", 0);
        check_c1_error("OpenConsole", BERTH_ERROR_NOT_RUNNING, NULL, "OpenConsole on a stopped c1", "a{sv}", 0);

        check_c1_error("Mount", SD_BUS_ERROR_INVALID_ARGS, "The target must be an absolute path, got 'mnt'.",
                       "Mount to a relative target", "ssstsa{sv}", "/srv", "mnt", "", (uint64_t) MS_BIND, "", 0);
        {
                _cleanup_free_ char *longpath = malloc(4097);
                memset(longpath, 'x', 4096);
                longpath[0] = '/';
                longpath[4096] = 0;
                check_c1_error("Mount", SD_BUS_ERROR_INVALID_ARGS, "The target is longer than 4095 bytes.",
                               "Mount to a 4096-byte target", "ssstsa{sv}", "/srv", longpath, "", (uint64_t) 0, "", 0);
                check_c1_error("Umount", SD_BUS_ERROR_INVALID_ARGS, "The target is longer than 4095 bytes.",
                               "Umount of a 4096-byte target", "sta{sv}", longpath, (uint64_t) 0, 0);
        }
        check_c1_error("Mount", SD_BUS_ERROR_INVALID_ARGS,
                       "The source of a bind mount must be an absolute path, got 'srv'.", "Bind of a relative source",
                       "ssstsa{sv}", "srv", "/mnt", "none", (uint64_t) MS_BIND, "", 0);
        check_c1_error("Mount", SD_BUS_ERROR_INVALID_ARGS,
                       "A tmpfs mount takes no source (got '/srv'); a bind mount has fstype \"\".",
                       "tmpfs with a source", "ssstsa{sv}", "/srv", "/mnt", "tmpfs", (uint64_t) 0, "size=1m", 0);
        check_c1_error("Mount", SD_BUS_ERROR_INVALID_ARGS,
                       "MS_BIND with fstype 'tmpfs': a bind mount has fstype \"\" or \"none\".", "tmpfs with MS_BIND",
                       "ssstsa{sv}", "", "/mnt", "tmpfs", (uint64_t) MS_BIND, "", 0);
        check_c1_error("Mount", SD_BUS_ERROR_INVALID_ARGS,
                       "Unsupported mount flags MS_MOVE|MS_SHARED|0x10000000000 (accepted: MS_BIND, MS_REC, MS_RDONLY, "
                       "MS_NOSUID, MS_NODEV, MS_NOEXEC).",
                       "Mount flags outside the allowed set are named", "ssstsa{sv}", "/srv", "/mnt", "",
                       (uint64_t) MS_BIND | MS_RDONLY | MS_MOVE | MS_SHARED | (UINT64_C(1) << 40), "", 0);
        check_c1_error("Mount", SD_BUS_ERROR_INVALID_ARGS, "Option 'idmap' must be of type 'b', not 'u'.",
                       "Mount idmap=<uint32>", "ssstsa{sv}", "/srv", "/mnt", "", (uint64_t) MS_BIND, "", 1, "idmap", "u",
                       1);
        check_c1_error("Mount", BERTH_ERROR_NOT_RUNNING, "Container 'c1' is not running.",
                       "a valid read-only recursive bind into a stopped c1", "ssstsa{sv}", "/srv", "/mnt", "",
                       (uint64_t) (MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC), "", 1, "idmap",
                       "b", 1);
        check_c1_error("Mount", BERTH_ERROR_NOT_RUNNING, NULL, "a valid tmpfs mount into a stopped c1", "ssstsa{sv}",
                       "", "/tmp/x", "tmpfs", (uint64_t) MS_NOSUID, "size=1m,mode=0755", 0);
        check_c1_error("Umount", SD_BUS_ERROR_INVALID_ARGS, "The target must be an absolute path, got ''.",
                       "Umount of an empty target", "sta{sv}", "", (uint64_t) 0, 0);
        check_c1_error("Umount", SD_BUS_ERROR_INVALID_ARGS,
                       "Unsupported umount flags 0x10 (accepted: MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW).",
                       "Umount flags outside the allowed set", "sta{sv}", "/mnt", (uint64_t) (MNT_DETACH | 0x10), 0);
        check_c1_error("Umount", BERTH_ERROR_NOT_RUNNING, NULL, "Umount in a stopped c1", "sta{sv}", "/mnt",
                       (uint64_t) MNT_DETACH, 0);

        /* LogControl1: the server runs at "warning" (run_server()); same uid as us, so Set is privileged. */
        check_string_property(bus, "/org/freedesktop/LogControl1", "org.freedesktop.LogControl1", "LogLevel",
                              "warning");
        check_string_property(bus, "/org/freedesktop/LogControl1", "org.freedesktop.LogControl1", "LogTarget",
                              "console");
        check_string_property(bus, "/org/freedesktop/LogControl1", "org.freedesktop.LogControl1", "SyslogIdentifier",
                              "test-introspect");
        check_set_log_property("LogLevel", "err", NULL, "Set LogLevel err");
        check_string_property(bus, "/org/freedesktop/LogControl1", "org.freedesktop.LogControl1", "LogLevel", "err");
        check_set_log_property("LogLevel", "NOTICE", NULL, "Set LogLevel NOTICE (LXC's name)");
        check_string_property(bus, "/org/freedesktop/LogControl1", "org.freedesktop.LogControl1", "LogLevel",
                              "notice");
        check_set_log_property("LogLevel", "3", SD_BUS_ERROR_INVALID_ARGS, "Set LogLevel 3 (ambiguous) is refused");
        check_set_log_property("LogLevel", "verbose", SD_BUS_ERROR_INVALID_ARGS, "Set LogLevel verbose is refused");
        check_string_property(bus, "/org/freedesktop/LogControl1", "org.freedesktop.LogControl1", "LogLevel",
                              "notice");
        check_set_log_property("LogTarget", "null", NULL, "Set LogTarget null");
        check_string_property(bus, "/org/freedesktop/LogControl1", "org.freedesktop.LogControl1", "LogTarget", "null");
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                r = sd_bus_set_property(bus, NULL, "/org/freedesktop/LogControl1", "org.freedesktop.LogControl1",
                                        "LogTarget", &e, "s", "kmsg");
                check_error(r, &e, SD_BUS_ERROR_INVALID_ARGS,
                            "Unsupported log target 'kmsg' (supported: console, syslog, null).",
                            "Set LogTarget kmsg is refused, naming what is supported");
        }
        check_set_log_property("LogTarget", "file", SD_BUS_ERROR_INVALID_ARGS, "Set LogTarget file without a file");
        check_set_log_property("LogTarget", "console", NULL, "Set LogTarget console");
        check_set_log_property("LogLevel", "warning", NULL, "Set LogLevel back to warning");
        check_set_log_property("SyslogIdentifier", "x", SD_BUS_ERROR_PROPERTY_READ_ONLY,
                               "SyslogIdentifier is read-only");

        check_string_property(bus, "/org/berth1/container/web_2d1", "org.berth1.Container", "Name", "web-1");
        check_string_property(bus, "/org/berth1/container/c1", "org.berth1.Container", "State", "STOPPED");
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                uint32_t owner = 0;
                uint64_t size = 0;
                TAP_EQ_INT(sd_bus_get_property_trivial(bus, NULL, "/org/berth1/container/c1", "org.berth1.Container",
                                                       "Owner", &e, 'u', &owner),
                           0, "Get Owner");
                TAP_EQ_INT(owner, 4242, "Owner is the uid given at definition");
                TAP_EQ_INT(sd_bus_get_property_trivial(bus, NULL, "/org/berth1/container/web_2d1",
                                                       "org.berth1.Container", "ConsoleBufferSize", &e, 't', &size),
                           0, "Get ConsoleBufferSize");
                TAP_EQ_INT(size, 65536, "ConsoleBufferSize of a stopped container comes from its config");

                /* Redefined by another tool (the C API) while berthd runs: the property follows. */
                TAP_EQ_INT(berth_new(root, &b), 0, "berth_new again");
                TAP_EQ_INT(berth_container_undefine(b, "web-1"), 0, "undefine web-1 behind berthd's back");
                TAP_EQ_INT(berth_container_define(b, "web-1", "lxc.console.buffer.size = 1M\n", 0, NULL), 0,
                           "define it again with 1M");
                berth_unref(b);
                TAP_EQ_INT(sd_bus_get_property_trivial(bus, NULL, "/org/berth1/container/web_2d1",
                                                       "org.berth1.Container", "ConsoleBufferSize", &e, 't', &size),
                           0, "Get ConsoleBufferSize again");
                TAP_EQ_INT(size, 1048576, "ConsoleBufferSize follows the new definition");
        }
        {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                const char *path;
                unsigned n = 0;
                r = call(bus, "/org/berth1", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL, &reply,
                         "");
                TAP_EQ_INT(r, 1, "GetManagedObjects");
                if (r >= 0 && sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}") > 0)
                        while (sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") > 0) {
                                if (sd_bus_message_read(reply, "o", &path) > 0 && startswith(path, "/org/berth1/container/"))
                                        n++;
                                (void) sd_bus_message_skip(reply, "a{sa{sv}}");
                                (void) sd_bus_message_exit_container(reply);
                        }
                TAP_EQ_INT(n, 2, "the object manager lists both containers");
        }

        bus = sd_bus_flush_close_unref(bus);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the server exits cleanly when the client leaves");

        (void) rm_rf(tmp);
        return tap_done();
}
