/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp/seccomp-load.h"
#include "util/fd-util.h"
#include "util/fileio.h"

static size_t profile_arches(const SeccompProfile *p, uint32_t ret[static 3]) {
        size_t n = 0;
        ret[n++] = p->native_arch;
        for (size_t i = 0; i < ELEMENTSOF(p->compat_arches) && p->compat_arches[i] != 0; i++)
                ret[n++] = p->compat_arches[i];
        return n;
}

/* libseccomp takes syscall numbers of the architecture it was built for and translates them into each
 * architecture of the filter itself (socket → socketcall on x86 included). A name that is only a
 * syscall elsewhere resolves to a negative pseudo number, which it translates as well. */
static int rule_syscall_number(const SeccompProfile *p, const SeccompRule *rule, uint32_t arch, int *ret) {
        if (rule->syscall) {
                if (seccomp_syscall_resolve_name_arch(arch, rule->syscall) < 0)
                        return 0;       /* not a syscall on this architecture of the filter */
                *ret = seccomp_syscall_resolve_name(rule->syscall);
                return *ret == __NR_SCMP_ERROR ? 0 : 1;
        }

        /* Version 1: a number of the profile's native architecture. */
        if (p->native_arch == seccomp_arch_native()) {
                *ret = rule->nr;
                return 1;
        }
        _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(p->native_arch, rule->nr);
        if (!name)
                return -ENOENT;
        *ret = seccomp_syscall_resolve_name(name);
        return *ret == __NR_SCMP_ERROR ? -ENOENT : 1;
}

/* "<file>:<line>: \"<syscall>\": <what> for <arch>[: <error>]" */
static int build_error(char **ret_error, int r, const SeccompProfile *p, const SeccompRule *rule,
                       uint32_t arch, const char *what, bool with_errno) {
        if (!ret_error)
                return r;

        char nr[32];
        const char *token = rule->syscall;
        if (!token) {
                snprintf(nr, sizeof nr, "%d", rule->nr);
                token = nr;
        }
        if (asprintf(ret_error, "%s:%u: \"%s\": %s %s%s%s", p->source, rule->line, token, what,
                     strna(seccomp_arch_to_section(arch)), with_errno ? ": " : "",
                     with_errno ? strerror(-r) : "") < 0)
                *ret_error = NULL;
        return r;
}

static int profile_error(char **ret_error, int r, const SeccompProfile *p, const char *what) {
        if (ret_error && asprintf(ret_error, "%s: %s", p->source, what) < 0)
                *ret_error = NULL;
        return r;
}

int seccomp_profile_build(const SeccompProfile *p, scmp_filter_ctx *ret, char **ret_error) {
        scmp_filter_ctx ctx[3] = {};
        uint32_t arches[3];
        size_t n;
        int r;

        if (!p || !ret)
                return -EINVAL;

        /* Without this libseccomp refuses each notify rule with a bare EINVAL. */
        if (p->wants_notify && !seccomp_notify_supported())
                return profile_error(ret_error, -EOPNOTSUPP, p, "the profile uses notify, which needs seccomp "
                                     "user notification (Linux 5.0 and libseccomp 2.5)");

        n = profile_arches(p, arches);
        for (size_t i = 0; i < n; i++) {
                ctx[i] = seccomp_init(p->default_action);
                if (!ctx[i]) {
                        r = profile_error(ret_error, -EINVAL, p,
                                          "libseccomp refused the default action (is it supported here?)");
                        goto finish;
                }

                /* As LXC: whether no_new_privs is set is the container's choice (lxc.no_new_privs). */
                r = seccomp_attr_set(ctx[i], SCMP_FLTATR_CTL_NNP, 0);
                if (r < 0) {
                        r = profile_error(ret_error, r, p, "cannot clear the no_new_privs attribute");
                        goto finish;
                }

                if (arches[i] != seccomp_arch_native()) {
                        r = seccomp_arch_remove(ctx[i], SCMP_ARCH_NATIVE);
                        if (r >= 0)
                                r = seccomp_arch_add(ctx[i], arches[i]);
                        if (r < 0) {
                                r = profile_error(ret_error, r, p, "libseccomp cannot build a filter for "
                                                  "this architecture");
                                goto finish;
                        }
                }
        }

        for (size_t k = 0; k < p->n_rules; k++) {
                const SeccompRule *rule = p->rules + k;

                for (size_t i = 0; i < n; i++) {
                        if (rule->arch != SECCOMP_PROFILE_ARCH_ALL && rule->arch != arches[i])
                                continue;

                        int nr;
                        r = rule_syscall_number(p, rule, arches[i], &nr);
                        if (r < 0) {
                                r = build_error(ret_error, -EINVAL, p, rule, arches[i],
                                                "no such syscall number on", false);
                                goto finish;
                        }
                        if (r == 0)
                                continue;

                        r = seccomp_rule_add_array(ctx[i], rule->action, nr, rule->n_args, rule->args);
                        if (r < 0) {
                                r = build_error(ret_error, r, p, rule, arches[i], "cannot add the rule for", true);
                                goto finish;
                        }
                }
        }

        /* One filter with a section per architecture. seccomp_merge() consumes the merged context. */
        for (size_t i = 1; i < n; i++) {
                r = seccomp_merge(ctx[0], ctx[i]);
                if (r < 0) {
                        r = profile_error(ret_error, r, p, "cannot merge the per-architecture filters");
                        goto finish;
                }
                ctx[i] = NULL;
        }

        *ret = TAKE_PTR(ctx[0]);
        r = 0;

finish:
        for (size_t i = 0; i < n; i++)
                if (ctx[i])
                        seccomp_release(ctx[i]);
        return r;
}

/* The whole content of a memfd written by libseccomp. */
static int read_memfd(int fd, char **ret, size_t *ret_size) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;

        _cleanup_free_ char *buf = malloc(st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        ssize_t k = loop_read(fd, buf, st.st_size);
        if (k < 0)
                return (int) k;
        if (k != st.st_size)
                return -EIO;
        buf[k] = 0;

        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = k;
        return 0;
}

/* The caller's own mode. prctl() first: the container's init loads its profile after pivot_root, where
 * /proc need not be mounted (no lxc.mount.auto proc). /proc/self/status only if prctl() is filtered. */
static int current_seccomp_mode(int *ret_mode) {
        int k = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
        if (k >= 0) {
                *ret_mode = k;
                return 0;
        }
        if (errno == EINVAL)
                return -EOPNOTSUPP;     /* a kernel without CONFIG_SECCOMP */
        return seccomp_read_status(0, ret_mode, NULL);
}

bool seccomp_supported(void) {
        int mode;
        return current_seccomp_mode(&mode) >= 0;
}

bool seccomp_notify_supported(void) {
        /* API level 5: libseccomp found SECCOMP_RET_USER_NOTIF and the notify ioctls in this kernel. */
        return seccomp_supported() && seccomp_api_get() >= 5;
}

int seccomp_filter_export_pfc(scmp_filter_ctx ctx, char **ret) {
        _cleanup_close_ int fd = memfd_create("berth-seccomp-pfc", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;

        int r = seccomp_export_pfc(ctx, fd);
        if (r < 0)
                return r;
        return read_memfd(fd, ret, NULL);
}

int seccomp_read_status(pid_t pid, int *ret_mode, int *ret_filters) {
        _cleanup_free_ char *text = NULL;
        char path[64];
        int mode = -1, filters = -1, r;

        if (pid == 0)
                snprintf(path, sizeof path, "/proc/self/status");
        else
                snprintf(path, sizeof path, "/proc/%d/status", (int) pid);

        r = read_full_file(path, &text, NULL);
        if (r < 0)
                return r;

        for (char *l = text; l && *l; ) {
                char *v;
                if ((v = startswith(l, "Seccomp:")))
                        mode = atoi(v);
                else if ((v = startswith(l, "Seccomp_filters:")))
                        filters = atoi(v);
                l = strchr(l, '\n');
                if (l)
                        l++;
        }
        if (mode < 0)
                return -EOPNOTSUPP;

        if (ret_mode)
                *ret_mode = mode;
        if (ret_filters)
                *ret_filters = filters;
        return 0;
}

int seccomp_profile_load(const SeccompProfile *p, bool allow_nesting, int *ret_notify_fd, char **ret_error) {
        _cleanup_seccomp_release_ scmp_filter_ctx ctx = NULL;
        _cleanup_free_ char *bpf = NULL;
        size_t size;
        int mode, r;

        if (!p)
                return -EINVAL;

        if (p->native_arch != seccomp_arch_native())
                return profile_error(ret_error, -EINVAL, p, "the profile was compiled for another architecture");

        r = current_seccomp_mode(&mode);
        if (r == -EOPNOTSUPP)
                return profile_error(ret_error, r, p, "the kernel has no seccomp support");
        if (r < 0)
                return profile_error(ret_error, r, p, "cannot tell whether this process is already "
                                     "seccomp-confined (prctl(PR_GET_SECCOMP) refused, no /proc/self/status)");

        if (mode != 0 && !allow_nesting) {
                /* LXC: a nested container under a confined starter skips its profile unless asked. */
                if (ret_notify_fd)
                        *ret_notify_fd = -EBADF;
                return SECCOMP_LOAD_SKIPPED;
        }

        r = seccomp_profile_build(p, &ctx, ret_error);
        if (r < 0)
                return r;

        /* The filter goes to the kernel through seccomp(2) directly rather than seccomp_load():
         * libseccomp 2.5 keeps one listener per process (a second notify filter silently gets none, so
         * its notify rules become ENOSYS) and reports the kernel's EBUSY as EFAULT. */
        _cleanup_close_ int fd = memfd_create("berth-seccomp-bpf", MFD_CLOEXEC);
        if (fd < 0)
                return profile_error(ret_error, -errno, p, "cannot create a memfd for the filter");
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return profile_error(ret_error, r, p, "libseccomp cannot generate the BPF program");
        r = read_memfd(fd, &bpf, &size);
        if (r < 0)
                return profile_error(ret_error, r, p, "cannot read back the BPF program");
        size_t n_insns = size / sizeof(struct sock_filter);
        if (n_insns == 0 || size % sizeof(struct sock_filter) != 0 || n_insns > BPF_MAXINSNS)
                return profile_error(ret_error, -E2BIG, p, "the BPF program is empty or too large "
                                     "(more than 4096 instructions)");

        struct sock_fprog prog = {
                .len = n_insns,
                .filter = (struct sock_filter *) bpf,
        };
        unsigned flags = p->wants_notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;

        long k = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
        if (k < 0 && errno == ENOSYS && flags == 0)
                /* Kernels before 3.17, and valgrind, only know the prctl() interface. */
                k = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
        if (k < 0) {
                r = -errno;
                if (r == -EBUSY && p->wants_notify)
                        return profile_error(ret_error, r, p,
                                             "the profile has notify rules, but an outer seccomp filter of this "
                                             "process already has a notification listener (nested notify, e.g. "
                                             "under a container whose profile uses notify): the kernel allows "
                                             "one listener per filter chain (EBUSY)");
                if (r == -EACCES)
                        return profile_error(ret_error, r, p, "loading a seccomp filter needs no_new_privs "
                                             "or CAP_SYS_ADMIN (EACCES)");
                if (r == -EINVAL && p->wants_notify)
                        return profile_error(ret_error, r, p, "the kernel refused the filter: does it support "
                                             "seccomp user notification (Linux 5.0)? (EINVAL)");

                _cleanup_free_ char *m = NULL;
                if (asprintf(&m, "the kernel refused the filter: %s", strerror(-r)) < 0)
                        return -ENOMEM;
                return profile_error(ret_error, r, p, m);
        }

        if (!p->wants_notify)
                k = -EBADF;
        if (ret_notify_fd)
                *ret_notify_fd = (int) k;
        else if (k >= 0)
                safe_close((int) k);    /* nobody listens: notify rules now return ENOSYS */
        return SECCOMP_LOAD_LOADED;
}
