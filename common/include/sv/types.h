/*
 * Address types. Guest-physical, guest-virtual and host-physical addresses
 * are distinct struct types, so passing one where another is expected is a
 * compile error rather than a silent bug (a gpa_t used as an hpa_t is how a
 * guest reaches host memory). Build them with gpa()/gva()/hpa() and read the
 * raw value with .v; arithmetic goes through the small helpers below.
 */
#ifndef SV_TYPES_H
#define SV_TYPES_H

#include <stdbool.h>
#include <stdint.h>

typedef struct { uint64_t v; } gpa_t;	/* guest-physical address */
typedef struct { uint64_t v; } gva_t;	/* guest-virtual (linear) address */
typedef struct { uint64_t v; } hpa_t;	/* host-physical address */

static inline gpa_t gpa(uint64_t v) { return (gpa_t){ v }; }
static inline gva_t gva(uint64_t v) { return (gva_t){ v }; }
static inline hpa_t hpa(uint64_t v) { return (hpa_t){ v }; }

static inline gpa_t gpa_add(gpa_t a, uint64_t off) { return gpa(a.v + off); }
static inline gva_t gva_add(gva_t a, uint64_t off) { return gva(a.v + off); }
static inline hpa_t hpa_add(hpa_t a, uint64_t off) { return hpa(a.v + off); }

#define SV_PAGE_SHIFT 12
#define SV_PAGE_SIZE  (1ull << SV_PAGE_SHIFT)

#endif /* SV_TYPES_H */
