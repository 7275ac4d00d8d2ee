/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static int is_cgroup2(const char *path) {
        struct statfs sfs;

        if (statfs(path, &sfs) < 0)
                return -errno;
        return (uint64_t) sfs.f_type == (uint64_t) CGROUP2_SUPER_MAGIC;
}

int cgroup_find_unified(char **ret_path) {
        static const char *const candidates[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };

        for (size_t i = 0; i < ELEMENTSOF(candidates); i++)
                if (is_cgroup2(candidates[i]) > 0) {
                        char *p = strdup(candidates[i]);
                        if (!p)
                                return -ENOMEM;
                        *ret_path = p;
                        return 0;
                }
        return -ENOMEDIUM;
}

int cgroup_base_name(const char *root, char **ret) {
        char *s;

        if (!root)
                s = strdup("berth");
        else {
                /* FNV-1a, 32 bit: stable across builds and cheap; only needs to separate test roots. */
                uint32_t h = 2166136261U;
                for (const char *p = root; *p; p++) {
                        h ^= (uint8_t) *p;
                        h *= 16777619U;
                }
                if (asprintf(&s, "berth-%08x", h) < 0)
                        s = NULL;
        }
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int cgroup_container_path(const char *root, const char *name, char **ret) {
        _cleanup_free_ char *unified = NULL, *base = NULL;
        char *p;
        int r;

        r = cgroup_find_unified(&unified);
        if (r < 0)
                return r;
        r = cgroup_base_name(root, &base);
        if (r < 0)
                return r;
        if (asprintf(&p, "%s/%s/%s", unified, base, name) < 0)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int cgroup_create(const char *path) {
        return mkdir_p(path, 0755);
}

int cgroup_attach(const char *path, pid_t pid) {
        _cleanup_free_ char *procs = NULL;
        char buf[32];

        if (asprintf(&procs, "%s/cgroup.procs", path) < 0)
                return -ENOMEM;
        snprintf(buf, sizeof buf, "%d", pid > 0 ? (int) pid : (int) getpid());
        return write_string_file(procs, buf);
}

int cgroup_open(const char *path) {
        return RET_NERRNO(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

/* Remove the sub-cgroups a container made below its own (systemd inside, or root with a delegated
 * cgroup), deepest first: rmdir of a cgroup with children fails with EBUSY forever. */
static void cgroup_remove_children(const char *path) {
        _cleanup_closedir_ DIR *d = opendir(path);
        if (!d)
                return;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *child = NULL;
                if (asprintf(&child, "%s/%s", path, de->d_name) < 0)
                        return;
                cgroup_remove_children(child);
                (void) rmdir(child);
        }
}

int cgroup_remove(const char *path, bool kill_remaining) {
        _cleanup_free_ char *kill_file = NULL;
        struct stat st;
        long wait_ns = 500 * 1000;

        if (stat(path, &st) < 0)
                return errno == ENOENT ? 0 : -errno;

        if (asprintf(&kill_file, "%s/cgroup.kill", path) < 0)
                return -ENOMEM;

        /* After init died the kernel still has to tear down the rest of the pid namespace; rmdir fails
         * with EBUSY until the cgroup is empty. cgroup.kill (5.14+, the whole subtree) speeds that up; the
         * loop, backing off from 0.5 ms to 10 ms, bounds it at about 3 s. */
        for (unsigned i = 0;; i++) {
                cgroup_remove_children(path);
                if (rmdir(path) >= 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY || i >= 300)
                        return -errno;
                if (i == 0 && kill_remaining)
                        (void) write_string_file(kill_file, "1");
                (void) nanosleep(&(struct timespec) { .tv_nsec = wait_ns }, NULL);
                wait_ns = MIN(wait_ns * 2, 10L * 1000 * 1000);
        }
}

/* The rest of the first line of contents that starts with prefix (lines are cut in place), or NULL. */
static const char *find_line_value(char *contents, const char *prefix) {
        for (char *line = contents, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                const char *v = startswith(line, prefix);
                if (v)
                        return v;
        }
        return NULL;
}

int cgroup_pid_get_path(pid_t pid, char **ret) {
        _cleanup_free_ char *fn = NULL, *contents = NULL;
        int r;

        if (asprintf(&fn, "/proc/%d/cgroup", pid > 0 ? (int) pid : (int) getpid()) < 0)
                return -ENOMEM;
        r = read_full_file(fn, &contents, NULL);
        if (r < 0)
                return r;

        const char *p = find_line_value(contents, "0::");
        if (!p)
                return -ENOMEDIUM;
        char *s = strdup(p);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int cgroup_set_frozen(const char *path, bool frozen) {
        _cleanup_free_ char *fn = NULL;

        if (asprintf(&fn, "%s/cgroup.freeze", path) < 0)
                return -ENOMEM;
        return write_string_file(fn, frozen ? "1" : "0");
}

int cgroup_get_frozen(const char *path) {
        _cleanup_free_ char *fn = NULL, *contents = NULL;
        int r;

        if (asprintf(&fn, "%s/cgroup.events", path) < 0)
                return -ENOMEM;
        r = read_full_file(fn, &contents, NULL);
        if (r < 0)
                return r;
        /* "populated 1\nfrozen 0\n"; kernels before 5.2 have no "frozen" line (and no cgroup.freeze). */
        const char *v = find_line_value(contents, "frozen ");
        if (!v)
                return -EOPNOTSUPP;
        return streq(v, "1");
}
