/*
 * Tests for fs/ramfs.c through the VFS: sparse files at 4 GiB+ offsets and
 * at the largest offset, truncate with zero fill, readdir under unlink,
 * and a fixed-seed random sequence of operations checked against a model
 * (a table of paths and their contents) after every step, run once with
 * plenty of memory and then with an allocator that fails, to show each
 * operation either succeeds or fails with SV_ENOSPC and changes nothing.
 * Every test checks that destroy returned every byte.
 */
#include <stdlib.h>

#include "sv/errno.h"
#include "sv/ramfs.h"
#include "sv/vfs.h"
#include "sv_test.h"

#define P(s) s, sizeof(s) - 1
#define S(s) (s), strlen(s)
#define GiB (1ull << 30)

/* malloc with accounting; fails after fail_after allocations, or at random
 * with probability 1/fail_one_in, when those are set. */
struct test_alloc {
	size_t live_bytes, live_blocks;
	uint64_t count;
	int64_t fail_after;	/* -1: never */
	unsigned fail_one_in;	/* 0: never */
	uint64_t rng;
	uint64_t failures;
};

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *t_alloc(void *ctx, size_t size)
{
	struct test_alloc *a = ctx;
	void *p;

	if ((a->fail_after >= 0 && a->count >= (uint64_t)a->fail_after) ||
	    (a->fail_one_in && xorshift(&a->rng) % a->fail_one_in == 0)) {
		a->failures++;
		return NULL;
	}
	a->count++;
	p = malloc(size);
	if (p) {
		a->live_bytes += size;
		a->live_blocks++;
	}
	return p;
}

static void t_free(void *ctx, void *p, size_t size)
{
	struct test_alloc *a = ctx;

	a->live_bytes -= size;
	a->live_blocks--;
	free(p);
}

struct fx {
	struct test_alloc ta;
	struct sv_fs_alloc alloc;
	struct ramfs fs;
	struct sv_vfs vfs;
	struct sv_fdtable fdt;
};

static void fx_setup(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	f->ta.fail_after = -1;
	f->alloc = (struct sv_fs_alloc){ t_alloc, t_free, &f->ta };
	SV_CHECK_EQ_I64(ramfs_init(&f->fs, &f->alloc), 0);
	vfs_init(&f->vfs);
	vfs_fdtable_init(&f->fdt);
	SV_CHECK_EQ_I64(vfs_mount(&f->vfs, P("/"), &f->fs.fs), 0);
}

static void fx_teardown(struct fx *f)
{
	vfs_fdtable_close_all(&f->fdt);
	SV_CHECK_EQ_I64(vfs_unmount(&f->vfs, P("/")), 0);
	ramfs_destroy(&f->fs);
	SV_CHECK_EQ_U64(f->ta.live_bytes, 0);
	SV_CHECK_EQ_U64(f->ta.live_blocks, 0);
}

static int pwrite_path(struct fx *f, const char *path, uint64_t off,
		       const void *buf, size_t len)
{
	uint64_t pos;
	size_t done = 0;
	int fd, err;

	err = vfs_open(&f->vfs, &f->fdt, S(path), SV_O_WRONLY | SV_O_CREAT,
		       &fd);
	if (err)
		return err;
	err = vfs_seek(&f->fdt, fd, (int64_t)off, SV_SEEK_SET, &pos);
	if (!err)
		err = vfs_write(&f->fdt, fd, buf, len, &done);
	if (!err && done != len)
		err = -SV_EIO;
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
	return err;
}

static int pread_path(struct fx *f, const char *path, uint64_t off,
		      void *buf, size_t len, size_t *done)
{
	uint64_t pos;
	int fd, err;

	*done = 0;
	err = vfs_open(&f->vfs, &f->fdt, S(path), SV_O_RDONLY, &fd);
	if (err)
		return err;
	err = vfs_seek(&f->fdt, fd, (int64_t)off, SV_SEEK_SET, &pos);
	if (!err)
		err = vfs_read(&f->fdt, fd, buf, len, done);
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
	return err;
}

static void test_init_needs_memory(void)
{
	struct test_alloc ta = { .fail_after = 0 };
	struct sv_fs_alloc alloc = { t_alloc, t_free, &ta };
	struct sv_fs_alloc no_free = { t_alloc, NULL, &ta };
	struct ramfs fs;

	SV_CHECK_EQ_I64(ramfs_init(&fs, &alloc), -SV_ENOSPC);
	SV_CHECK_EQ_I64(ramfs_init(&fs, &no_free), -SV_EINVAL);
	SV_CHECK_EQ_I64(ramfs_init(&fs, NULL), -SV_EINVAL);
	SV_CHECK_EQ_U64(ta.live_bytes, 0);
}

static void test_sparse_large_offsets(void)
{
	struct fx f;
	struct sv_stat st;
	uint8_t buf[16];
	size_t done;
	uint64_t off = 5 * GiB + 4094;	/* straddles two pages */

	fx_setup(&f);
	SV_CHECK_EQ_I64(pwrite_path(&f, "/img", off, "hello", 5), 0);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/img"), &st), 0);
	SV_CHECK_EQ_U64(st.size, off + 5);
	SV_CHECK_EQ_U64(st.alloc_bytes, 2 * RAMFS_PAGE_SIZE);
	/* Holes read as zeros: at 0, just below 4 GiB, and before the data. */
	memset(buf, 0xee, sizeof(buf));
	SV_CHECK_EQ_I64(pread_path(&f, "/img", 0, buf, 8, &done), 0);
	SV_CHECK_EQ_U64(done, 8);
	SV_CHECK(memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0);
	SV_CHECK_EQ_I64(pread_path(&f, "/img", 4 * GiB - 4, buf, 8, &done), 0);
	SV_CHECK(memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0);
	SV_CHECK_EQ_I64(pread_path(&f, "/img", off - 2, buf, sizeof(buf),
				   &done), 0);
	SV_CHECK_EQ_U64(done, 7);	/* short at end of file */
	SV_CHECK(memcmp(buf, "\0\0hello", 7) == 0);
	/* A second write into the same pages allocates nothing. */
	SV_CHECK_EQ_I64(pwrite_path(&f, "/img", off + 1, "EL", 2), 0);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/img"), &st), 0);
	SV_CHECK_EQ_U64(st.alloc_bytes, 2 * RAMFS_PAGE_SIZE);
	SV_CHECK_EQ_U64(st.size, off + 5);
	/* Writes below existing pages keep the page array sorted. */
	SV_CHECK_EQ_I64(pwrite_path(&f, "/img", 4 * GiB, "four", 4), 0);
	SV_CHECK_EQ_I64(pwrite_path(&f, "/img", 1, "one", 3), 0);
	SV_CHECK_EQ_I64(pread_path(&f, "/img", 4 * GiB, buf, 4, &done), 0);
	SV_CHECK(memcmp(buf, "four", 4) == 0);
	SV_CHECK_EQ_I64(pread_path(&f, "/img", 0, buf, 4, &done), 0);
	SV_CHECK(memcmp(buf, "\0one", 4) == 0);
	SV_CHECK_EQ_I64(pread_path(&f, "/img", off, buf, 5, &done), 0);
	SV_CHECK(memcmp(buf, "hELlo", 5) == 0);

	/* The very end of the offset range: no overflow anywhere. */
	SV_CHECK_EQ_I64(pwrite_path(&f, "/end", SV_VFS_OFF_MAX - 3, "xyz", 3),
			0);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/end"), &st), 0);
	SV_CHECK_EQ_U64(st.size, SV_VFS_OFF_MAX);
	SV_CHECK_EQ_U64(st.alloc_bytes, RAMFS_PAGE_SIZE);
	SV_CHECK_EQ_I64(pread_path(&f, "/end", SV_VFS_OFF_MAX - 4, buf, 16,
				   &done), 0);
	SV_CHECK_EQ_U64(done, 4);
	SV_CHECK(memcmp(buf, "\0xyz", 4) == 0);
	SV_CHECK_EQ_I64(pread_path(&f, "/end", SV_VFS_OFF_MAX, buf, 16, &done),
			0);
	SV_CHECK_EQ_U64(done, 0);
	SV_CHECK_EQ_I64(pwrite_path(&f, "/end", SV_VFS_OFF_MAX - 3, "wxyz", 4),
			-SV_EOVERFLOW);
	SV_CHECK_EQ_I64(pwrite_path(&f, "/end", SV_VFS_OFF_MAX, "w", 1),
			-SV_EOVERFLOW);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/end"), &st), 0);
	SV_CHECK_EQ_U64(st.size, SV_VFS_OFF_MAX);
	fx_teardown(&f);
}

static void test_truncate_zero_fill(void)
{
	static uint8_t big[3 * RAMFS_PAGE_SIZE], back[3 * RAMFS_PAGE_SIZE];
	struct fx f;
	struct sv_stat st;
	size_t done;

	fx_setup(&f);
	memset(big, 0xaa, sizeof(big));
	SV_CHECK_EQ_I64(pwrite_path(&f, "/f", 0, big, 10000), 0);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/f"), &st), 0);
	SV_CHECK_EQ_U64(st.alloc_bytes, 3 * RAMFS_PAGE_SIZE);
	/* Shrink into the middle of page 1: page 2 goes. */
	SV_CHECK_EQ_I64(vfs_truncate(&f.vfs, P("/f"), 5000), 0);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/f"), &st), 0);
	SV_CHECK_EQ_U64(st.size, 5000);
	SV_CHECK_EQ_U64(st.alloc_bytes, 2 * RAMFS_PAGE_SIZE);
	/* Grow again: everything past 5000 reads as zeros. */
	SV_CHECK_EQ_I64(vfs_truncate(&f.vfs, P("/f"), sizeof(big)), 0);
	SV_CHECK_EQ_I64(pread_path(&f, "/f", 0, back, sizeof(back), &done), 0);
	SV_CHECK_EQ_U64(done, sizeof(big));
	memset(big + 5000, 0, sizeof(big) - 5000);
	SV_CHECK(memcmp(back, big, sizeof(big)) == 0);
	/* Shrink to a page boundary, then to nothing: memory goes back. */
	SV_CHECK_EQ_I64(vfs_truncate(&f.vfs, P("/f"), RAMFS_PAGE_SIZE), 0);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/f"), &st), 0);
	SV_CHECK_EQ_U64(st.alloc_bytes, RAMFS_PAGE_SIZE);
	SV_CHECK_EQ_I64(vfs_truncate(&f.vfs, P("/f"), 0), 0);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/f"), &st), 0);
	SV_CHECK_EQ_U64(st.alloc_bytes, 0);
	SV_CHECK_EQ_U64(st.size, 0);
	/* Growing a sparse file allocates nothing. */
	SV_CHECK_EQ_I64(vfs_truncate(&f.vfs, P("/f"), 100 * GiB), 0);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/f"), &st), 0);
	SV_CHECK_EQ_U64(st.alloc_bytes, 0);
	SV_CHECK_EQ_I64(pread_path(&f, "/f", 50 * GiB, back, 4, &done), 0);
	SV_CHECK_EQ_U64(done, 4);
	SV_CHECK(memcmp(back, "\0\0\0\0", 4) == 0);
	fx_teardown(&f);
}

#define NFILES 60

static void test_readdir_under_unlink(void)
{
	struct fx f;
	struct sv_dirent de;
	char path[32];
	int seen[NFILES] = { 0 }, fd, n, got = 0, late_seen = 0;
	bool removed[NFILES] = { false };

	fx_setup(&f);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/d")), 0);
	for (int i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "/d/f%d", i);
		SV_CHECK_EQ_I64(pwrite_path(&f, path, 0, "x", 1), 0);
	}
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/d"), SV_O_RDONLY, &fd), 0);
	while ((n = vfs_readdir(&f.fdt, fd, &de)) == 1) {
		int i;

		if (!strcmp(de.name, "late")) {
			late_seen++;	/* created mid-listing: may appear */
			continue;
		}
		i = atoi(de.name + 1);

		SV_CHECK(i >= 0 && i < NFILES);
		if (i < 0 || i >= NFILES)
			break;
		SV_CHECK(!removed[i]);
		seen[i]++;
		/* After each entry remove it, one behind and one ahead. */
		if (++got % 3 == 0) {
			for (int k = i - 1; k <= i + 7; k += 8) {
				if (k < 0 || k >= NFILES || removed[k])
					continue;
				snprintf(path, sizeof(path), "/d/f%d", k);
				SV_CHECK_EQ_I64(vfs_unlink(&f.vfs, S(path)), 0);
				removed[k] = true;
			}
		}
		if (got == 10)
			SV_CHECK_EQ_I64(pwrite_path(&f, "/d/late", 0, "", 0), 0);
	}
	SV_CHECK_EQ_I64(n, 0);
	SV_CHECK(late_seen <= 1);
	for (int i = 0; i < NFILES; i++) {
		/* Removed ahead of the listing: never seen; else exactly once. */
		if (removed[i] && !seen[i])
			continue;
		SV_CHECK_EQ_I64(seen[i], 1);
	}
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, fd), 0);
	fx_teardown(&f);
}

/*
 * The model: 4 top-level names and 4 under each, each absent, a file with
 * contents, or a directory. Offsets stay small so contents fit MODEL_CAP.
 */
#define TOP 4
#define NPATHS (TOP + TOP * TOP)
#define MODEL_CAP 65536

enum mstate { M_NONE, M_FILE, M_DIR };

struct model {
	char path[NPATHS][8];
	enum mstate state[NPATHS];
	uint8_t *data[NPATHS];
	size_t size[NPATHS];
};

/* Path i: 0..3 "/a".."/d", then "/a/a", "/a/b", ... */
static int parent_of(int i)
{
	return i < TOP ? -1 : (i - TOP) / TOP;
}

static void model_init(struct model *m)
{
	for (int i = 0; i < NPATHS; i++) {
		if (i < TOP)
			snprintf(m->path[i], 8, "/%c", 'a' + i);
		else
			snprintf(m->path[i], 8, "/%c/%c", 'a' + parent_of(i),
				 'a' + (i - TOP) % TOP);
		m->state[i] = M_NONE;
		m->data[i] = calloc(1, MODEL_CAP);
		m->size[i] = 0;
	}
}

static void model_free(struct model *m)
{
	for (int i = 0; i < NPATHS; i++)
		free(m->data[i]);
}

/* The error walking to path i's directory gives, or 0. */
static int m_parent_err(const struct model *m, int i)
{
	int p = parent_of(i);

	if (p < 0 || m->state[p] == M_DIR)
		return 0;
	return m->state[p] == M_NONE ? -SV_ENOENT : -SV_ENOTDIR;
}

static size_t m_children(const struct model *m, int i)
{
	size_t n = 0;

	for (int c = 0; c < NPATHS; c++)
		n += parent_of(c) == i && m->state[c] != M_NONE;
	return n;
}

static void m_clear(struct model *m, int i)
{
	m->state[i] = M_NONE;
	memset(m->data[i], 0, MODEL_CAP);
	m->size[i] = 0;
}

/* Move entry s (and, for a top-level directory, its children) to d. */
static void m_move(struct model *m, int s, int d)
{
	uint8_t *tmp = m->data[d];

	m->data[d] = m->data[s];
	m->data[s] = tmp;
	m->state[d] = m->state[s];
	m->size[d] = m->size[s];
	m_clear(m, s);
	if (s < TOP && d < TOP)
		for (int k = 0; k < TOP; k++)
			m_move(m, TOP + s * TOP + k, TOP + d * TOP + k);
}

/* Check one path of the file system against the model. */
static void verify_path(struct fx *f, const struct model *m, int i)
{
	static uint8_t buf[MODEL_CAP + 1];
	struct sv_stat st;
	size_t done;
	int err = vfs_stat(&f->vfs, S(m->path[i]), &st);

	if (m->state[i] == M_NONE) {
		int want = m_parent_err(m, i);

		SV_CHECK_EQ_I64(err, want ? want : -SV_ENOENT);
		return;
	}
	SV_CHECK_EQ_I64(err, 0);
	if (m->state[i] == M_DIR) {
		SV_CHECK_EQ_U64(st.type, SV_FT_DIR);
		SV_CHECK_EQ_U64(st.size, m_children(m, i));
		return;
	}
	SV_CHECK_EQ_U64(st.type, SV_FT_REG);
	SV_CHECK_EQ_U64(st.size, m->size[i]);
	SV_CHECK(st.alloc_bytes <= SV_ALIGN_UP((uint64_t)MODEL_CAP,
					       RAMFS_PAGE_SIZE));
	SV_CHECK_EQ_I64(pread_path(f, m->path[i], 0, buf, sizeof(buf), &done),
			0);
	SV_CHECK_EQ_U64(done, m->size[i]);
	if (memcmp(buf, m->data[i], m->size[i]) != 0)
		SV_TEST_FAIL_(__FILE__, __LINE__, "%s: contents differ",
			      m->path[i]);
}

static void verify_all(struct fx *f, const struct model *m)
{
	struct sv_dirent de;
	size_t top = 0, listed = 0;
	int fd, n;

	for (int i = 0; i < NPATHS; i++)
		verify_path(f, m, i);
	for (int i = 0; i < TOP; i++)
		top += m->state[i] != M_NONE;
	SV_CHECK_EQ_I64(vfs_open(&f->vfs, &f->fdt, P("/"), SV_O_RDONLY, &fd),
			0);
	while ((n = vfs_readdir(&f->fdt, fd, &de)) == 1)
		listed++;
	SV_CHECK_EQ_I64(n, 0);
	SV_CHECK_EQ_U64(listed, top);
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
}

/* Expected result of each operation when memory is plentiful. */
static int m_write_err(const struct model *m, int i)
{
	int e = m_parent_err(m, i);

	return e ? e : m->state[i] == M_DIR ? -SV_EISDIR : 0;
}

static int m_mkdir_err(const struct model *m, int i)
{
	int e = m_parent_err(m, i);

	return e ? e : m->state[i] != M_NONE ? -SV_EEXIST : 0;
}

static int m_remove_err(const struct model *m, int i, bool dir)
{
	int e = m_parent_err(m, i);

	if (e)
		return e;
	if (m->state[i] == M_NONE)
		return -SV_ENOENT;
	if (dir && m->state[i] != M_DIR)
		return -SV_ENOTDIR;
	if (!dir && m->state[i] == M_DIR)
		return -SV_EISDIR;
	if (dir && m_children(m, i))
		return -SV_ENOTEMPTY;
	return 0;
}

static int m_truncate_err(const struct model *m, int i)
{
	int e = m_parent_err(m, i);

	if (e)
		return e;
	if (m->state[i] == M_NONE)
		return -SV_ENOENT;
	return m->state[i] == M_DIR ? -SV_EISDIR : 0;
}

static int m_rename_err(const struct model *m, int s, int d)
{
	int e = m_parent_err(m, s);

	if (!e)
		e = m_parent_err(m, d);
	if (e)
		return e;
	if (m->state[s] == M_NONE)
		return -SV_ENOENT;
	if (m->state[s] == M_DIR && parent_of(d) == s)
		return -SV_EINVAL;
	if (s == d)
		return 0;
	if (m->state[d] != M_NONE) {
		if (m->state[s] == M_DIR && m->state[d] != M_DIR)
			return -SV_ENOTDIR;
		if (m->state[s] != M_DIR && m->state[d] == M_DIR)
			return -SV_EISDIR;
		if (m->state[d] == M_DIR && m_children(m, d))
			return -SV_ENOTEMPTY;
	}
	return 0;
}

static unsigned long enospc_results;	/* operations failed for memory */

/* Check an operation's result: exact, or SV_ENOSPC if memory may fail. */
static bool result_ok(int got, int want, bool may_fail, const char *what,
		      const char *path)
{
	if (may_fail && want == 0 && got == -SV_ENOSPC)
		enospc_results++;
	if (got == want || (may_fail && want == 0 && got == -SV_ENOSPC))
		return true;
	SV_TEST_FAIL_(__FILE__, __LINE__, "%s %s: got %d, expected %d", what,
		      path, got, want);
	return false;
}

/* One random step: do it on the file system and the model. */
static void random_step(struct fx *f, struct model *m, uint64_t *rng,
			bool may_fail)
{
	static uint8_t buf[9000];
	int i = (int)(xorshift(rng) % NPATHS);
	int op = (int)(xorshift(rng) % 16);
	const char *path = m->path[i];
	int want, got;

	if (op < 6) {	/* write (creating the file) */
		uint64_t off = xorshift(rng) % 48000;
		size_t len = xorshift(rng) % sizeof(buf);
		uint8_t fill = (uint8_t)xorshift(rng);
		size_t done = 0;
		int fd;

		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)(fill + k * 7);
		want = m_write_err(m, i);
		got = vfs_open(&f->vfs, &f->fdt, S(path),
			       SV_O_WRONLY | SV_O_CREAT, &fd);
		if (!result_ok(got, want, may_fail, "open", path) || got)
			return;
		if (m->state[i] == M_NONE)
			m->state[i] = M_FILE;	/* created, even if write fails */
		uint64_t pos;
		SV_CHECK_EQ_I64(vfs_seek(&f->fdt, fd, (int64_t)off,
					 SV_SEEK_SET, &pos), 0);
		got = vfs_write(&f->fdt, fd, buf, len, &done);
		SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
		if (!result_ok(got, 0, may_fail, "write", path) || got)
			return;
		SV_CHECK_EQ_U64(done, len);
		if (len) {
			memcpy(m->data[i] + off, buf, len);
			m->size[i] = SV_MAX(m->size[i], off + len);
		}
	} else if (op < 8) {	/* truncate */
		size_t size = xorshift(rng) % MODEL_CAP;

		want = m_truncate_err(m, i);
		got = vfs_truncate(&f->vfs, S(path), size);
		if (!result_ok(got, want, may_fail, "truncate", path) || got)
			return;
		if (size < m->size[i])
			memset(m->data[i] + size, 0, m->size[i] - size);
		m->size[i] = size;
	} else if (op < 10) {
		want = m_mkdir_err(m, i);
		got = vfs_mkdir(&f->vfs, S(path));
		if (result_ok(got, want, may_fail, "mkdir", path) && !got)
			m->state[i] = M_DIR;
	} else if (op < 11) {
		want = m_remove_err(m, i, true);
		got = vfs_rmdir(&f->vfs, S(path));
		if (result_ok(got, want, may_fail, "rmdir", path) && !got)
			m_clear(m, i);
	} else if (op < 13) {
		want = m_remove_err(m, i, false);
		got = vfs_unlink(&f->vfs, S(path));
		if (result_ok(got, want, may_fail, "unlink", path) && !got)
			m_clear(m, i);
	} else {	/* rename */
		int d = (int)(xorshift(rng) % NPATHS);

		want = m_rename_err(m, i, d);
		/* A full top-level directory cannot go down a level: the
		 * model has no third level. */
		if (!want && i < TOP && d >= TOP && m_children(m, i))
			return;
		got = vfs_rename(&f->vfs, S(path), S(m->path[d]));
		if (!result_ok(got, want, may_fail, "rename", path) || got ||
		    i == d)
			return;
		m_clear(m, d);
		m_move(m, i, d);
	}
}

static int count_state(const struct model *m, enum mstate st)
{
	int n = 0;

	for (int i = 0; i < NPATHS; i++)
		n += m->state[i] == st;
	return n;
}

static void random_run(uint64_t seed, int steps, int64_t fail_after,
		       unsigned fail_one_in, bool verify_each)
{
	struct fx f;
	struct model m;
	uint64_t rng = seed;

	fx_setup(&f);
	model_init(&m);
	f.ta.fail_after = fail_after >= 0 ? (int64_t)f.ta.count + fail_after
					  : -1;
	f.ta.fail_one_in = fail_one_in;
	f.ta.rng = seed ^ 0x5555;
	for (int s = 0; s < steps; s++) {
		random_step(&f, &m, &rng, fail_after >= 0 || fail_one_in);
		if (verify_each)
			verify_all(&f, &m);
	}
	verify_all(&f, &m);
	if (fail_after >= 0 || fail_one_in) {
		SV_CHECK(f.ta.failures > 0);	/* the failures did happen */
	} else {	/* the sequence builds a tree worth checking */
		SV_CHECK(count_state(&m, M_FILE) > 2);
		SV_CHECK(count_state(&m, M_DIR) > 2);
	}
	/* With memory back, the tree still works. */
	f.ta.fail_after = -1;
	f.ta.fail_one_in = 0;
	for (int s = 0; s < 50; s++)
		random_step(&f, &m, &rng, false);
	verify_all(&f, &m);
	model_free(&m);
	fx_teardown(&f);
}

static void test_random_against_model(void)
{
	random_run(0x9e3779b97f4a7c15ull, 3000, -1, 0, true);
	random_run(12345, 3000, -1, 0, false);
}

static void test_allocation_failure(void)
{
	enospc_results = 0;
	/* Memory runs out for good after N allocations, for many N. */
	for (int64_t n = 0; n < 120; n += (n < 40 ? 1 : 7))
		random_run(0xfeedull + (uint64_t)n, 400, n, 0, true);
	/* Allocations fail at random, so rollbacks happen mid-operation. */
	for (unsigned k = 2; k <= 9; k++)
		random_run(0xabcdull * k, 1500, -1, k, false);
	SV_CHECK(enospc_results > 1000);
}

CU_TestInfo sv_tests_ramfs[] = {
	{ "init_needs_memory", test_init_needs_memory },
	{ "sparse_large_offsets", test_sparse_large_offsets },
	{ "truncate_zero_fill", test_truncate_zero_fill },
	{ "readdir_under_unlink", test_readdir_under_unlink },
	{ "random_against_model", test_random_against_model },
	{ "allocation_failure", test_allocation_failure },
	CU_TEST_INFO_NULL,
};
