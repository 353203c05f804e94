/* guard.c — the bus-error guard of readers' mapped segments (guard.h).
 *
 * The handler may run on any thread, in the middle of anything, so it takes
 * no lock and calls only mmap and sigaction (system calls). The table of
 * registered mappings is read in the handler under a per-slot sequence
 * number (a seqlock): a slot being written has an odd number, and a reading
 * whose number changed meanwhile is discarded. Registration and removal take
 * a mutex between themselves only.
 *
 * Chaining: a fault that is not ours (an address outside every registered
 * mapping, or a zero page that cannot be mapped) goes to the action that was
 * installed before ours: its handler is called; if it was the default (or
 * ignore), the default is restored and the handler returns, so the faulting
 * instruction runs again and the process dies of SIGBUS as it would have
 * without the guard. */
#include "common/guard.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/internal.h"

#define GUARD_SLOTS 4096

typedef struct guard_slot {
    atomic_uint seq; /* odd while the slot is being written */
    atomic_uintptr_t start, end;
    _Atomic(atomic_int *) faulted;
} guard_slot;

static guard_slot slots[GUARD_SLOTS];
static pthread_mutex_t slots_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint nfaults;

static pthread_mutex_t install_mu = PTHREAD_MUTEX_INITIALIZER;
static int installed;
static struct sigaction previous;
static uintptr_t page_size; /* read before the handler is installed */

static void slot_write(guard_slot *s, uintptr_t start, uintptr_t end, atomic_int *faulted)
{
    atomic_fetch_add_explicit(&s->seq, 1, memory_order_acq_rel);
    atomic_store_explicit(&s->start, start, memory_order_relaxed);
    atomic_store_explicit(&s->end, end, memory_order_relaxed);
    atomic_store_explicit(&s->faulted, faulted, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->seq, 1, memory_order_release);
}

int nsi_guard_register(const void *p, size_t len, atomic_int *faulted)
{
    if (!p || !len)
        return -1;
    int slot = -1;
    pthread_mutex_lock(&slots_mu);
    for (int i = 0; i < GUARD_SLOTS && slot < 0; i++)
        if (atomic_load_explicit(&slots[i].start, memory_order_relaxed) == 0)
            slot = i;
    if (slot >= 0)
        slot_write(&slots[slot], (uintptr_t)p, (uintptr_t)p + len, faulted);
    pthread_mutex_unlock(&slots_mu);
    return slot;
}

void nsi_guard_unregister(int slot)
{
    if (slot < 0 || slot >= GUARD_SLOTS)
        return;
    pthread_mutex_lock(&slots_mu);
    slot_write(&slots[slot], 0, 0, NULL);
    pthread_mutex_unlock(&slots_mu);
}

unsigned nsi_guard_faults(void) { return atomic_load_explicit(&nfaults, memory_order_acquire); }

/* Maps zero pages over [p, p + len) in place. The system call itself where
 * there is one: it is what the handler may call, and it keeps the
 * sanitizers' interceptors from taking the kernel's page swap for a write
 * racing the reads that other threads make of those pages (the reads see
 * the file's bytes, zeros or the fault, each handled). */
static int zero_pages(uintptr_t p, size_t len)
{
#ifdef SYS_mmap
    long r = syscall(SYS_mmap, (void *)p, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                     -1, 0L);
    return r == -1 ? -1 : 0;
#else
    return mmap((void *)p, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
                   MAP_FAILED
               ? -1
               : 0;
#endif
}

/* Replaces the pages of the registered mapping holding addr, from addr's page
 * to the mapping's end, by zero pages and sets its flag. 0 when addr is not
 * in a registered mapping or the pages cannot be replaced. */
static int patch(uintptr_t addr)
{
    for (int i = 0; i < GUARD_SLOTS; i++) {
        guard_slot *s = &slots[i];
        unsigned seq = atomic_load_explicit(&s->seq, memory_order_acquire);
        if (seq & 1)
            continue;
        uintptr_t start = atomic_load_explicit(&s->start, memory_order_relaxed);
        uintptr_t end = atomic_load_explicit(&s->end, memory_order_relaxed);
        atomic_int *flag = atomic_load_explicit(&s->faulted, memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&s->seq, memory_order_relaxed) != seq || !start || addr < start ||
            addr >= end)
            continue;
        uintptr_t from = addr & ~(page_size - 1), to = (end + page_size - 1) & ~(page_size - 1);
        if (zero_pages(from, to - from) != 0)
            return 0;
        if (flag)
            atomic_store_explicit(flag, 1, memory_order_release);
        atomic_fetch_add_explicit(&nfaults, 1, memory_order_acq_rel);
        return 1;
    }
    return 0;
}

static void on_sigbus(int sig, siginfo_t *si, void *ctx)
{
    int saved = errno;
    /* si_code > 0: raised by the kernel for a fault at si_addr (not kill) */
    int ours = si && si->si_code > 0 && patch((uintptr_t)si->si_addr);
    errno = saved;
    if (ours)
        return;
    if (previous.sa_flags & SA_SIGINFO) {
        if (previous.sa_sigaction) {
            previous.sa_sigaction(sig, si, ctx);
            return;
        }
    } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        previous.sa_handler(sig);
        return;
    }
    /* no handler before ours: die of the fault as without the guard */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGBUS, &dfl, NULL);
}

int nsi_guard_install(void)
{
    int rc = NS_OK;
    pthread_mutex_lock(&install_mu);
    if (!installed) {
        page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGBUS, &sa, &previous) != 0)
            rc = nsi_errno_status(errno);
        else
            installed = 1;
    }
    pthread_mutex_unlock(&install_mu);
    return rc;
}
