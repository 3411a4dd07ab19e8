/*
 * Seeds for fuzz_trace_reader: a few small valid traces written through
 * the writer API (common/trace.c), one file each in the directory given.
 *
 *   gen_trace_corpus DIR
 *
 * every_type   one record of every data type, as a run orders them
 * checkpoint   1100 records, so one CHECKPOINT sits in the middle
 * noise        the first trace behind 100 bytes of serial-line noise
 * minimal      a header and END only
 * truncated    every_type cut inside its last record
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv/trace.h"

/* format.c's console printer refers to it; nothing here prints through it. */
void host_console_write(const char *buf, size_t len);
void host_console_write(const char *buf, size_t len)
{
	fwrite(buf, 1, len, stderr);
}

struct membuf {
	unsigned char b[1 << 17];
	size_t n;
};

static void mem_sink(void *ctx, const void *buf, size_t len)
{
	struct membuf *m = ctx;

	if (len > sizeof(m->b) - m->n) {
		fprintf(stderr, "gen_trace_corpus: buffer full\n");
		exit(1);
	}
	memcpy(m->b + m->n, buf, len);
	m->n += len;
}

static void save(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void op(struct sv_trace_writer *w, uint8_t type, uint16_t vcpu,
	       struct sv_trace_enc *e)
{
	sv_trace_write(w, type, 1, vcpu, e->b, e->n, NULL, 0);
	sv_tenc_init(e);
	sv_tenc_u32(e, 0);		/* the next op's ret */
}

static void every_type(struct sv_trace_writer *w)
{
	static const char config[] = "name seed\nmemory 16M\n";
	static const unsigned char image[] = { 0xfa, 0xf4, 0xeb, 0xfd };
	static const char reason[] = "guest halted";
	struct sv_exit x = { .reason = 30, .instr_len = 1,
			     .qualification = 0x3f80008, .rip = 0x1000,
			     .io_data = 'A', .access_size = 1 };
	struct sv_regs regs = { .rax = 1, .rip = 0x1000, .rflags = 2 };
	struct sv_segment seg = { 8, 0xffffffff, 0, 0xc09b };
	struct sv_event ev = { 14, 3, true, 2 };
	struct sv_trace_enc e;

	sv_trace_write(w, SV_TR_CONFIG, 0, 0, config, sizeof(config) - 1,
		       NULL, 0);
	sv_trace_write(w, SV_TR_IMAGE, 0, 0, image, sizeof(image), NULL, 0);
	sv_tenc_init(&e);
	sv_tenc_u64(&e, 1700000000000000000ull);
	sv_trace_write(w, SV_TR_REALTIME, 0, 0, e.b, e.n, NULL, 0);
	sv_tenc_init(&e);
	sv_tenc_u32(&e, 0);
	op(w, SV_TR_OP_VM_CREATE, 0, &e);
	sv_tenc_u64(&e, 0);
	sv_tenc_u64(&e, 1 << 20);
	sv_tenc_u32(&e, 0);
	op(w, SV_TR_OP_MAP_MEMORY, 0, &e);
	sv_tenc_u32(&e, 0);
	op(w, SV_TR_OP_VCPU_CREATE, 0, &e);
	sv_tenc_exit(&e, &x);
	op(w, SV_TR_OP_RUN, 0, &e);
	sv_tenc_u64(&e, 0);
	op(w, SV_TR_OP_COMPLETE_EXIT, 0, &e);
	sv_tenc_regs(&e, &regs);
	op(w, SV_TR_OP_GET_REGS, 0, &e);
	sv_tenc_regs(&e, &regs);
	op(w, SV_TR_OP_SET_REGS, 0, &e);
	sv_tenc_u32(&e, SV_SEG_CS);
	sv_tenc_segment(&e, &seg);
	op(w, SV_TR_OP_GET_SEGMENT, 0, &e);
	sv_tenc_u32(&e, SV_SEG_DS);
	sv_tenc_segment(&e, &seg);
	op(w, SV_TR_OP_SET_SEGMENT, 0, &e);
	sv_tenc_u32(&e, SV_CR0);
	sv_tenc_u64(&e, 0x11);
	op(w, SV_TR_OP_GET_CR, 0, &e);
	sv_tenc_u32(&e, SV_CR3);
	sv_tenc_u64(&e, 0x2000);
	op(w, SV_TR_OP_SET_CR, 0, &e);
	sv_tenc_u32(&e, 0x10);
	sv_tenc_u64(&e, 12345);
	op(w, SV_TR_OP_GET_MSR, 0, &e);
	sv_tenc_u32(&e, 0x1b);
	sv_tenc_u64(&e, 0xfee00900);
	op(w, SV_TR_OP_SET_MSR, 0, &e);
	sv_tenc_event(&e, &ev);
	op(w, SV_TR_OP_INJECT_EVENT, 0, &e);
	sv_tenc_u8(&e, 1);
	op(w, SV_TR_OP_INTERRUPT_READY, 0, &e);
	sv_tenc_u32(&e, SV_WINDOW_INTERRUPT);
	sv_tenc_u8(&e, 1);
	op(w, SV_TR_OP_SET_WINDOW, 0, &e);
	sv_tenc_u64(&e, 0x7000);
	sv_tenc_u32(&e, 4);
	sv_tenc_bytes(&e, "data", 4);
	op(w, SV_TR_OP_READ_GPA, 0, &e);
	sv_tenc_u64(&e, 0x8000);
	sv_tenc_u32(&e, 2);
	sv_tenc_bytes(&e, "hi", 2);
	op(w, SV_TR_OP_WRITE_GPA, 0, &e);
	sv_tenc_init(&e);
	sv_tenc_u64(&e, 5000);
	sv_trace_write(w, SV_TR_TIME, 1, 0, e.b, e.n, NULL, 0);
	sv_trace_write(w, SV_TR_OP_VCPU_DESTROY, 1, 0, NULL, 0, NULL, 0);
	sv_trace_write(w, SV_TR_OP_VM_DESTROY, 1, 0, NULL, 0, NULL, 0);
	sv_tenc_init(&e);
	sv_tenc_u32(&e, 2);
	sv_tenc_u32(&e, 0);
	sv_tenc_u64(&e, 0x1234);
	sv_trace_write(w, SV_TR_VM_END, 1, 0, e.b, e.n, reason,
		       sizeof(reason) - 1);
}

/* END, and stop if the writer refused anything (a seed must be valid). */
static void end(struct sv_trace_writer *w, uint64_t digest)
{
	sv_trace_writer_end(w, digest);
	if (w->error) {
		fprintf(stderr, "gen_trace_corpus: writer error %d\n", w->error);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static const struct sv_trace_header h = { "seed", SV_TRACE_CPU_VMX, 1 };
	static struct membuf m, noisy;
	struct sv_trace_writer w;
	struct sv_trace_enc e;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}

	sv_trace_writer_begin(&w, mem_sink, &m, &h);
	every_type(&w);
	end(&w, 0xabcdef);
	save(argv[1], "every_type", m.b, m.n);
	save(argv[1], "truncated", m.b, m.n - 40);
	for (int i = 0; i < 100; i++)
		mem_sink(&noisy, &"\r\nSeaBIOS (version 1.16)\r\n"[i % 26], 1);
	mem_sink(&noisy, m.b, m.n);
	save(argv[1], "noise", noisy.b, noisy.n);

	m.n = 0;
	sv_trace_writer_begin(&w, mem_sink, &m, &h);
	for (unsigned i = 0; i < 1100; i++) {
		sv_tenc_init(&e);
		sv_tenc_u64(&e, i);
		sv_trace_write(&w, SV_TR_TIME, 0, 0, e.b, e.n, NULL, 0);
	}
	end(&w, 1);
	save(argv[1], "checkpoint", m.b, m.n);

	m.n = 0;
	sv_trace_writer_begin(&w, mem_sink, &m, &h);
	end(&w, 0);
	save(argv[1], "minimal", m.b, m.n);
	return 0;
}
