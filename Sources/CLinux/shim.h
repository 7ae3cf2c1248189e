// Linux interfaces Swift's Glibc module does not export: epoll and eventfd.
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
