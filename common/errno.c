/* Names and descriptions of the SV_E* codes, generated from SV_ERRNO_LIST. */
#include "sv/errno.h"

struct errno_entry {
	int value;
	const char *name;
	const char *desc;
};

static const struct errno_entry errno_table[] = {
#define SV_ERRNO_ROW(name, value, desc) { value, #name, desc },
	SV_ERRNO_LIST(SV_ERRNO_ROW)
#undef SV_ERRNO_ROW
};

static const struct errno_entry *errno_find(int err)
{
	if (err < 0)
		err = -err;
	for (unsigned i = 0; i < sizeof(errno_table) / sizeof(errno_table[0]); i++)
		if (errno_table[i].value == err)
			return &errno_table[i];
	return 0;
}

const char *sv_strerror(int err)
{
	const struct errno_entry *e;

	if (err == 0)
		return "success";
	e = errno_find(err);
	return e ? e->desc : "unknown error";
}

const char *sv_errname(int err)
{
	const struct errno_entry *e;

	if (err == 0)
		return "0";
	e = errno_find(err);
	return e ? e->name : "SV_E?";
}
