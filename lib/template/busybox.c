/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The busybox template: a minimal rootfs from the host's busybox-static, with an init script that
 * announces itself on the console and exits cleanly on the halt/stop signals. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/strv.h"

#define HOST_BUSYBOX "/bin/busybox"

static const char init_script[] =
        "#!/bin/sh\n"
        "# berth busybox init: berth already mounted /proc, /sys and /dev.\n"
        "export PATH=/bin:/sbin\n"
        "# SIGINT is LXC's reboot request (ctrl-alt-del): exiting is enough, berth-monitor restarts init\n"
        "# because it asked for the reboot; 'reboot -f' inside restarts it too (the kernel kills init with\n"
        "# SIGHUP), 'halt -f'/'poweroff -f' stop it (SIGINT).\n"
        "trap 'echo \"berth busybox init: shutting down\"; exit 0' TERM PWR\n"
        "trap 'echo \"berth busybox init: rebooting\"; exit 0' INT\n"
        "echo \"berth busybox container $(hostname) is up\"\n"
        "# sleep in the background and wait, so a trap runs as soon as the signal arrives\n"
        "while :; do sleep 1 & wait $!; done\n";

static const char *const rootfs_dirs[] = {
        "bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "root", "var", "var/log", "run", "mnt",
};

static int set_error(char **ret_error, int r, const char *fmt, const char *arg) {
        if (ret_error) {
                _cleanup_free_ char *msg = NULL;
                char *e;
                if (asprintf(&msg, fmt, arg) >= 0 && asprintf(&e, "%s: %s", msg, strerror(-r)) >= 0)
                        *ret_error = e;
        }
        return r;
}

/* A static binary has no program interpreter; that is what lets it run in an empty rootfs. */
static int elf_is_static(int fd) {
        unsigned char ident[EI_NIDENT];

        if (pread(fd, ident, sizeof ident, 0) != (ssize_t) sizeof ident || memcmp(ident, ELFMAG, SELFMAG) != 0)
                return -ENOEXEC;

        if (ident[EI_CLASS] == ELFCLASS64) {
                Elf64_Ehdr eh;
                if (pread(fd, &eh, sizeof eh, 0) != (ssize_t) sizeof eh)
                        return -ENOEXEC;
                for (unsigned i = 0; i < eh.e_phnum; i++) {
                        Elf64_Phdr ph;
                        if (pread(fd, &ph, sizeof ph, (off_t) (eh.e_phoff + (uint64_t) i * eh.e_phentsize)) !=
                            (ssize_t) sizeof ph)
                                return -ENOEXEC;
                        if (ph.p_type == PT_INTERP)
                                return 0;
                }
                return 1;
        }
        if (ident[EI_CLASS] == ELFCLASS32) {
                Elf32_Ehdr eh;
                if (pread(fd, &eh, sizeof eh, 0) != (ssize_t) sizeof eh)
                        return -ENOEXEC;
                for (unsigned i = 0; i < eh.e_phnum; i++) {
                        Elf32_Phdr ph;
                        if (pread(fd, &ph, sizeof ph, (off_t) (eh.e_phoff + (uint64_t) i * eh.e_phentsize)) !=
                            (ssize_t) sizeof ph)
                                return -ENOEXEC;
                        if (ph.p_type == PT_INTERP)
                                return 0;
                }
                return 1;
        }
        return -ENOEXEC;
}

/* Run "busybox --list" and return its applet names. */
static int busybox_list(const char *busybox, char ***ret) {
        _cleanup_close_pair_ int p[2] = { -EBADF, -EBADF };
        _cleanup_free_ char *out = NULL;
        size_t size = 0, alloc = 0;
        int status, r = 0;
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (dup2(p[1], STDOUT_FILENO) < 0)
                        _exit(127);
                execl(busybox, "busybox", "--list", (char *) NULL);
                _exit(127);
        }
        p[1] = safe_close(p[1]);

        for (;;) {
                if (alloc - size < 4096) {
                        char *n = realloc(out, alloc + 16384);
                        if (!n) {
                                r = -ENOMEM;
                                break;
                        }
                        out = n;
                        alloc += 16384;
                }
                ssize_t n = read(p[0], out + size, alloc - size - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        if (n < 0)
                                r = -errno;
                        break;
                }
                size += (size_t) n;
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (r < 0)
                return r;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !out)
                return -EIO;
        out[size] = 0;
        return strv_split(out, "\n", ret);
}

int berth_template_busybox(const char *rootfs_path, char **ret_error) {
        _cleanup_strv_free_ char **applets = NULL;
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *bin = NULL, *image = NULL;
        size_t image_size;
        int r;

        if (isempty(rootfs_path) || rootfs_path[0] != '/')
                return set_error(ret_error, -EINVAL, "rootfs path '%s' is not absolute", strempty(rootfs_path));

        fd = open(HOST_BUSYBOX, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return set_error(ret_error, -errno, "%s missing (install busybox-static)", HOST_BUSYBOX);
        r = elf_is_static(fd);
        if (r < 0)
                return set_error(ret_error, r, "%s is not an ELF binary (install busybox-static)", HOST_BUSYBOX);
        if (r == 0)
                return set_error(ret_error, -ENOEXEC, "%s is dynamically linked (install busybox-static)",
                                 HOST_BUSYBOX);

        r = mkdir_p(rootfs_path, 0755);
        if (r < 0)
                return set_error(ret_error, r, "create %s", rootfs_path);
        for (size_t i = 0; i < ELEMENTSOF(rootfs_dirs); i++) {
                _cleanup_free_ char *d = NULL;
                if (asprintf(&d, "%s/%s", rootfs_path, rootfs_dirs[i]) < 0)
                        return -ENOMEM;
                r = mkdir_p(d, streq(rootfs_dirs[i], "tmp") ? 01777 : 0755);
                if (r < 0)
                        return set_error(ret_error, r, "create %s", d);
                if (streq(rootfs_dirs[i], "tmp"))
                        (void) chmod(d, 01777); /* the umask may have dropped bits */
        }

        if (asprintf(&bin, "%s/bin/busybox", rootfs_path) < 0)
                return -ENOMEM;
        r = read_full_file(HOST_BUSYBOX, &image, &image_size);
        if (r < 0)
                return set_error(ret_error, r, "read %s", HOST_BUSYBOX);
        r = write_file_atomic(bin, image, image_size, 0755);
        if (r < 0)
                return set_error(ret_error, r, "copy busybox to %s", bin);

        r = busybox_list(HOST_BUSYBOX, &applets);
        if (r < 0)
                return set_error(ret_error, r, "%s --list", HOST_BUSYBOX);
        STRV_FOREACH(a, applets) {
                _cleanup_free_ char *link = NULL;
                if (streq(*a, "busybox") || strchr(*a, '/'))
                        continue;
                if (asprintf(&link, "%s/bin/%s", rootfs_path, *a) < 0)
                        return -ENOMEM;
                if (symlink("busybox", link) < 0 && errno != EEXIST)
                        return set_error(ret_error, -errno, "symlink %s", link);
        }

        static const struct {
                const char *path, *content;
                mode_t mode;
        } files[] = {
                { "sbin/init", init_script, 0755 },
                { "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644 },
                { "etc/group", "root:x:0:\n", 0644 },
                { "etc/hostname", "berth\n", 0644 },
        };
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s/%s", rootfs_path, files[i].path) < 0)
                        return -ENOMEM;
                r = write_file_atomic(p, files[i].content, strlen(files[i].content), files[i].mode);
                if (r < 0)
                        return set_error(ret_error, r, "write %s", p);
        }
        return 0;
}
