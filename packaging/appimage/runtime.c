/*
 * A small AppImage (type 2) runtime for MiMo Desktop.
 *
 * An AppImage is this ELF program with a squashfs image appended; the image starts
 * where the ELF file ends. Run, the program mounts the image read-only with FUSE
 * (squashfuse's low-level operations, linked statically from Debian's
 * libsquashfuse-dev and libfuse3-dev) and executes its AppRun, which becomes the
 * app's process (same pid, so signals reach the app). A child process serves the
 * mount until the app and everything that inherited the keep-alive pipe have exited,
 * then unmounts. Without FUSE it extracts the image to a temporary folder instead.
 *
 * Written for this project (MIT licence) because the reference runtime is published
 * only on GitHub, which our build may not download from; packaging/build_bundle.sh
 * compiles it. Options (as in the reference runtime):
 *   --appimage-extract [PREFIX]   extract (the files below PREFIX) to ./squashfs-root
 *   --appimage-extract-and-run    run without FUSE (also: APPIMAGE_EXTRACT_AND_RUN=1)
 *   --appimage-mount              mount, print the mount point, serve until killed
 *   --appimage-offset             print where the image starts
 *   --appimage-help, --appimage-version
 * Environment for AppRun: APPIMAGE (this file), APPDIR (the mounted or extracted
 * image), ARGV0 (how it was called), OWD (the working folder at start).
 */

#define _GNU_SOURCE
#include <squashfuse/squashfuse.h>
#include <squashfuse/ll.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUNTIME_VERSION "mimo-desktop-runtime 1"

/* Reserved by the AppImage specification for update information and a signature. */
__attribute__((used, section(".upd_info"))) static char upd_info[1024];
__attribute__((used, section(".sha256_sig"))) static char sha256_sig[1024];
__attribute__((used, section(".sig_key"))) static char sig_key[8192];

static char self_path[PATH_MAX];

static void die(const char *what) {
    fprintf(stderr, "AppImage runtime: %s: %s\n", what, strerror(errno));
    exit(EXIT_FAILURE);
}

/* Where the appended image starts: the end of the ELF file's last part. */
static off_t elf_size(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die(path);
    Elf64_Ehdr header;
    if (pread(fd, &header, sizeof header, 0) != (ssize_t)sizeof header
        || memcmp(header.e_ident, ELFMAG, SELFMAG) != 0
        || header.e_ident[EI_CLASS] != ELFCLASS64) {
        fprintf(stderr, "AppImage runtime: %s is not a 64-bit ELF file\n", path);
        exit(EXIT_FAILURE);
    }
    off_t end = (off_t)(header.e_shoff + (Elf64_Off)header.e_shentsize * header.e_shnum);
    for (int i = 0; i < header.e_shnum; i++) {
        Elf64_Shdr section;
        off_t at = (off_t)(header.e_shoff + (Elf64_Off)i * header.e_shentsize);
        if (pread(fd, &section, sizeof section, at) != (ssize_t)sizeof section) break;
        off_t section_end = (off_t)(section.sh_offset + section.sh_size);
        if (section.sh_type != SHT_NOBITS && section_end > end) end = section_end;
    }
    close(fd);
    return end;
}

static void set_environment(const char *appdir, const char *argv0) {
    char cwd[PATH_MAX];
    setenv("APPIMAGE", self_path, 1);
    setenv("APPDIR", appdir, 1);
    setenv("ARGV0", argv0, 1);
    if (getcwd(cwd, sizeof cwd) != NULL) setenv("OWD", cwd, 1);
}

/* Replace this process with <appdir>/AppRun, passing the user's arguments on. */
static void exec_apprun(const char *appdir, int argc, char *argv[]) {
    char apprun[PATH_MAX];
    snprintf(apprun, sizeof apprun, "%s/AppRun", appdir);
    set_environment(appdir, argv[0]);
    char **args = calloc((size_t)argc + 1, sizeof *args);
    if (args == NULL) die("calloc");
    args[0] = apprun;
    for (int i = 1; i < argc; i++) args[i] = argv[i];
    execv(apprun, args);
    die(apprun);
}

/* ---- extraction ------------------------------------------------------------------ */

static int write_file(sqfs *fs, sqfs_inode *inode, const char *path, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) return -1;
    static char buffer[1 << 16];
    sqfs_off_t done = 0, total = (sqfs_off_t)inode->xtra.reg.file_size;
    while (done < total) {
        sqfs_off_t size = total - done < (sqfs_off_t)sizeof buffer ? total - done
                                                                   : (sqfs_off_t)sizeof buffer;
        if (sqfs_read_range(fs, inode, done, &size, buffer) != SQFS_OK || size <= 0) {
            close(fd);
            errno = EIO;
            return -1;
        }
        for (sqfs_off_t written = 0; written < size;) {
            ssize_t n = write(fd, buffer + written, (size_t)(size - written));
            if (n < 0) {
                close(fd);
                return -1;
            }
            written += n;
        }
        done += size;
    }
    if (fchmod(fd, mode) != 0) { /* umask may have dropped bits */
        close(fd);
        return -1;
    }
    return close(fd);
}

/* Extract the image (only paths below `prefix` when given) into `target`. */
static int extract(off_t offset, const char *target, const char *prefix) {
    sqfs fs;
    sqfs_traverse trv;
    sqfs_err err = SQFS_OK;
    int fd = open(self_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die(self_path);
    if (sqfs_init(&fs, fd, (size_t)offset) != SQFS_OK) {
        fprintf(stderr, "AppImage runtime: no squashfs image at offset %lld\n",
                (long long)offset);
        return -1;
    }
    if (mkdir(target, 0755) != 0 && errno != EEXIST) die(target);
    if (sqfs_traverse_open(&trv, &fs, sqfs_inode_root(&fs)) != SQFS_OK) return -1;
    size_t prefix_len = prefix ? strlen(prefix) : 0;
    int failed = 0;
    while (sqfs_traverse_next(&trv, &err)) {
        if (trv.dir_end) continue;
        if (prefix_len && strncmp(trv.path, prefix, prefix_len) != 0
            && strncmp(prefix, trv.path, strlen(trv.path)) != 0)
            continue; /* neither below the prefix nor one of its parents */
        sqfs_inode inode;
        if (sqfs_inode_get(&fs, &inode, trv.entry.inode) != SQFS_OK) {
            failed = 1;
            break;
        }
        char path[PATH_MAX];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", target, trv.path) >= sizeof path) {
            failed = 1;
            break;
        }
        mode_t mode = inode.base.mode & 07777;
        int rc = 0;
        if (S_ISDIR(inode.base.mode)) {
            rc = mkdir(path, mode | 0700);
            if (rc != 0 && errno == EEXIST) rc = 0;
        } else if (S_ISREG(inode.base.mode)) {
            unlink(path);
            rc = write_file(&fs, &inode, path, mode);
        } else if (S_ISLNK(inode.base.mode)) {
            char link[PATH_MAX];
            size_t size = sizeof link;
            if (sqfs_readlink(&fs, &inode, link, &size) != SQFS_OK) {
                failed = 1;
                break;
            }
            unlink(path);
            rc = symlink(link, path);
        } /* devices, fifos and sockets have no place in an AppImage: skipped */
        if (rc != 0) {
            fprintf(stderr, "AppImage runtime: %s: %s\n", path, strerror(errno));
            failed = 1;
            break;
        }
    }
    sqfs_traverse_close(&trv);
    sqfs_destroy(&fs);
    close(fd);
    return (failed || err != SQFS_OK) ? -1 : 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int remove_tree(const char *path) {
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *temp_dir(void) {
    const char *tmp = getenv("TMPDIR");
    return (tmp && *tmp) ? tmp : "/tmp";
}

static volatile pid_t app_pid;

static void forward_signal(int sig) {
    if (app_pid > 0) kill(app_pid, sig);
}

/* Extract to a private temporary folder, run AppRun as a child, then delete it. */
static int extract_and_run(off_t offset, int argc, char *argv[]) {
    char target[PATH_MAX];
    snprintf(target, sizeof target, "%s/appimage_extracted_XXXXXX", temp_dir());
    if (mkdtemp(target) == NULL) die("mkdtemp");
    if (extract(offset, target, NULL) != 0) {
        remove_tree(target);
        return EXIT_FAILURE;
    }
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) exec_apprun(target, argc, argv);
    /* A terminal signals the whole process group, the app included: ignore those.
       SIGTERM is sent to this pid (a session ending, `kill`): pass it on. */
    app_pid = pid;
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    struct sigaction forward = {0};
    forward.sa_handler = forward_signal;
    sigaction(SIGTERM, &forward, NULL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!getenv("NO_CLEANUP")) remove_tree(target);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

/* ---- mounting -------------------------------------------------------------------- */

/* Serve FUSE requests until `keepalive` reports that every holder has exited. */
static void serve(struct fuse_session *session, int keepalive) {
    struct fuse_buf buf = {0};
    struct pollfd fds[2] = {{fuse_session_fd(session), POLLIN, 0}, {keepalive, POLLIN, 0}};
    while (!fuse_session_exited(session)) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[1].revents) break; /* EOF: the app and its children are gone */
        if (fds[0].revents & POLLIN) {
            int rc = fuse_session_receive_buf(session, &buf);
            if (rc == -EINTR || rc == -EAGAIN) continue;
            if (rc <= 0) break;
            fuse_session_process_buf(session, &buf);
        } else if (fds[0].revents) {
            break; /* unmounted from outside */
        }
    }
    free(buf.mem);
}

static struct fuse_lowlevel_ops operations = {
    .getattr = sqfs_ll_op_getattr,
    .opendir = sqfs_ll_op_opendir,
    .releasedir = sqfs_ll_op_releasedir,
    .readdir = sqfs_ll_op_readdir,
    .lookup = sqfs_ll_op_lookup,
    .open = sqfs_ll_op_open,
    .create = sqfs_ll_op_create,
    .release = sqfs_ll_op_release,
    .read = sqfs_ll_op_read,
    .readlink = sqfs_ll_op_readlink,
    .listxattr = sqfs_ll_op_listxattr,
    .getxattr = sqfs_ll_op_getxattr,
    .forget = sqfs_ll_op_forget,
    .statfs = stfs_ll_op_statfs,
};

/* The FUSE child: mount, say so on `ready`, serve, unmount. Never returns. */
static void mount_child(off_t offset, const char *mountpoint, int ready, int keepalive) {
    signal(SIGINT, SIG_IGN); /* the app handles Ctrl+C; we serve until it has exited */
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    char *fuse_argv[] = {"appimage", "-o", "ro", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(3, fuse_argv);
    sqfs_ll_chan channel;
    sqfs_ll *ll = sqfs_ll_open(self_path, (size_t)offset);
    if (ll == NULL
        || sqfs_ll_mount(&channel, mountpoint, &args, &operations, sizeof operations, ll)
               != SQFS_OK) {
        (void)!write(ready, "E", 1);
        _exit(EXIT_FAILURE);
    }
    (void)!write(ready, "R", 1);
    close(ready);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) { /* do not hold the caller's pipes open after the app has exited */
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        close(null);
    }
    serve(channel.session, keepalive);
    sqfs_ll_unmount(&channel, mountpoint); /* unmounts and destroys the session */
    rmdir(mountpoint);
    _exit(EXIT_SUCCESS);
}

/* Mount the image; in the caller, return the mount point (NULL when FUSE failed). */
static char *mount_image(off_t offset, int *keepalive_write) {
    static char mountpoint[PATH_MAX];
    const char *base = strrchr(self_path, '/');
    snprintf(mountpoint, sizeof mountpoint, "%s/.mount_%.6sXXXXXX", temp_dir(),
             base ? base + 1 : "app");
    if (mkdtemp(mountpoint) == NULL) die("mkdtemp");
    int ready[2], keepalive[2];
    if (pipe2(ready, O_CLOEXEC) != 0 || pipe(keepalive) != 0) die("pipe");
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        close(ready[0]);
        close(keepalive[1]);
        mount_child(offset, mountpoint, ready[1], keepalive[0]);
    }
    close(ready[1]);
    close(keepalive[0]);
    char answer = 0;
    ssize_t n;
    do n = read(ready[0], &answer, 1);
    while (n < 0 && errno == EINTR);
    close(ready[0]);
    if (n != 1 || answer != 'R') {
        close(keepalive[1]);
        waitpid(pid, NULL, 0);
        rmdir(mountpoint);
        return NULL;
    }
    *keepalive_write = keepalive[1]; /* inherited by AppRun: the mount lives as long */
    return mountpoint;
}

static void usage(void) {
    printf("This AppImage runs MiMo Desktop. Runtime options:\n"
           "  --appimage-extract [PREFIX]  extract the contents to ./squashfs-root\n"
           "  --appimage-extract-and-run   run without FUSE (or APPIMAGE_EXTRACT_AND_RUN=1)\n"
           "  --appimage-mount             mount, print the mount point, wait\n"
           "  --appimage-offset            print where the squashfs image starts\n"
           "  --appimage-help              this text\n"
           "  --appimage-version           the runtime's version\n");
}

int main(int argc, char *argv[]) {
    (void)upd_info;
    (void)sha256_sig;
    (void)sig_key;
    ssize_t len = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
    if (len < 0) die("/proc/self/exe");
    self_path[len] = '\0';
    off_t offset = elf_size(self_path);

    const char *option = argc > 1 ? argv[1] : "";
    if (strncmp(option, "--appimage-", 11) == 0) {
        if (strcmp(option, "--appimage-offset") == 0) {
            printf("%lld\n", (long long)offset);
            return EXIT_SUCCESS;
        }
        if (strcmp(option, "--appimage-extract") == 0)
            return extract(offset, "squashfs-root", argc > 2 ? argv[2] : NULL) == 0
                       ? EXIT_SUCCESS
                       : EXIT_FAILURE;
        if (strcmp(option, "--appimage-extract-and-run") == 0) {
            argv[1] = argv[0];
            return extract_and_run(offset, argc - 1, argv + 1);
        }
        if (strcmp(option, "--appimage-mount") == 0) {
            int keepalive = -1;
            char *mountpoint = mount_image(offset, &keepalive);
            if (mountpoint == NULL) {
                fprintf(stderr, "AppImage runtime: could not mount with FUSE\n");
                return EXIT_FAILURE;
            }
            printf("%s\n", mountpoint);
            fflush(stdout);
            pause(); /* until a signal ends us; the mount follows */
            return EXIT_SUCCESS;
        }
        if (strcmp(option, "--appimage-version") == 0) {
            printf("%s\n", RUNTIME_VERSION);
            return EXIT_SUCCESS;
        }
        usage();
        return strcmp(option, "--appimage-help") == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
    }

    const char *no_fuse = getenv("APPIMAGE_EXTRACT_AND_RUN");
    if (no_fuse && strcmp(no_fuse, "1") == 0) return extract_and_run(offset, argc, argv);
    int keepalive = -1;
    char *mountpoint = mount_image(offset, &keepalive);
    if (mountpoint == NULL) {
        fprintf(stderr,
                "AppImage runtime: FUSE is not available (install fuse3, or run with "
                "--appimage-extract-and-run); extracting to a temporary folder instead.\n");
        return extract_and_run(offset, argc, argv);
    }
    exec_apprun(mountpoint, argc, argv);
    return EXIT_FAILURE;
}
