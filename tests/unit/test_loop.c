/* Unit tests of the event loop (core/src/loop.c): fd watches, posts from
 * other threads, cancelling inside a callback, exit. */
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct devmgr_ctx *ctx;
static int fds[2], fds2[2];

static void setup(void)
{
	ctx = testlib_ctx_new();
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(pipe(fds2), 0);
}

static void teardown(void)
{
	devmgr_ctx_free(ctx);
	ctx = NULL;
	close(fds[0]);
	close(fds[1]);
	close(fds2[0]);
	close(fds2[1]);
}

static struct {
	int calls, fd;
	unsigned events;
	char data[16];
} got;

static void on_read(void *arg, int fd, unsigned events)
{
	ck_assert_ptr_eq(arg, &got);
	got.calls++;
	got.fd = fd;
	got.events = events;
	if (events & DEVMGR_EV_READ) {
		ssize_t n = read(fd, got.data, sizeof(got.data) - 1);
		got.data[n > 0 ? n : 0] = '\0';
	}
}

START_TEST(watch_pipe)
{
	memset(&got, 0, sizeof(got));
	ck_assert_int_ge(devmgr_ctx_fd(ctx), 0);
	struct devmgr_watch *w =
		devmgr_watch_fd(ctx, fds[0], DEVMGR_EV_READ, on_read, &got);
	ck_assert_ptr_nonnull(w);
	/* nothing to read: nothing runs */
	ck_assert_int_eq(devmgr_ctx_dispatch(ctx, 0), 0);
	ck_assert_int_eq(got.calls, 0);
	ck_assert_int_eq(write(fds[1], "hi", 2), 2);
	/* the context fd is readable now */
	struct pollfd p = { .fd = devmgr_ctx_fd(ctx), .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 1000), 1);
	ck_assert_int_eq(devmgr_ctx_dispatch(ctx, 1000), 1);
	ck_assert_int_eq(got.calls, 1);
	ck_assert_int_eq(got.fd, fds[0]);
	ck_assert_uint_eq(got.events, DEVMGR_EV_READ);
	ck_assert_str_eq(got.data, "hi");
	ck_assert_int_eq(devmgr_ctx_dispatch(ctx, 0), 0);
	/* watching the write end for WRITE */
	ck_assert_int_eq(devmgr_watch_modify(w, DEVMGR_EV_READ), 0);
	struct devmgr_watch *ww =
		devmgr_watch_fd(ctx, fds[1], DEVMGR_EV_WRITE, on_read, &got);
	ck_assert_ptr_nonnull(ww);
	ck_assert_int_eq(devmgr_ctx_dispatch(ctx, 1000), 1);
	ck_assert_int_eq(got.fd, fds[1]);
	ck_assert_uint_eq(got.events & DEVMGR_EV_WRITE, DEVMGR_EV_WRITE);
	devmgr_watch_cancel(ww);
	ck_assert_int_eq(devmgr_ctx_dispatch(ctx, 0), 0);
	/* the same fd twice, and a bad fd, are refused */
	errno = 0;
	ck_assert_ptr_null(
		devmgr_watch_fd(ctx, fds[0], DEVMGR_EV_READ, on_read, &got));
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_ptr_null(
		devmgr_watch_fd(ctx, -1, DEVMGR_EV_READ, on_read, &got));
	ck_assert_int_eq(errno, EBADF);
	/* the writer goes away: the reader hears about it */
	close(fds[1]);
	fds[1] = dup(fds2[1]); /* keep teardown simple */
	got.calls = 0;
	ck_assert_int_eq(devmgr_ctx_dispatch(ctx, 1000), 1);
	ck_assert_int_eq(got.calls, 1);
	ck_assert_uint_eq(got.events & DEVMGR_EV_READ, DEVMGR_EV_READ);
	devmgr_watch_cancel(w);
	devmgr_watch_cancel(NULL);
	ck_assert_int_eq(devmgr_ctx_dispatch(ctx, 0), 0);
}
END_TEST

/* Cancelling inside a callback, both the running watch and another one
 * whose event is already in the same round. */
static struct devmgr_watch *wa, *wb;
static int cancel_calls;

static void cancel_both(void *arg, int fd, unsigned events)
{
	(void)arg, (void)fd, (void)events;
	cancel_calls++;
	devmgr_watch_cancel(wa);
	devmgr_watch_cancel(wb);
}

START_TEST(cancel_in_callback)
{
	cancel_calls = 0;
	wa = devmgr_watch_fd(ctx, fds[0], DEVMGR_EV_READ, cancel_both, NULL);
	wb = devmgr_watch_fd(ctx, fds2[0], DEVMGR_EV_READ, cancel_both, NULL);
	ck_assert_ptr_nonnull(wa);
	ck_assert_ptr_nonnull(wb);
	ck_assert_int_eq(write(fds[1], "x", 1), 1);
	ck_assert_int_eq(write(fds2[1], "y", 1), 1);
	usleep(1000);
	ck_assert_int_eq(devmgr_ctx_dispatch(ctx, 1000), 1);
	ck_assert_int_eq(cancel_calls, 1);
	ck_assert_int_eq(devmgr_ctx_dispatch(ctx, 0), 0);
	ck_assert_int_eq(cancel_calls, 1);
	/* the fds can be watched again */
	memset(&got, 0, sizeof(got));
	ck_assert_ptr_nonnull(
		devmgr_watch_fd(ctx, fds[0], DEVMGR_EV_READ, on_read, &got));
	ck_assert_int_eq(devmgr_ctx_dispatch(ctx, 1000), 1);
	ck_assert_str_eq(got.data, "x");
}
END_TEST

/* ---- posts ---- */
static pthread_t loop_thread;
static int posted, posted_wrong_thread, order_ok, last_seq;

static void on_post(void *arg)
{
	int seq = (int)(intptr_t)arg;
	if (!pthread_equal(pthread_self(), loop_thread))
		posted_wrong_thread++;
	if (seq != last_seq + 1)
		order_ok = 0;
	last_seq = seq;
	posted++;
}

static void *poster(void *arg)
{
	(void)arg;
	for (int i = 1; i <= 200; i++)
		if (devmgr_ctx_post(ctx, on_post, (void *)(intptr_t)i) != 0)
			return (void *)1;
	return NULL;
}

START_TEST(post_from_thread)
{
	loop_thread = pthread_self();
	posted = posted_wrong_thread = last_seq = 0;
	order_ok = 1;
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, poster, NULL), 0);
	for (int i = 0; i < 2000 && posted < 200; i++)
		ck_assert_int_ge(devmgr_ctx_dispatch(ctx, 100), 0);
	void *res;
	ck_assert_int_eq(pthread_join(t, &res), 0);
	ck_assert_ptr_null(res);
	ck_assert_int_eq(posted, 200);
	ck_assert_int_eq(posted_wrong_thread, 0);
	ck_assert(order_ok);
	ck_assert_int_eq(devmgr_ctx_dispatch(ctx, 0), 0);
}
END_TEST

static void post_again(void *arg)
{
	int *n = arg;
	if (++*n < 3)
		devmgr_ctx_post(ctx, post_again, arg);
}

START_TEST(post_from_callback)
{
	int n = 0;
	ck_assert_int_eq(devmgr_ctx_post(ctx, post_again, &n), 0);
	for (int i = 0; i < 10 && n < 3; i++)
		devmgr_ctx_dispatch(ctx, 100);
	ck_assert_int_eq(n, 3);
}
END_TEST

START_TEST(pending_freed)
{
	/* posts and watches never run are freed with the context */
	int n = 0;
	ck_assert_int_eq(devmgr_ctx_post(ctx, post_again, &n), 0);
	ck_assert_ptr_nonnull(
		devmgr_watch_fd(ctx, fds[0], DEVMGR_EV_READ, on_read, &got));
	devmgr_ctx_free(ctx);
	ctx = NULL;
	ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(exit_stops_dispatch)
{
	memset(&got, 0, sizeof(got));
	ck_assert_ptr_nonnull(
		devmgr_watch_fd(ctx, fds[0], DEVMGR_EV_READ, on_read, &got));
	ck_assert_int_eq(write(fds[1], "z", 1), 1);
	devmgr_ctx_exit(ctx, 5);
	devmgr_ctx_exit(ctx, 6); /* the first status stays */
	ck_assert_int_ge(devmgr_ctx_dispatch(ctx, 100), 0);
	ck_assert_int_eq(got.calls, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("loop");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, watch_pipe);
	tcase_add_test(tc, cancel_in_callback);
	tcase_add_test(tc, post_from_thread);
	tcase_add_test(tc, post_from_callback);
	tcase_add_test(tc, pending_freed);
	tcase_add_test(tc, exit_stops_dispatch);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testlib_run(suite());
}
