/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthctl: the command-line client of berthd, over the D-Bus system bus (or a remote one through
 * sd-bus's SSH transport). It holds no logic of its own: every verb is one or a few method calls, and
 * every error is berthd's message, printed verbatim. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "berth-build.h"
#include "berthctl-lifecycle.h"
#include "berthctl-seccomp.h"
#include "console-forward.h"
#include "ctl-util.h"
#include "polkit-agent.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/strv.h"

/* busctl's and systemctl's default; Start replies only once the container is RUNNING, and Stop once it is
 * STOPPED and cleaned up, so those two get more time. */
#define CALL_TIMEOUT_USEC (25ULL * 1000000ULL)
#define LONG_CALL_TIMEOUT_USEC (120ULL * 1000000ULL)

/* Verb-specific options, so a misplaced one is an error instead of being silently ignored. */
enum {
        OPT_JSON = 1 << 0,
        OPT_CREATE = 1 << 1,
        OPT_CONSOLE_LOG = 1 << 2,
        OPT_CONSOLE = 1 << 3,
};

static CtlBusArgs arg_bus = CTL_BUS_ARGS_DEFAULT;
static bool arg_quiet = false;
static bool arg_json = false;
static const char *arg_config = NULL;
static const char *arg_template = NULL;
static bool arg_clear = false;
static bool arg_consume = false;
static uint64_t arg_max = 0;
static int arg_escape = CONSOLE_FORWARD_ESCAPE_DEFAULT;
static unsigned arg_verb_opts = 0;

static int new_call(sd_bus *bus, const char *path, const char *iface, const char *member, sd_bus_message **ret) {
        return sd_bus_message_new_method_call(bus, ret, BERTH_BUS_NAME, path, iface, member);
}

static int append_empty_options(sd_bus_message *m) {
        return sd_bus_message_append(m, "a{sv}", 0);
}

/* ---- value printing (status) ---- */

static int print_value(sd_bus_message *m, FILE *f);

static int print_container_contents(sd_bus_message *m, FILE *f, char type, const char *contents) {
        const char *sep = type == SD_BUS_TYPE_DICT_ENTRY ? "=" : type == SD_BUS_TYPE_STRUCT ? ", " : " ";
        bool first = true;
        int r;

        r = sd_bus_message_enter_container(m, type, contents);
        if (r < 0)
                return r;
        if (type == SD_BUS_TYPE_STRUCT)
                fputc('(', f);
        for (;;) {
                r = sd_bus_message_at_end(m, false);
                if (r < 0)
                        return r;
                if (r > 0)
                        break;
                if (!first)
                        fputs(sep, f);
                first = false;
                r = print_value(m, f);
                if (r < 0)
                        return r;
        }
        if (type == SD_BUS_TYPE_STRUCT)
                fputc(')', f);
        return sd_bus_message_exit_container(m);
}

/* Print any one value in a human form: basic types as they are, arrays space-separated, structs in
 * parentheses, dict entries as key=value. Byte arrays are summarized, they are not text. */
static int print_value(sd_bus_message *m, FILE *f) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (r == 0)
                return -EBADMSG;

        if (type == SD_BUS_TYPE_ARRAY && streq(contents, "y")) {
                const void *p;
                size_t n;
                r = sd_bus_message_read_array(m, 'y', &p, &n);
                if (r < 0)
                        return r;
                fprintf(f, "[%zu bytes]", n);
                return 0;
        }
        if (type == SD_BUS_TYPE_ARRAY || type == SD_BUS_TYPE_STRUCT || type == SD_BUS_TYPE_DICT_ENTRY ||
            type == SD_BUS_TYPE_VARIANT)
                return print_container_contents(m, f, type, contents);

        union {
                uint8_t y;
                int b;
                int16_t n;
                uint16_t q;
                int32_t i;
                uint32_t u;
                int64_t x;
                uint64_t t;
                double d;
                const char *s;
                int h;
        } v;
        r = sd_bus_message_read_basic(m, type, &v);
        if (r < 0)
                return r;
        switch (type) {
        case SD_BUS_TYPE_BYTE:
                fprintf(f, "%u", v.y);
                break;
        case SD_BUS_TYPE_BOOLEAN:
                fputs(v.b ? "yes" : "no", f);
                break;
        case SD_BUS_TYPE_INT16:
                fprintf(f, "%" PRIi16, v.n);
                break;
        case SD_BUS_TYPE_UINT16:
                fprintf(f, "%" PRIu16, v.q);
                break;
        case SD_BUS_TYPE_INT32:
                fprintf(f, "%" PRIi32, v.i);
                break;
        case SD_BUS_TYPE_UINT32:
                fprintf(f, "%" PRIu32, v.u);
                break;
        case SD_BUS_TYPE_INT64:
                fprintf(f, "%" PRIi64, v.x);
                break;
        case SD_BUS_TYPE_UINT64:
                fprintf(f, "%" PRIu64, v.t);
                break;
        case SD_BUS_TYPE_DOUBLE:
                fprintf(f, "%g", v.d);
                break;
        case SD_BUS_TYPE_UNIX_FD:
                fprintf(f, "fd %d", v.h);
                break;
        default: /* s, o, g */
                fputs(v.s, f);
        }
        return 0;
}

/* ---- JSON (list --json) ---- */

static void json_string(FILE *f, const char *s) {
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p == '"' || *p == '\\')
                        fprintf(f, "\\%c", *p);
                else if (*p == '\n')
                        fputs("\\n", f);
                else if (*p < 0x20)
                        fprintf(f, "\\u%04x", *p);
                else
                        fputc(*p, f);
        }
        fputc('"', f);
}

/* ---- verbs ---- */

typedef struct ContainerRow {
        char *name;
        char *state;
        char *path;
        uint32_t init_pid;
        uint32_t owner;
        bool have_owner;
} ContainerRow;

static void rows_free(ContainerRow *rows, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(rows[i].name);
                free(rows[i].state);
                free(rows[i].path);
        }
        free(rows);
}

/* InitPid and Owner from one GetAll; other properties are skipped. */
static int fetch_row_details(sd_bus *bus, ContainerRow *row) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, BERTH_BUS_NAME, row->path, "org.freedesktop.DBus.Properties", "GetAll", &error,
                               &reply, "s", BERTH_CONTAINER_IFACE);
        if (r < 0)
                return r; /* e.g. destroyed meanwhile: the row keeps its list data */

        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key;
                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "InitPid"))
                        r = sd_bus_message_read(reply, "v", "u", &row->init_pid);
                else if (streq(key, "Owner")) {
                        r = sd_bus_message_read(reply, "v", "u", &row->owner);
                        row->have_owner = r >= 0;
                } else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        return r;
}

static void format_owner(const ContainerRow *row, char *buf, size_t size) {
        if (!row->have_owner) {
                snprintf(buf, size, "-");
                return;
        }
        /* User names only mean something for the local machine's accounts. */
        struct passwd *pw = arg_bus.host ? NULL : getpwuid(row->owner);
        if (pw)
                snprintf(buf, size, "%s", pw->pw_name);
        else
                snprintf(buf, size, "%" PRIu32, row->owner);
}

static int verb_list(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        ContainerRow *rows = NULL;
        size_t n = 0;
        int r, ret = EXIT_SUCCESS;

        r = new_call(bus, BERTH_MANAGER_PATH, BERTH_MANAGER_IFACE, "ListContainers", &m);
        if (r >= 0)
                r = append_empty_options(m);
        if (r < 0)
                return ctl_fail(r, "Failed to build the ListContainers call");
        r = ctl_call(bus, m, CALL_TIMEOUT_USEC, "list containers", &reply);
        if (r != 0)
                return r;

        r = sd_bus_message_enter_container(reply, 'a', "(sso)");
        if (r < 0)
                goto parse_error;
        for (;;) {
                const char *name, *state, *path;
                r = sd_bus_message_read(reply, "(sso)", &name, &state, &path);
                if (r < 0)
                        goto parse_error;
                if (r == 0)
                        break;
                ContainerRow *nr = reallocarray(rows, n + 1, sizeof *rows);
                if (!nr) {
                        ret = ctl_fail(ENOMEM, "Failed to list containers");
                        goto finish;
                }
                rows = nr;
                rows[n] = (ContainerRow) { .name = strdup(name), .state = strdup(state), .path = strdup(path) };
                n++;
                if (!rows[n - 1].name || !rows[n - 1].state || !rows[n - 1].path) {
                        ret = ctl_fail(ENOMEM, "Failed to list containers");
                        goto finish;
                }
        }

        for (size_t i = 0; i < n; i++)
                (void) fetch_row_details(bus, &rows[i]);

        if (arg_json) {
                fputc('[', stdout);
                for (size_t i = 0; i < n; i++) {
                        fputs(i > 0 ? ",{\"name\":" : "{\"name\":", stdout);
                        json_string(stdout, rows[i].name);
                        fputs(",\"state\":", stdout);
                        json_string(stdout, rows[i].state);
                        printf(",\"init_pid\":%" PRIu32 ",\"owner\":", rows[i].init_pid);
                        if (rows[i].have_owner)
                                printf("%" PRIu32, rows[i].owner);
                        else
                                fputs("null", stdout);
                        fputs(",\"path\":", stdout);
                        json_string(stdout, rows[i].path);
                        fputc('}', stdout);
                }
                fputs("]\n", stdout);
                goto finish;
        }

        int w_name = 4, w_state = 5, w_pid = 8;
        for (size_t i = 0; i < n; i++) {
                w_name = MAX(w_name, (int) strlen(rows[i].name));
                w_state = MAX(w_state, (int) strlen(rows[i].state));
        }
        if (!arg_quiet && n > 0)
                printf("%-*s %-*s %-*s %s\n", w_name, "NAME", w_state, "STATE", w_pid, "INIT-PID", "OWNER");
        for (size_t i = 0; i < n; i++) {
                char pid[16], owner[64];
                if (rows[i].init_pid > 0)
                        snprintf(pid, sizeof pid, "%" PRIu32, rows[i].init_pid);
                else
                        snprintf(pid, sizeof pid, "-");
                format_owner(&rows[i], owner, sizeof owner);
                printf("%-*s %-*s %-*s %s\n", w_name, rows[i].name, w_state, rows[i].state, w_pid, pid, owner);
        }
        if (!arg_quiet) {
                if (n == 0)
                        printf("No containers.\n");
                else
                        printf("\n%zu container%s listed.\n", n, n == 1 ? "" : "s");
        }
        goto finish;

parse_error:
        ret = ctl_fail(r, "Failed to parse the ListContainers reply");
finish:
        rows_free(rows, n);
        return ret;
}

static int verb_status(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *path = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = ctl_get_container_path(bus, args[0], &path);
        if (r != 0)
                return r;

        r = sd_bus_call_method(bus, BERTH_BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll", &error,
                               &reply, "s", BERTH_CONTAINER_IFACE);
        if (r < 0)
                return ctl_fail_call(&error, r, "get the container's properties");

        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key;
                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        break;
                printf("%20s: ", key);
                r = print_value(reply, stdout);
                fputc('\n', stdout);
                if (r < 0)
                        break;
                r = sd_bus_message_exit_container(reply);
        }
        if (r < 0)
                return ctl_fail(r, "Failed to parse the container's properties");
        return EXIT_SUCCESS;
}

static int verb_create(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        if (arg_config) {
                const char *p = streq(arg_config, "-") ? "/dev/stdin" : arg_config;
                size_t size;
                r = read_full_file(p, &text, &size);
                if (r < 0)
                        return ctl_fail(r, "Failed to read %s", arg_config);
                if (strlen(text) != size)
                        return ctl_fail(0, "%s contains a NUL byte, it is not a configuration file",
                                        arg_config);
        } else {
                /* The template provides the rootfs; the busybox one's init announces itself on the
                 * console, so keep a console ring buffer for `berthctl console-log` to show it. */
                if (asprintf(&text,
                             "# Created by berthctl create --template %s\n"
                             "lxc.console.buffer.size = auto\n",
                             arg_template) < 0)
                        return ctl_fail(ENOMEM, "Failed to create the container");
        }

        ctl_agent_open(&arg_bus);

        r = new_call(bus, BERTH_MANAGER_PATH, BERTH_MANAGER_IFACE, "CreateContainer", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", args[0], text);
        if (r >= 0) {
                if (arg_template)
                        r = sd_bus_message_append(m, "a{sv}", 1, "template", "s", arg_template);
                else
                        r = append_empty_options(m);
        }
        if (r < 0)
                return ctl_fail(r, "Failed to build the CreateContainer call");

        /* Building a rootfs from a template takes a moment, give it the long timeout. */
        r = ctl_call(bus, m, LONG_CALL_TIMEOUT_USEC, "create the container", &reply);
        if (r != 0)
                return r;
        return EXIT_SUCCESS;
}

static int verb_destroy(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        int r;

        ctl_agent_open(&arg_bus);

        r = new_call(bus, BERTH_MANAGER_PATH, BERTH_MANAGER_IFACE, "DestroyContainer", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", args[0]);
        if (r >= 0)
                r = append_empty_options(m);
        if (r < 0)
                return ctl_fail(r, "Failed to build the DestroyContainer call");

        r = ctl_call(bus, m, LONG_CALL_TIMEOUT_USEC, "destroy the container", &reply);
        if (r != 0)
                return r;
        return EXIT_SUCCESS;
}

static int verb_start(sd_bus *bus, char **args) {
        return ctl_call_container_method(bus, &arg_bus, args[0], "Start", LONG_CALL_TIMEOUT_USEC,
                                         "start the container");
}

static int verb_stop(sd_bus *bus, char **args) {
        return ctl_call_container_method(bus, &arg_bus, args[0], "Stop", LONG_CALL_TIMEOUT_USEC,
                                         "stop the container");
}

static int verb_console_log(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        const void *data;
        size_t size;
        int r;

        r = ctl_new_container_call(bus, &arg_bus, args[0], "ReadConsoleLog", &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "t", arg_max);
        if (r >= 0)
                r = sd_bus_message_append(m, "a{sv}", 2, "clear", "b", (int) arg_clear, "consume", "b",
                                          (int) arg_consume);
        if (r < 0)
                return ctl_fail(r, "Failed to build the ReadConsoleLog call");

        r = ctl_call(bus, m, CALL_TIMEOUT_USEC, "read the console log", &reply);
        if (r != 0)
                return r;
        r = sd_bus_message_read_array(reply, 'y', &data, &size);
        if (r < 0)
                return ctl_fail(r, "Failed to parse the ReadConsoleLog reply");

        /* Raw bytes: a console log is whatever the container wrote, escape sequences included. */
        r = loop_write(STDOUT_FILENO, data, size);
        if (r < 0)
                return ctl_fail(r, "Failed to write the console log");
        return EXIT_SUCCESS;
}

/* "Ctrl-a" for 0x01; "Ctrl-[" and the like for the few non-letters. */
static void format_escape(int escape, char *buf, size_t size) {
        if (escape >= 1 && escape <= 26)
                snprintf(buf, size, "Ctrl-%c", 'a' + escape - 1);
        else
                snprintf(buf, size, "Ctrl-%c", '@' + escape);
}

static int verb_console(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_close_ int fd = -EBADF;
        ConsoleForwardEnd end;
        bool tty = isatty(STDIN_FILENO);
        char key[16];
        int r, received, signo = 0;

        /* The pty master comes as a file descriptor in the reply: that needs a local connection (not
         * --host, whose SSH stream cannot carry descriptors). */
        r = sd_bus_can_send(bus, SD_BUS_TYPE_UNIX_FD);
        if (r <= 0)
                return ctl_fail(0, "Attaching to a console needs file descriptor passing, which this "
                                "connection%s%s "
                                "does not support; 'berthctl console-log %s' works remotely",
                                arg_bus.host ? " to " : "", arg_bus.host ?: "", args[0]);

        r = ctl_new_container_call(bus, &arg_bus, args[0], "OpenConsole", &m);
        if (r != 0)
                return r;
        r = append_empty_options(m);
        if (r < 0)
                return ctl_fail(r, "Failed to build the OpenConsole call");

        r = sd_bus_call(bus, m, CALL_TIMEOUT_USEC, &error, &reply);
        if (r < 0) {
                if (sd_bus_error_has_names(&error, SD_BUS_ERROR_UNKNOWN_METHOD, SD_BUS_ERROR_UNKNOWN_INTERFACE))
                        return ctl_fail(0, "This berthd does not support attaching to a console (no "
                                        "org.berth1.Container.OpenConsole method); 'berthctl console-log %s' "
                                        "shows the console output", args[0]);
                return ctl_fail_call(&error, r, "open the console");
        }
        r = sd_bus_message_read(reply, "h", &received);
        if (r < 0)
                return ctl_fail(r, "Failed to parse the OpenConsole reply");
        /* The message owns the received descriptor. */
        fd = fcntl(received, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return ctl_fail(errno, "Failed to duplicate the console descriptor");
        reply = sd_bus_message_unref(reply);

        /* A polkit tty agent shares our terminal: it must be gone before the terminal goes raw. */
        polkit_agent_close();

        format_escape(arg_escape, key, sizeof key);
        if (!arg_quiet) {
                if (!tty)
                        fprintf(stderr, "Connected to %s.\n", args[0]);
                else if (arg_escape >= 0)
                        fprintf(stderr, "Connected to %s. Press %s q to detach.\n", args[0], key);
                else
                        fprintf(stderr, "Connected to %s. No escape key: close the terminal or send SIGTERM "
                                "to detach.\n", args[0]);
        }

        ConsoleForwardParams params = {
                .input_fd = STDIN_FILENO,
                .output_fd = STDOUT_FILENO,
                .pty_fd = fd,
                .escape = arg_escape,
                .linger_msec = CONSOLE_FORWARD_LINGER_MSEC,
                .linger_max_msec = CONSOLE_FORWARD_LINGER_MAX_MSEC,
        };
        r = console_forward(&params, &end, &signo);
        if (r == -EPIPE)
                return EXIT_FAILURE; /* the reader of our output went away: nobody to tell */
        if (r < 0)
                return ctl_fail(r, "Console forwarding failed");

        switch (end) {
        case CONSOLE_FORWARD_DETACHED:
        case CONSOLE_FORWARD_INPUT_EOF:
                if (!arg_quiet)
                        fprintf(stderr, "%sDetached from %s.\n", tty ? "\n" : "", args[0]);
                return EXIT_SUCCESS;
        case CONSOLE_FORWARD_HANGUP:
                if (!arg_quiet)
                        fprintf(stderr, "%sThe console of %s was closed (the container stopped).\n", tty ? "\n" : "",
                                args[0]);
                return EXIT_SUCCESS;
        case CONSOLE_FORWARD_SIGNAL:
        default:
                if (!arg_quiet)
                        fprintf(stderr, "%sDetached from %s: %s.\n", tty ? "\n" : "", args[0], strsignal(signo));
                return 128 + signo; /* as a shell reports a command killed by a signal */
        }
}

static int verb_extensions(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **l = NULL;
        int r;

        r = sd_bus_get_property_strv(bus, BERTH_BUS_NAME, BERTH_MANAGER_PATH, BERTH_MANAGER_IFACE, "ApiExtensions",
                                     &error, &l);
        if (r < 0)
                return ctl_fail_call(&error, r, "get the API extensions");
        STRV_FOREACH(s, l)
                puts(*s);
        return EXIT_SUCCESS;
}

static int verb_is_supported(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r, b;

        r = sd_bus_call_method(bus, BERTH_BUS_NAME, BERTH_MANAGER_PATH, BERTH_MANAGER_IFACE, "ConfigItemIsSupported",
                               &error, &reply, "s", args[0]);
        if (r < 0)
                return ctl_fail_call(&error, r, "query the configuration key");
        r = sd_bus_message_read(reply, "b", &b);
        if (r < 0)
                return ctl_fail(r, "Failed to parse the ConfigItemIsSupported reply");
        if (!arg_quiet)
                puts(b ? "yes" : "no");
        return b ? EXIT_SUCCESS : EXIT_FAILURE;
}

static void help(void) {
        printf("berthctl [OPTIONS...] COMMAND ...\n\n"
               "Control berth system containers through berthd on the D-Bus system bus.\n\n"
               "Commands:\n"
               "  list [--json]                 List containers (NAME STATE INIT-PID OWNER)\n"
               "  status NAME                   Show all properties of a container\n"
               "  create NAME --config FILE     Define a container from an LXC-format config file\n"
               "                                (FILE '-' reads standard input)\n"
               "  create NAME --template busybox [--config FILE]\n"
               "                                Define a container with a rootfs built by a template\n"
               "                                (with a console ring buffer, unless --config is given)\n"
               "  destroy NAME                  Remove a stopped container's definition\n"
               "  start NAME                    Start a container, return once it is RUNNING\n"
               "  stop NAME                     Stop a container, return once it is STOPPED\n"
               BERTHCTL_LIFECYCLE_HELP
               BERTHCTL_SECCOMP_HELP
               "  console-log NAME [--clear] [--consume] [--max BYTES]\n"
               "                                Write the console ring buffer to stdout (raw);\n"
               "                                --clear empties it after reading, --consume removes\n"
               "                                what was read (LXC behaviour)\n"
               "  console NAME [--escape CHAR]  Attach to a running container's console: raw terminal,\n"
               "                                Ctrl-a q detaches, Ctrl-a Ctrl-a sends Ctrl-a; --escape\n"
               "                                picks another key (a letter, ^X, or 'none'). With\n"
               "                                standard input not a terminal, bytes pass unchanged and\n"
               "                                its end detaches once the console has gone quiet\n"
               "  extensions                    List the API extensions berthd supports here\n"
               "  is-supported KEY              Print whether a config key is supported (exit 0/1)\n"
               "  help                          Show this help\n\n"
               "Options:\n"
               "  -h --help                     Show this help\n"
               "     --version                  Show the version\n"
               "  -q --quiet                    No table header/footer, no yes/no output, no console\n"
               "                                connect/detach messages\n"
               "     --no-ask-password          Do not ask for a password for polkit authorization\n"
               "  -H --host=[USER@]HOST         Operate on a remote host (over SSH)\n"
               "     --address=ADDRESS          Connect to this D-Bus address instead of the system bus\n"
               "                                ($DBUS_SYSTEM_BUS_ADDRESS is honoured too)\n\n"
               "Exit status:\n"
               "  0 success   1 failure (or is-supported: no)   2 bad usage\n"
               "  4 not authorized (AccessDenied, InteractiveAuthorizationRequired)\n"
               "  5 no such container\n"
               "  128+N console: detached by signal N (SIGTERM, SIGINT, SIGHUP, SIGQUIT)\n");
}

typedef struct Verb {
        const char *name;
        unsigned n_args; /* exact number of arguments after the verb */
        unsigned opts;   /* verb-specific options it accepts */
        bool needs_bus;
        int (*run)(sd_bus *bus, char **args);
} Verb;

static int verb_help(sd_bus *bus, char **args) {
        help();
        return EXIT_SUCCESS;
}

static const Verb verbs[] = {
        { "list", 0, OPT_JSON, true, verb_list },
        { "status", 1, 0, true, verb_status },
        { "create", 1, OPT_CREATE, true, verb_create },
        { "destroy", 1, 0, true, verb_destroy },
        { "start", 1, 0, true, verb_start },
        { "stop", 1, 0, true, verb_stop },
        { "console-log", 1, OPT_CONSOLE_LOG, true, verb_console_log },
        { "console", 1, OPT_CONSOLE, true, verb_console },
        { "extensions", 0, 0, true, verb_extensions },
        { "is-supported", 1, 0, true, verb_is_supported },
        { "help", 0, 0, false, verb_help },
};

static int parse_size(const char *s, uint64_t *ret) {
        char *end;

        if (isempty(s) || !strchr("0123456789", s[0]))
                return -EINVAL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno != 0 || *end != 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* Returns < 0 to exit with -r, 0 to go on, > 0 to exit successfully (--help, --version). */
static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = CTL_ARG_LOCAL,
                ARG_JSON,
                ARG_CONFIG,
                ARG_TEMPLATE,
                ARG_CLEAR,
                ARG_CONSUME,
                ARG_MAX,
                ARG_ESCAPE,
        };
        static const struct option options[] = {
                CTL_COMMON_OPTIONS,
                { "version", no_argument, NULL, ARG_VERSION },
                { "json", no_argument, NULL, ARG_JSON },
                { "config", required_argument, NULL, ARG_CONFIG },
                { "template", required_argument, NULL, ARG_TEMPLATE },
                { "clear", no_argument, NULL, ARG_CLEAR },
                { "consume", no_argument, NULL, ARG_CONSUME },
                { "max", required_argument, NULL, ARG_MAX },
                { "escape", required_argument, NULL, ARG_ESCAPE },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, CTL_SHORT_OPTIONS, options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 1;
                case ARG_VERSION:
                        puts("berth " BERTH_VERSION);
                        return 1;
                case 'q':
                case 'H':
                case CTL_ARG_NO_ASK_PASSWORD:
                case CTL_ARG_ADDRESS:
                        ctl_parse_common_option(c, optarg, &arg_bus, &arg_quiet);
                        break;
                case ARG_JSON:
                        arg_json = true;
                        arg_verb_opts |= OPT_JSON;
                        break;
                case ARG_CONFIG:
                        arg_config = optarg;
                        arg_verb_opts |= OPT_CREATE;
                        break;
                case ARG_TEMPLATE:
                        arg_template = optarg;
                        arg_verb_opts |= OPT_CREATE;
                        break;
                case ARG_CLEAR:
                        arg_clear = true;
                        arg_verb_opts |= OPT_CONSOLE_LOG;
                        break;
                case ARG_CONSUME:
                        arg_consume = true;
                        arg_verb_opts |= OPT_CONSOLE_LOG;
                        break;
                case ARG_MAX:
                        if (parse_size(optarg, &arg_max) < 0)
                                return -ctl_usage("--max needs a number of bytes, got '%s'.", optarg);
                        arg_verb_opts |= OPT_CONSOLE_LOG;
                        break;
                case ARG_ESCAPE:
                        if (console_forward_parse_escape(optarg, &arg_escape) < 0)
                                return -ctl_usage("--escape needs a letter (a for Ctrl-a), ^X or 'none', "
                                                  "got '%s'.",
                                                  optarg);
                        arg_verb_opts |= OPT_CONSOLE;
                        break;
                case '?':
                        return -EXIT_USAGE; /* getopt printed why */
                default:
                        abort();
                }

        return -ctl_check_bus_args(&arg_bus);
}

int main(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const Verb *verb = NULL;
        int r;

        /* reboot, shutdown, freeze, unfreeze, mount, umount parse their own options: berthctl-lifecycle.c. */
        r = berthctl_lifecycle_main(argc, argv);
        if (r >= 0)
                return r;
        /* seccomp watch: berthctl-seccomp.c. */
        r = berthctl_seccomp_main(argc, argv);
        if (r >= 0)
                return r;

        r = parse_argv(argc, argv);
        if (r != 0)
                return r < 0 ? -r : EXIT_SUCCESS;

        if (optind >= argc)
                return ctl_usage("a command is needed, see 'berthctl --help'.");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(argv[optind], verbs[i].name))
                        verb = &verbs[i];
        if (!verb)
                return ctl_usage("unknown command '%s', see 'berthctl --help'.", argv[optind]);
        r = ctl_check_verb_usage(verb->name, verb->n_args, (unsigned) (argc - optind - 1), verb->opts,
                                 arg_verb_opts);
        if (r != 0)
                return r;

        if (verb->run == verb_create && !arg_config && !arg_template)
                return ctl_usage("create needs --config FILE or --template NAME.");

        if (verb->needs_bus) {
                r = ctl_connect_bus(&arg_bus, &bus);
                if (r != 0)
                        return r;
        }

        r = verb->run(bus, argv + optind + 1);
        polkit_agent_close();
        return r;
}
