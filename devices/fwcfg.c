/*
 * fw_cfg, traditional interface (see sv/dev/fwcfg.h).
 *
 * Every item is a byte array in the guest's byte order, found from the
 * selector by item_lookup(); the data port walks it. The file directory is
 * an item like the others, rebuilt whenever a file is added, so reading it
 * costs nothing more than reading any other item.
 */
#include "sv/dev/fwcfg.h"

#include "sv/digest.h"
#include "sv/errno.h"
#include "sv/string.h"
#include "sv/vm.h"

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_be(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* The selected item's bytes; false for a key that names none. */
static bool item_lookup(const struct sv_fwcfg *f, uint16_t key,
			const uint8_t **data, uint32_t *len)
{
	unsigned entry = key & SV_FWCFG_ENTRY_MASK;

	if (key & SV_FWCFG_ARCH_LOCAL)
		return false;
	switch (entry) {
	case SV_FWCFG_SIGNATURE:
		*data = f->signature, *len = sizeof(f->signature);
		return true;
	case SV_FWCFG_ID:
		*data = f->id, *len = sizeof(f->id);
		return true;
	case SV_FWCFG_RAM_SIZE:
		*data = f->ram_size, *len = sizeof(f->ram_size);
		return true;
	case SV_FWCFG_NB_CPUS:
		*data = f->nb_cpus, *len = sizeof(f->nb_cpus);
		return true;
	case SV_FWCFG_MAX_CPUS:
		*data = f->max_cpus, *len = sizeof(f->max_cpus);
		return true;
	case SV_FWCFG_FILE_DIR:
		*data = f->dir, *len = f->dir_len;
		return true;
	}
	if (entry >= SV_FWCFG_FILE_FIRST &&
	    entry < SV_FWCFG_FILE_FIRST + f->nfiles) {
		const struct sv_fwcfg_file *file =
			&f->files[entry - SV_FWCFG_FILE_FIRST];

		*data = file->data, *len = file->len;
		return true;
	}
	return false;
}

static uint8_t data_read(struct sv_fwcfg *f)
{
	const uint8_t *data;
	uint32_t len;

	if (!item_lookup(f, f->selector, &data, &len) || f->offset >= len)
		return 0;
	return data[f->offset++];
}

/*
 * One access. As QEMU's combined port: a 16-bit write at the selector
 * selects; an 8-bit read at either port reads data; an 8-bit write is a
 * data write, which the traditional interface ignores; other widths are
 * invalid and do nothing (reads stay all ones).
 */
static int fwcfg_io(struct sv_io_device *dev, uint64_t offset, unsigned size,
		    bool write, uint64_t *data)
{
	struct sv_fwcfg *f = sv_container_of(dev, struct sv_fwcfg, io);

	if (write && size == 2 && offset == 0) {
		f->selector = (uint16_t)*data;
		f->offset = 0;
	} else if (!write && size == 1) {
		*data = data_read(f);
	}
	return 0;
}

/* Directory: big-endian count, then per file size, select, 0, name[56]. */
static void dir_rebuild(struct sv_fwcfg *f)
{
	uint8_t *p = f->dir + 4;

	sv_memset(f->dir, 0, sizeof(f->dir));
	put_be(f->dir, f->nfiles, 4);
	for (unsigned i = 0; i < f->nfiles; i++) {
		put_be(p, f->files[i].len, 4);
		put_be(p + 4, SV_FWCFG_FILE_FIRST + i, 2);
		sv_memcpy(p + 8, f->files[i].name, SV_FWCFG_MAX_FILE_PATH);
		p += SV_FWCFG_DIR_ENTRY_SIZE;
	}
	f->dir_len = (uint32_t)(p - f->dir);
}

int fwcfg_init(struct sv_fwcfg *f, struct sv_vm *vm, uint64_t ram_bytes,
	       unsigned ncpus)
{
	if (!f || !vm || ncpus == 0 || ncpus > 0xffff)
		return -SV_EINVAL;
	sv_memset(f, 0, sizeof(*f));
	f->io.name = "fw_cfg";
	f->io.handler = fwcfg_io;
	f->vm = vm;
	sv_memcpy(f->signature, SV_FWCFG_SIGNATURE_STR, sizeof(f->signature));
	put_le(f->id, SV_FWCFG_F_TRADITIONAL, sizeof(f->id));
	put_le(f->ram_size, ram_bytes, sizeof(f->ram_size));
	put_le(f->nb_cpus, ncpus, sizeof(f->nb_cpus));
	put_le(f->max_cpus, ncpus, sizeof(f->max_cpus));
	dir_rebuild(f);
	return iobus_register(&vm->bus, SV_IO_PORT, SV_FWCFG_PORT_SELECTOR,
			      SV_FWCFG_PORTS, &f->io);
}

void fwcfg_destroy(struct sv_fwcfg *f)
{
	iobus_unregister(&f->vm->bus, &f->io);
}

int fwcfg_add_file(struct sv_fwcfg *f, const char *name, const void *data,
		   uint32_t len)
{
	size_t namelen;
	unsigned pos;

	if (!f || !name || (!data && len))
		return -SV_EINVAL;
	namelen = sv_strnlen(name, SV_FWCFG_MAX_FILE_PATH);
	if (namelen == 0 || namelen >= SV_FWCFG_MAX_FILE_PATH)
		return -SV_ENAMETOOLONG;
	/* keep the table sorted by name (strcmp order), as QEMU's is */
	for (pos = 0; pos < f->nfiles; pos++) {
		int cmp = sv_strcmp(name, f->files[pos].name);

		if (cmp == 0)
			return -SV_EEXIST;
		if (cmp < 0)
			break;	/* the rest sort after name: no duplicate there */
	}
	if (f->nfiles == SV_FWCFG_MAX_FILES)
		return -SV_ENOSPC;
	sv_memmove(&f->files[pos + 1], &f->files[pos],
		   (f->nfiles - pos) * sizeof(f->files[0]));
	sv_memset(&f->files[pos], 0, sizeof(f->files[pos]));
	sv_memcpy(f->files[pos].name, name, namelen);
	f->files[pos].data = data;
	f->files[pos].len = len;
	f->nfiles++;
	dir_rebuild(f);
	return 0;
}

int fwcfg_add_e820(struct sv_fwcfg *f, const struct sv_e820_entry *map,
		   unsigned n)
{
	uint8_t *p;

	if (!f || (!map && n))
		return -SV_EINVAL;
	if (n > SV_FWCFG_MAX_E820)
		return -SV_E2BIG;
	for (unsigned i = 0; i < n; i++) {
		if (map[i].length == 0 || map[i].type == 0 ||
		    map[i].base + map[i].length - 1 < map[i].base)
			return -SV_EINVAL;
	}
	/* validate the name slot before touching the shared buffer */
	for (unsigned i = 0; i < f->nfiles; i++)
		if (sv_strcmp(f->files[i].name, SV_FWCFG_E820_FILE) == 0)
			return -SV_EEXIST;
	if (f->nfiles == SV_FWCFG_MAX_FILES)
		return -SV_ENOSPC;
	p = f->e820;
	for (unsigned i = 0; i < n; i++) {
		put_le(p, map[i].base, 8);
		put_le(p + 8, map[i].length, 8);
		put_le(p + 16, map[i].type, 4);
		p += SV_FWCFG_E820_ENTRY_SIZE;
	}
	return fwcfg_add_file(f, SV_FWCFG_E820_FILE, f->e820,
			      n * SV_FWCFG_E820_ENTRY_SIZE);
}

/* Only byte arrays go in whole: they have no padding to leak. */
void fwcfg_digest(const struct sv_fwcfg *f, struct sv_digest *d)
{
	unsigned nfiles = SV_MIN(f->nfiles, (unsigned)SV_FWCFG_MAX_FILES);

	sv_digest_u16(d, f->selector);
	sv_digest_u32(d, f->offset);
	sv_digest_bytes(d, f->signature, sizeof(f->signature));
	sv_digest_bytes(d, f->id, sizeof(f->id));
	sv_digest_bytes(d, f->ram_size, sizeof(f->ram_size));
	sv_digest_bytes(d, f->nb_cpus, sizeof(f->nb_cpus));
	sv_digest_bytes(d, f->max_cpus, sizeof(f->max_cpus));
	sv_digest_u32(d, f->nfiles);
	for (unsigned i = 0; i < nfiles; i++) {
		const struct sv_fwcfg_file *file = &f->files[i];

		sv_digest_bytes(d, file->name, sizeof(file->name));
		sv_digest_u32(d, file->len);
		if (file->data)
			sv_digest_bytes(d, file->data, file->len);
	}
	sv_digest_u32(d, f->dir_len);
	sv_digest_bytes(d, f->dir, SV_MIN(f->dir_len, (uint32_t)sizeof(f->dir)));
	sv_digest_bytes(d, f->e820, sizeof(f->e820));
}
