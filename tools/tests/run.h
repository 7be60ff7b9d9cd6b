/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs fn(arg) in a child with stdout and stderr captured, for the tests
 * that check what the tool prints and how it exits.
 */
#ifndef SG_TEST_RUN_H
#define SG_TEST_RUN_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct result {
	int status;		/* exit status, or 128 + signal */
	char out[16384];
	char err[16384];
};

static void run_drain(int fd, char *buf, size_t *len, size_t size, bool *open)
{
	ssize_t n = read(fd, buf + *len, size - 1 - *len);

	if (n > 0) {
		*len += (size_t)n;
		buf[*len] = '\0';
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		*open = false;
	}
	if (*len == size - 1)	/* full: stop reading, the output is wrong anyway */
		*open = false;
}

/*
 * stdout_path: NULL to capture stdout, or a file to send it to (/dev/full
 * for the write-error test).  Returns -1 if the child could not be run.
 */
static int run_captured(struct result *r, int (*fn)(void *), void *arg,
			const char *stdout_path)
{
	int out[2], err[2], wstatus;
	size_t olen = 0, elen = 0;
	bool oopen = true, eopen = true;
	pid_t pid;

	r->out[0] = r->err[0] = '\0';
	r->status = -1;
	fflush(stdout);
	fflush(stderr);
	if (pipe(out))
		return -1;
	if (pipe(err)) {
		close(out[0]);
		close(out[1]);
		return -1;
	}
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = stdout_path ? open(stdout_path, O_WRONLY) : out[1];

		dup2(fd, 1);
		dup2(err[1], 2);
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		alarm(20);	/* a hang is a failure, not a stuck make check */
		exit(fn(arg));
	}
	close(out[1]);
	close(err[1]);
	while (oopen || eopen) {
		struct pollfd p[2] = {
			{ .fd = oopen ? out[0] : -1, .events = POLLIN },
			{ .fd = eopen ? err[0] : -1, .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			run_drain(out[0], r->out, &olen, sizeof(r->out), &oopen);
		if (p[1].revents)
			run_drain(err[0], r->err, &elen, sizeof(r->err), &eopen);
	}
	close(out[0]);
	close(err[0]);
	if (waitpid(pid, &wstatus, 0) < 0)
		return -1;
	r->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) :
		    128 + WTERMSIG(wstatus);
	return 0;
}

#endif /* SG_TEST_RUN_H */
