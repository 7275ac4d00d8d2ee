/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Stand-in for libFuzzer's main() in the normal build: feeds each file given on the command line (or,
 * for a directory, each regular file in it, sorted) to LLVMFuzzerTestOneInput() once and prints TAP.
 * A crash or a broken invariant aborts the process, which fails the test and names the last file. */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "util/fileio.h"
#include "util/macro.h"

static unsigned n_run, n_failed;

static void run_file(const char *path) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;

        int r = read_full_file(path, &buf, &size);
        n_run++;
        if (r < 0) {
                n_failed++;
                printf("not ok %u - %s: cannot read: %s\n", n_run, path, strerror(-r));
                return;
        }
        /* Announce first, so the log names the input if the target crashes. */
        printf("# %s (%zu bytes)\n", path, size);
        fflush(stdout);
        (void) LLVMFuzzerTestOneInput((const uint8_t *) buf, size);
        printf("ok %u - %s\n", n_run, path);
        fflush(stdout);
}

static int filter_hidden(const struct dirent *de) {
        return de->d_name[0] != '.';
}

static int run_path(const char *path) {
        struct stat st;

        if (stat(path, &st) < 0) {
                fprintf(stderr, "fuzz-main: %s: %m\n", path);
                return -errno;
        }
        if (!S_ISDIR(st.st_mode)) {
                run_file(path);
                return 0;
        }

        struct dirent **names = NULL;
        int n = scandir(path, &names, filter_hidden, alphasort);
        if (n < 0) {
                fprintf(stderr, "fuzz-main: %s: %m\n", path);
                return -errno;
        }
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *f = NULL;
                if (asprintf(&f, "%s/%s", path, names[i]->d_name) < 0)
                        abort();
                if (stat(f, &st) >= 0 && S_ISREG(st.st_mode))
                        run_file(f);
                free(names[i]);
        }
        free(names);
        return 0;
}

int main(int argc, char *argv[]) {
        if (argc < 2) {
                fprintf(stderr, "usage: %s CORPUS-FILE-OR-DIR...\n", argv[0]);
                return 2;
        }
        for (int i = 1; i < argc; i++)
                if (run_path(argv[i]) < 0)
                        return 1;
        if (n_run == 0) {
                /* An empty corpus would make the test pass without exercising anything. */
                printf("not ok 1 - no corpus files found\n1..1\n");
                return 1;
        }
        printf("1..%u\n", n_run);
        return n_failed ? 1 : 0;
}
