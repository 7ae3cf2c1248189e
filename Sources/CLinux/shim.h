// Linux interfaces Swift's Glibc module does not export or that are awkward from Swift:
// epoll, eventfd, spawning a child process, and unnamed temporary files.
#include <sys/epoll.h>
#include <sys/eventfd.h>

// epoll_data_t is a union; hand it over as a file descriptor.
static inline struct epoll_event clinux_epoll_event(unsigned int events, int fd) {
    struct epoll_event event;
    event.events = events;
    event.data.fd = fd;
    return event;
}

static inline int clinux_epoll_event_fd(const struct epoll_event *event) { return event->data.fd; }
static inline unsigned int clinux_epoll_event_flags(const struct epoll_event *event) { return event->events; }

// ---- Running a command (BridRuntime's CommandRunner) ----
// posix_spawn's attribute and file-action objects, wait status macros and siginfo_t
// unions are awkward or invisible from Swift; these wrap them.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// Swift's Glibc module is built without _GNU_SOURCE, which hides these two.
extern int pipe2(int pipefd[2], int flags);
#if __GLIBC_PREREQ(2, 34)
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
#endif

// A pipe whose both ends are close-on-exec from the start (no window in which another
// thread's spawn could inherit them) and are never 0, 1 or 2, so that dup2-ing them onto
// a child's standard streams cannot overwrite one another even when brid runs with its
// own standard streams closed. Returns 0, or -1 with errno.
static inline int clinux_cloexec_pipe(int fds[2]) {
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    for (int i = 0; i < 2; i++) {
        if (fds[i] < 3) {
            int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
            int saved = errno;
            close(fds[i]);
            if (moved < 0) {
                close(fds[1 - i]);
                errno = saved;
                return -1;
            }
            fds[i] = moved;
        }
    }
    return 0;
}

// Starts `path` (no PATH lookup) with `argv` and `envp` (NULL-terminated) in a process
// group of its own, with `stdin_fd` as its standard input, `output_fd` as both standard
// output and standard error, every other descriptor closed, every signal at its default
// disposition (brid ignores SIGPIPE; a service manager may have set others to SIG_IGN,
// and ignored signals survive exec) and an empty signal mask (the spawning thread's mask
// would be inherited). Returns 0 with `*pid` set, or an errno value (glibc reports exec
// failures such as ENOENT here, not through the child's exit status).
static inline int clinux_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                               int stdin_fd, int output_fd) {
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_t actions;
    int error = posix_spawnattr_init(&attributes);
    if (error != 0) return error;
    error = posix_spawn_file_actions_init(&actions);
    if (error != 0) {
        posix_spawnattr_destroy(&attributes);
        return error;
    }
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    if (error == 0) error = posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    if (error == 0) error = posix_spawnattr_setpgroup(&attributes, 0);
    if (error == 0) error = posix_spawnattr_setsigdefault(&attributes, &all);
    if (error == 0) error = posix_spawnattr_setsigmask(&attributes, &none);
    // dup2 clears close-on-exec on the copies 0, 1 and 2; the pipes' own descriptors
    // (all >= 3) keep it.
    if (error == 0) error = posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
    if (error == 0) error = posix_spawn_file_actions_adddup2(&actions, output_fd, 1);
    if (error == 0) error = posix_spawn_file_actions_adddup2(&actions, output_fd, 2);
#if __GLIBC_PREREQ(2, 34)
    // Also closes descriptors other code opened without O_CLOEXEC.
    if (error == 0) error = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif
    if (error == 0) error = posix_spawn(pid, path, &actions, &attributes, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    return error;
}

// A descriptor that polls readable when process `pid` exits (Linux 5.3), or -1 with errno
// (ENOSYS on older kernels, or where a seccomp filter forbids it).
static inline int clinux_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

// 1 if child `pid` has exited, 0 if it still runs, -1 with errno; it is left a zombie
// (WNOWAIT), so its pid, which is also its process group's id, cannot be reused yet.
static inline int clinux_child_exited(pid_t pid) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0) return -1;
    return info.si_pid != 0;
}

static inline int clinux_wexitstatus(int status) { return WEXITSTATUS(status); }
static inline int clinux_wifsignaled(int status) { return WIFSIGNALED(status); }
static inline int clinux_wtermsig(int status) { return WTERMSIG(status); }

// ---- Temporary files: spilled runs (BridRuntime's FileSpillArea), downloads (BridFetch's BodySpool) ----
// O_TMPFILE is a GNU extension, hidden from Swift's Glibc module: an unnamed file in a
// folder, gone with its last descriptor.
static inline int clinux_open_tmpfile(const char *directory) {
#ifdef __O_TMPFILE
    return open(directory, __O_TMPFILE | O_DIRECTORY | O_RDWR | O_CLOEXEC, 0600);
#else
    errno = EOPNOTSUPP;
    return -1;
#endif
}

#include <stdio.h>
#include <stdlib.h>

// An unnamed file in `directory`, open for reading and writing, close-on-exec, gone with
// its last descriptor (and mapping): O_TMPFILE, or on a file system without it a named
// file (`.brid-tmp-XXXXXX`) unlinked at once. Returns the descriptor, or -1 with errno.
static inline int clinux_open_unnamed_file(const char *directory) {
    int fd = clinux_open_tmpfile(directory);
    if (fd >= 0) return fd;
    size_t length = strlen(directory) + sizeof "/.brid-tmp-XXXXXX";
    char *path = malloc(length);
    if (path == NULL) return -1;
    snprintf(path, length, "%s/.brid-tmp-XXXXXX", directory);
    fd = mkstemp(path);
    int saved = errno;
    if (fd >= 0) {
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
        (void)unlink(path);
    }
    free(path);
    errno = saved;
    return fd;
}
