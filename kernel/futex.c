// SPDX-License-Identifier: MIT
/*
 * futex(2): FUTEX_WAIT, FUTEX_WAKE and their _BITSET forms, FUTEX_REQUEUE and
 * FUTEX_CMP_REQUEUE, private and shared, with Linux 6.1's results (kernel/futex/).
 *
 * A waiter is keyed by its address space, the user address and whether the call
 * was shared: Linux keys a private futex by (mm, address) and a shared one on
 * anonymous memory by (mm, address) marked FUT_OFF_MMSHARED, so a private wake
 * does not wake a shared waiter on the same word and the other way round (the
 * CLONE_CHILD_CLEARTID wake at exit is a shared one). Processes share no memory
 * here yet, so (space, address) is a whole key for shared futexes too.
 *
 * Buckets: FUTEX_BUCKETS wait queues, the key hashed to one; a waiter's futex_q
 * lives on its stack and is linked in its bucket's list under the bucket's wait
 * queue lock (a spinlock with interrupts masked, nothing taken inside it but the
 * run queue's lock of wake_up_all(); the holder never waits for another CPU).
 * FUTEX_WAIT compares the word under that lock, as Linux does under its hash
 * bucket lock, so a FUTEX_WAKE after the program changed the word cannot be lost;
 * the read is one that may not fault (copy_from_user_nofault()): if the page is not
 * there, the lock is dropped, the page faulted in and the whole check redone.
 *
 * A requeue moves waiters from one futex's list to another's, under both buckets'
 * locks (the lower address first), as futex_requeue() with double_lock_hb(). A
 * waiter keeps sleeping on the wait queue of the bucket it started in
 * (futex_q.sleep); futex_q.b is the bucket whose list holds it now, which only a
 * holder of that bucket's lock may read or change (the waiter retries until the
 * bucket it locked is still its own, as Linux's futex_q_lock_ptr).
 */
#include <kern/errno.h>
#include <kern/futex.h>
#include <kern/sched.h>
#include <kern/time.h>
#include <kern/uaccess.h>

#define FUTEX_BUCKETS 64

struct futex_bucket;

struct futex_q {
	struct futex_q *next;
	struct futex_bucket *b;      /* the list it is on (under that bucket's lock) */
	struct futex_bucket *sleep;  /* the wait queue it sleeps on (fixed) */
	const void *as;
	uintptr_t uaddr;
	bool shared;
	uint32_t bitset;
	bool woken;
};

struct futex_bucket {
	struct waitq wq;             /* its lock also guards the list */
	struct futex_q *head;
};

static struct futex_bucket buckets[FUTEX_BUCKETS];
static bool buckets_ready;

static struct futex_bucket *bucket_of(const void *as, uintptr_t uaddr)
{
	/* Written once by the first caller; every call after sees it (a bool, idempotent). */
	if (!__atomic_load_n(&buckets_ready, __ATOMIC_ACQUIRE)) {
		static spinlock_t init_lock = SPINLOCK_INIT;
		unsigned long f = spin_lock_irqsave(&init_lock);
		if (!buckets_ready) {
			for (unsigned int i = 0; i < FUTEX_BUCKETS; i++)
				waitq_init(&buckets[i].wq);
			__atomic_store_n(&buckets_ready, true, __ATOMIC_RELEASE);
		}
		spin_unlock_irqrestore(&init_lock, f);
	}
	uint64_t h = ((uint64_t)(uintptr_t)as ^ (uint64_t)uaddr) * 0x9e3779b97f4a7c15ull;
	return &buckets[h >> 58];
}

static bool q_woken(void *arg)
{
	return ((struct futex_q *)arg)->woken;
}

static void q_unlink(struct futex_bucket *b, struct futex_q *q)
{
	for (struct futex_q **pp = &b->head; *pp; pp = &(*pp)->next) {
		if (*pp == q) {
			*pp = q->next;
			return;
		}
	}
}

static long futex_wait(uintptr_t uaddr, bool shared, uint32_t val, uint64_t deadline, uint32_t bitset)
{
	struct thread *t = thread_current();
	struct futex_bucket *b = bucket_of(t->as, uaddr);
	struct futex_q q = { .as = t->as, .uaddr = uaddr, .shared = shared, .bitset = bitset,
			     .b = b, .sleep = b };
	uint32_t cur;

	for (;;) {
		unsigned long flags = spin_lock_irqsave(&b->wq.lock);
		int err = copy_from_user_nofault(&cur, uaddr, sizeof(cur));
		if (!err) {
			if (cur != val) {
				spin_unlock_irqrestore(&b->wq.lock, flags);
				return -EAGAIN;
			}
			q.next = b->head;
			b->head = &q;
			spin_unlock_irqrestore(&b->wq.lock, flags);
			break;
		}
		spin_unlock_irqrestore(&b->wq.lock, flags);
		/* Fault the page in (or fail for good) without the lock, then check again. */
		if (copy_from_user(&cur, uaddr, sizeof(cur)))
			return -EFAULT;
	}
	int ret = wait_event_timeout(&b->wq, q_woken, &q, deadline, WAIT_INTERRUPTIBLE);
	/* The list it is on now: a requeue may have moved it meanwhile. */
	struct futex_bucket *on;
	unsigned long flags;
	for (;;) {
		on = __atomic_load_n(&q.b, __ATOMIC_ACQUIRE);
		flags = spin_lock_irqsave(&on->wq.lock);
		if (q.b == on)
			break;
		spin_unlock_irqrestore(&on->wq.lock, flags);
	}
	if (!q.woken)
		q_unlink(on, &q);
	else
		ret = 0;             /* woken, whatever else happened meanwhile */
	spin_unlock_irqrestore(&on->wq.lock, flags);
	return ret;
}

static bool q_matches(const struct futex_q *q, const void *as, uintptr_t uaddr, bool shared)
{
	return q->as == as && q->uaddr == uaddr && q->shared == shared;
}

/* Wake the sleepers of every bucket in @mask (bit i: buckets[i]), after the unlocks. */
static void wake_buckets(uint64_t mask)
{
	for (; mask; mask &= mask - 1)
		wake_up_all(&buckets[__builtin_ctzll(mask)].wq);
}

/*
 * futex_requeue() without PI: wake up to @nr_wake waiters of @uaddr, move up to
 * @nr_requeue more to @uaddr2; with @cmpval, only if the word at @uaddr still holds
 * it (-EAGAIN). Returns the number woken plus moved.
 */
static long futex_requeue(uintptr_t uaddr, uintptr_t uaddr2, bool shared, int nr_wake,
			  int nr_requeue, const uint32_t *cmpval)
{
	const void *as = thread_current()->as;
	struct futex_bucket *b1 = bucket_of(as, uaddr), *b2 = bucket_of(as, uaddr2);
	struct futex_bucket *lo = b1 < b2 ? b1 : b2, *hi = b1 < b2 ? b2 : b1;
	uint64_t to_wake = 0;
	long count = 0;
	unsigned long flags;
	uint32_t cur;

	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	for (;;) {
		flags = spin_lock_irqsave(&lo->wq.lock);
		if (hi != lo)
			spin_lock(&hi->wq.lock);
		if (!cmpval)
			break;
		int err = copy_from_user_nofault(&cur, uaddr, sizeof(cur));
		if (!err && cur != *cmpval) {
			count = -EAGAIN;
			goto out_unlock;
		}
		if (!err)
			break;
		if (hi != lo)
			spin_unlock(&hi->wq.lock);
		spin_unlock_irqrestore(&lo->wq.lock, flags);
		/* get_futex_value_locked() faulted: fault the page in, then again. */
		if (copy_from_user(&cur, uaddr, sizeof(cur)))
			return -EFAULT;
	}
	for (struct futex_q **pp = &b1->head; *pp;) {
		struct futex_q *q = *pp;
		if (count - nr_wake >= nr_requeue)
			break;
		if (!q_matches(q, as, uaddr, shared)) {
			pp = &q->next;
			continue;
		}
		if (++count <= nr_wake) {
			*pp = q->next;
			q->woken = true;
			to_wake |= 1ull << (q->sleep - buckets);
			continue;
		}
		/* requeue_futex(): the new key, and the other list if it is another bucket. */
		q->uaddr = uaddr2;
		if (b2 != b1) {
			*pp = q->next;
			q->next = b2->head;
			b2->head = q;
			__atomic_store_n(&q->b, b2, __ATOMIC_RELEASE);
		} else {
			pp = &q->next;
		}
	}
out_unlock:
	if (hi != lo)
		spin_unlock(&hi->wq.lock);
	spin_unlock_irqrestore(&lo->wq.lock, flags);
	/* As in futex_wake(): nothing of a woken q is touched after the unlock. */
	wake_buckets(to_wake);
	return count;
}

long futex_wake(const void *as, uintptr_t uaddr, bool shared, int nr, uint32_t bitset)
{
	struct futex_bucket *b = bucket_of(as, uaddr);
	uint64_t to_wake = 0;
	long woke = 0;

	unsigned long flags = spin_lock_irqsave(&b->wq.lock);
	/* futex_wake(): the count is checked after each wake, so 0 or less wakes one. */
	for (struct futex_q **pp = &b->head; *pp;) {
		struct futex_q *q = *pp;
		if (q_matches(q, as, uaddr, shared) && (q->bitset & bitset)) {
			*pp = q->next;
			q->woken = true;
			/* A requeued waiter sleeps on the queue of the bucket it started in. */
			to_wake |= 1ull << (q->sleep - buckets);
			if (++woke >= nr)
				break;
		} else {
			pp = &q->next;
		}
	}
	spin_unlock_irqrestore(&b->wq.lock, flags);
	/*
	 * A waker that saw its q woken may return and free it at once: nothing of a
	 * q is touched after the unlock; the wake-up itself only concerns the queue.
	 */
	wake_buckets(to_wake);
	return woke;
}

long sys_futex(uintptr_t uaddr, int op, uint32_t val, uintptr_t utime, uintptr_t uaddr2, uint32_t val3)
{
	struct thread *t = thread_current();
	int cmd = op & FUTEX_CMD_MASK;
	bool shared = !(op & FUTEX_PRIVATE_FLAG);
	uint64_t deadline = 0;

	/* futex_setup_timer()/do_futex(): CLOCK_REALTIME only with the _BITSET waits. */
	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET: {
		if (uaddr & 3)
			return -EINVAL;
		uint32_t bitset = cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3;
		if (!bitset)
			return -EINVAL;
		if (utime) {
			struct { int64_t sec, nsec; } ts;
			if (copy_from_user(&ts, utime, sizeof(ts)))
				return -EFAULT;
			if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
				return -EINVAL;
			uint64_t ns = (uint64_t)ts.sec * 1000000000ull + (uint64_t)ts.nsec;
			if (cmd == FUTEX_WAIT) {
				/* Relative, on CLOCK_MONOTONIC. */
				deadline = time_ns() + ns;
			} else {
				/* Absolute, on CLOCK_MONOTONIC or, with the flag, CLOCK_REALTIME. */
				uint64_t now_abs = (op & FUTEX_CLOCK_REALTIME) ? time_realtime_ns() : time_ns();
				deadline = ns > now_abs ? time_ns() + (ns - now_abs) : time_ns();
			}
			if (!deadline)
				deadline = 1;
		}
		return futex_wait(uaddr, shared, val, deadline, bitset);
	}
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET: {
		if (uaddr & 3)
			return -EINVAL;
		uint32_t bitset = cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3;
		if (!bitset)
			return -EINVAL;
		return futex_wake(t->as, uaddr, shared, (int)val, bitset);
	}
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		/* sys_futex(): the timeout argument is the requeue count (val2). */
		if ((uaddr & 3) || (uaddr2 & 3))
			return -EINVAL;
		return futex_requeue(uaddr, uaddr2, shared, (int)val, (int)(uint32_t)utime,
				     cmd == FUTEX_CMP_REQUEUE ? &val3 : NULL);
	default:
		/* WAKE_OP, the PI and the 2.6.x calls: not here. */
		return -ENOSYS;
	}
}
