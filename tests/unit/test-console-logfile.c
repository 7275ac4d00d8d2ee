/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* lxc.console.logfile as berth writes it: live append, lxc.console.size cap with one-generation rotate
 * or truncation, refusal of caps on non-regular files, and a finish step that never empties the file. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console/console-logfile.h"
#include "tap.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"

static char tmpdir[] = "/tmp/berth-test-logfile-XXXXXX";

static void logfile_closep(ConsoleLogfile *lf) {
        console_logfile_close(lf);
}
#define _cleanup_logfile_ _cleanup_(logfile_closep)

/* Contents of a file as a string, or "(missing)" / "(error)". Caller frees. */
static char *slurp(const char *path) {
        char *s = NULL;
        size_t n;
        int r = read_full_file(path, &s, &n);
        if (r == -ENOENT)
                return strdup("(missing)");
        if (r < 0)
                return strdup("(error)");
        return s;
}

#define CHECK_FILE(path, want, ...)                                 \
        do {                                                        \
                _cleanup_free_ char *_c_ = slurp(path);             \
                TAP_EQ_STR(_c_, want, __VA_ARGS__);                 \
        } while (0)

static void test_plain_append(void) {
        _cleanup_logfile_ ConsoleLogfile lf = CONSOLE_LOGFILE_INIT;
        const char *path = strjoina(tmpdir, "/nested/dirs/plain.log");
        struct stat st;
        int fl;

        /* A strict umask must not change the documented 0640. */
        mode_t old = umask(077);
        TAP_EQ_INT(console_logfile_open(&lf, path, 0, false), 0, "open creates file and parent dirs");
        umask(old);
        TAP_OK(stat(path, &st) == 0 && S_ISREG(st.st_mode), "log file exists");
        TAP_EQ_INT(st.st_mode & 07777, 0640, "log file mode is 0640");
        TAP_OK((fcntl(lf.fd, F_GETFD) & FD_CLOEXEC) != 0, "fd is O_CLOEXEC");
        fl = fcntl(lf.fd, F_GETFL);
        TAP_OK((fl & O_APPEND) && (fl & O_ACCMODE) == O_WRONLY, "fd is O_WRONLY|O_APPEND");
        TAP_OK(!(fl & O_NONBLOCK), "fd is blocking once open");

        TAP_EQ_INT(console_logfile_write(&lf, "abc", 3), 0, "write 1");
        TAP_EQ_INT(console_logfile_write(&lf, "def\n", 4), 0, "write 2");
        CHECK_FILE(path, "abcdef\n", "appended live, before finish");
        TAP_EQ_INT(console_logfile_finish(&lf), 0, "finish");
        console_logfile_close(&lf);
        TAP_EQ_INT(lf.fd, -1, "close resets the struct");

        /* Reopening appends to what is there (a restarted container keeps its old log). */
        TAP_EQ_INT(console_logfile_open(&lf, path, 0, false), 0, "reopen");
        TAP_EQ_INT(lf.cur_size, 7, "reopen picks up the current size");
        TAP_EQ_INT(console_logfile_write(&lf, "ghi", 3), 0, "write after reopen");
        CHECK_FILE(path, "abcdef\nghi", "reopen appends");
}

static void test_cap(bool rotate) {
        _cleanup_logfile_ ConsoleLogfile lf = CONSOLE_LOGFILE_INIT;
        const char *path = strjoina(tmpdir, rotate ? "/rot.log" : "/trunc.log");
        const char *old = strjoina(path, ".1");
        const char *m = rotate ? "rotate" : "truncate";

        TAP_EQ_INT(console_logfile_open(&lf, path, 10, rotate), 0, "%s: open with cap 10", m);
        TAP_EQ_INT(console_logfile_write(&lf, "01234567", 8), 0, "%s: write 8", m);
        TAP_EQ_INT(console_logfile_write(&lf, "89", 2), 0, "%s: write up to the cap exactly", m);
        CHECK_FILE(path, "0123456789", "%s: reaching the cap exactly restarts nothing", m);
        CHECK_FILE(old, "(missing)", "%s: no .1 yet", m);

        TAP_EQ_INT(console_logfile_write(&lf, "ABCD", 4), 0, "%s: write past the cap", m);
        CHECK_FILE(path, "ABCD", "%s: file restarts with the newer bytes", m);
        CHECK_FILE(old, rotate ? "0123456789" : "(missing)", "%s: .1 holds the older bytes iff rotate", m);

        /* Part fits (fills the file to the cap), the rest starts the next generation. */
        TAP_EQ_INT(console_logfile_write(&lf, "EFGHIJKLM", 9), 0, "%s: write straddling the cap", m);
        CHECK_FILE(path, "KLM", "%s: remainder starts the file", m);
        CHECK_FILE(old, rotate ? "ABCDEFGHIJ" : "(missing)", "%s: second rotation replaces .1", m);
        if (rotate) {
                struct stat st;
                TAP_OK(stat(old, &st) == 0 && (st.st_mode & 07777) == 0640, "rotate: .1 keeps mode 0640");
                TAP_OK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640, "rotate: new file is 0640");
                TAP_OK((fcntl(lf.fd, F_GETFD) & FD_CLOEXEC) != 0, "rotate: reopened fd is O_CLOEXEC");
        }

        /* A remainder bigger than the cap: only its newest cap bytes survive. */
        TAP_EQ_INT(console_logfile_write(&lf, "abcdefghijklmnopqrstuvwxyz0123", 30), 0,
                   "%s: write of 30 bytes with cap 10", m);
        CHECK_FILE(path, "uvwxyz0123", "%s: remainder > cap keeps its last cap bytes", m);
        CHECK_FILE(old, rotate ? "KLMabcdefg" : "(missing)", "%s: .1 holds the file filled to the cap", m);
        TAP_EQ_INT(lf.cur_size, 10, "%s: tracked size matches", m);

        /* finish never truncates. */
        TAP_EQ_INT(console_logfile_finish(&lf), 0, "%s: finish", m);
        CHECK_FILE(path, "uvwxyz0123", "%s: finish keeps the content", m);
}

static void test_existing_over_cap(void) {
        _cleanup_logfile_ ConsoleLogfile lf = CONSOLE_LOGFILE_INIT;
        const char *path = strjoina(tmpdir, "/over.log");

        TAP_EQ_INT(write_file_atomic(path, "0123456789", 10, 0640), 0, "prepare a 10-byte file");
        TAP_EQ_INT(console_logfile_open(&lf, path, 4, false), 0, "open it with cap 4");
        TAP_EQ_INT(console_logfile_write(&lf, "xy", 2), 0, "write into an over-cap file");
        CHECK_FILE(path, "xy", "over-cap file restarts on the first write");
}

static void test_non_regular(void) {
        ConsoleLogfile lf = CONSOLE_LOGFILE_INIT;
        const char *fifo = strjoina(tmpdir, "/fifo");

        TAP_EQ_INT(console_logfile_open(&lf, "/dev/null", 1024, false), -EINVAL, "/dev/null with a cap refused");
        TAP_EQ_INT(console_logfile_open(&lf, "/dev/null", 0, true), -EINVAL, "/dev/null with rotate refused");
        TAP_OK(lf.fd < 0 && lf.path == NULL, "refused open leaves the struct untouched");

        TAP_OK(mkfifo(fifo, 0600) == 0, "mkfifo");
        /* Must fail at once, not block waiting for a reader. */
        TAP_EQ_INT(console_logfile_open(&lf, fifo, 4096, false), -EINVAL, "fifo with a cap refused");
        TAP_EQ_INT(console_logfile_open(&lf, fifo, 0, false), -ENXIO, "fifo without a reader: ENXIO, no hang");

        TAP_EQ_INT(console_logfile_open(&lf, "/dev/null", 0, false), 0, "/dev/null without cap accepted");
        TAP_EQ_INT(console_logfile_write(&lf, "x", 1), 0, "write to /dev/null");
        TAP_EQ_INT(console_logfile_finish(&lf), 0, "finish on /dev/null");
        console_logfile_close(&lf);

        TAP_EQ_INT(console_logfile_write(&lf, "x", 1), -EBADF, "write on a closed logfile is -EBADF");
}

static void test_finish_cap0(void) {
        _cleanup_logfile_ ConsoleLogfile lf = CONSOLE_LOGFILE_INIT;
        const char *path = strjoina(tmpdir, "/finish.log");

        /* LXC's stop path truncates the log and rewrites min(used, console.size) bytes from the ring:
         * with console.size unset that is an empty file. berth must keep what it wrote live. */
        TAP_EQ_INT(console_logfile_open(&lf, path, 0, false), 0, "open cap 0");
        TAP_EQ_INT(console_logfile_write(&lf, "boot\nlogin: ", 12), 0, "write");
        TAP_EQ_INT(console_logfile_finish(&lf), 0, "finish with cap 0");
        console_logfile_close(&lf);
        CHECK_FILE(path, "boot\nlogin: ", "finish with cap 0 leaves the content");
}

int main(void) {
        if (!mkdtemp(tmpdir)) {
                printf("Bail out! mkdtemp: %s\n", strerror(errno));
                return 1;
        }
        test_plain_append();
        test_cap(true);
        test_cap(false);
        test_existing_over_cap();
        test_non_regular();
        test_finish_cap0();
        (void) rm_rf(tmpdir);
        return tap_done();
}
