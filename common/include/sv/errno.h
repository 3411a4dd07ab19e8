/*
 * Error codes. Every fallible function returns int: 0 on success or a
 * negative SV_E* code (STYLE.md "Errors"). sv_strerror() names them.
 */
#ifndef SV_ERRNO_H
#define SV_ERRNO_H

/* X(name, value, description) */
#define SV_ERRNO_LIST(X) \
	X(SV_EPERM,    1,  "operation not permitted") \
	X(SV_ENOENT,   2,  "no such file or entry") \
	X(SV_EIO,      5,  "input/output error") \
	X(SV_E2BIG,    7,  "argument list too long") \
	X(SV_ENOMEM,   12, "out of memory") \
	X(SV_EFAULT,   14, "bad address") \
	X(SV_EBUSY,    16, "resource busy") \
	X(SV_EEXIST,   17, "already exists") \
	X(SV_ENODEV,   19, "no such device") \
	X(SV_ENOTDIR,  20, "not a directory") \
	X(SV_EISDIR,   21, "is a directory") \
	X(SV_EINVAL,   22, "invalid argument") \
	X(SV_ENOSPC,   28, "no space left") \
	X(SV_ERANGE,   34, "value out of range") \
	X(SV_ENAMETOOLONG, 36, "name too long") \
	X(SV_ENOSYS,   38, "not implemented") \
	X(SV_ENOTEMPTY, 39, "directory not empty") \
	X(SV_ENOTSUP,  95, "not supported") \
	X(SV_EOVERFLOW, 75, "value too large") \
	X(SV_ETIMEDOUT, 110, "timed out") \
	X(SV_EBADF,    9,  "bad descriptor") \
	X(SV_EAGAIN,   11, "try again") \
	X(SV_EPIPE,    32, "peer closed") \
	X(SV_EMFILE,   24, "too many open files") \
	X(SV_EXDEV,    18, "across file systems") \
	X(SV_ECORRUPT, 200, "corrupt data") \
	X(SV_EGUEST,   201, "guest misbehaved") \
	X(SV_EHW,      202, "hardware refused the operation")

enum sv_errno {
#define SV_ERRNO_ENUM(name, value, desc) name = (value),
	SV_ERRNO_LIST(SV_ERRNO_ENUM)
#undef SV_ERRNO_ENUM
};

/* Description of a negative or positive SV_E* code; "unknown error" else. */
const char *sv_strerror(int err);
/* Symbolic name ("SV_EINVAL") of a code, or "SV_E?" for an unknown one. */
const char *sv_errname(int err);

#endif /* SV_ERRNO_H */
