/*
 * timerun: the benchmark's stopwatch (bench/README.md). It runs a command
 * and reports its wall time and peak resident memory, measured the same
 * way on the host and inside the emulated-SVM Linux guest, where
 * run_benchmarks.py cannot go but this static program can.
 *
 *   timerun run REPS CMD [ARGS...]
 *       Runs CMD REPS times, one after the other, its standard streams on
 *       /dev/null. One line per run:
 *         run wall_ns=W status=S signal=G maxrss_kib=R user_us=U sys_us=K
 *       W from just before fork() to wait4()'s return (CLOCK_MONOTONIC);
 *       R the child's ru_maxrss (its peak RSS, guest RAM that KVM faulted in
 *       included); U and K its user and system CPU time (ru_utime,
 *       ru_stime; KVM_RUN, the guest's time included, counts as system).
 *
 *   timerun spin SECONDS RAM_KIB CMD [ARGS...]
 *       Starts CMD (a guest that never exits), lets it run SECONDS, reads
 *       its memory while the guest runs, then kills it. One line:
 *         spin rss_kib=A vmhwm_kib=B guest_ram_kib=C guest_map_kib=D
 *       A the process's resident memory, summed over its mappings' page
 *       tables (/proc/PID/smaps_rollup; VmRSS in /proc/PID/status can lag
 *       behind on kernels before 6.2, which count RSS per thread and fold
 *       the counts in only now and then); B its peak (VmHWM, with that
 *       lag); C the resident part of the guest RAM mapping: in
 *       /proc/PID/smaps the largest-Rss mapping whose size is between
 *       RAM_KIB and RAM_KIB + 4 MiB (QEMU may round it up), D its size. C
 *       is what the guest, the loader and any firmware touched of guest RAM
 *       (a transparent huge page makes it 2 MiB at once).
 *
 * Exit status 0, or 2 on bad arguments or when CMD cannot be started.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAP_SLACK_KIB (4u << 10)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static pid_t start(char **cmd)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(cmd[0], cmd);
		_exit(127);
	}
	return pid;
}

static int cmd_run(long reps, char **cmd)
{
	for (long i = 0; i < reps; i++) {
		struct rusage ru;
		uint64_t t0 = now_ns(), t1;
		int st;
		pid_t pid = start(cmd);

		if (pid < 0 || wait4(pid, &st, 0, &ru) != pid) {
			perror("timerun: fork/wait4");
			return 2;
		}
		t1 = now_ns();
		printf("run wall_ns=%llu status=%d signal=%d maxrss_kib=%ld "
		       "user_us=%lld sys_us=%lld\n",
		       (unsigned long long)(t1 - t0),
		       WIFEXITED(st) ? WEXITSTATUS(st) : -1,
		       WIFSIGNALED(st) ? WTERMSIG(st) : 0, ru.ru_maxrss,
		       (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
		       (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec);
		fflush(stdout);
	}
	return 0;
}

/* The value of "Key:   N kB" in /proc/PID/status, or -1. */
static long status_kib(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			v = strtol(line + klen + 1, NULL, 10);
	fclose(f);
	return v;
}

/* The "Rss:" of /proc/PID/smaps_rollup in KiB, or -1. */
static long rollup_rss_kib(pid_t pid)
{
	char path[64], line[256];
	long v = -1, x;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Rss: %ld kB", &x) == 1)
			v = x;
	fclose(f);
	return v;
}

/* The guest RAM mapping's resident KiB (and its size), or -1. */
static long guest_ram_kib(pid_t pid, unsigned long ram_kib, long *map_kib)
{
	char path[64], line[512];
	long size = -1, best = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		long v;

		if (sscanf(line, "Size: %ld kB", &v) == 1) {
			size = v;
		} else if (sscanf(line, "Rss: %ld kB", &v) == 1) {
			if (size >= (long)ram_kib &&
			    size <= (long)(ram_kib + MAP_SLACK_KIB) && v > best) {
				best = v;
				*map_kib = size;
			}
		}
	}
	fclose(f);
	return best;
}

static int cmd_spin(double seconds, unsigned long ram_kib, char **cmd)
{
	struct timespec ts = { (time_t)seconds,
			       (long)((seconds - (double)(time_t)seconds) * 1e9) };
	long map_kib = -1, rss, hwm, guest;
	int st;
	pid_t pid = start(cmd);

	if (pid < 0) {
		perror("timerun: fork");
		return 2;
	}
	nanosleep(&ts, NULL);
	rss = rollup_rss_kib(pid);
	hwm = status_kib(pid, "VmHWM");
	guest = guest_ram_kib(pid, ram_kib, &map_kib);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	printf("spin rss_kib=%ld vmhwm_kib=%ld guest_ram_kib=%ld "
	       "guest_map_kib=%ld%s\n", rss, hwm, guest, map_kib,
	       WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? "" :
	       " early_exit=1");
	return 0;
}

int main(int argc, char **argv)
{
	char *end;

	if (argc >= 4 && !strcmp(argv[1], "run")) {
		long reps = strtol(argv[2], &end, 10);

		if (!*end && reps > 0)
			return cmd_run(reps, argv + 3);
	} else if (argc >= 5 && !strcmp(argv[1], "spin")) {
		double s = strtod(argv[2], &end);
		unsigned long kib;

		if (!*end && s > 0 && s < 600) {
			kib = strtoul(argv[3], &end, 10);
			if (!*end && kib > 0)
				return cmd_spin(s, kib, argv + 4);
		}
	}
	fputs("usage: timerun run REPS CMD [ARGS...]\n"
	      "       timerun spin SECONDS RAM_KIB CMD [ARGS...]\n", stderr);
	return 2;
}
