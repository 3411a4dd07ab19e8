/*
 * The processor's local APIC in xAPIC mode (Intel SDM vol. 3, chapter 11
 * "Advanced Programmable Interrupt Controller"): its registers are mapped
 * uncached from the base IA32_APIC_BASE reports. irq.c enables it, takes
 * its EOI and spurious/error vectors; timer.c runs the periodic tick on its
 * timer. One processor: only the bootstrap processor's APIC is used.
 */
#ifndef SV_BM_APIC_H
#define SV_BM_APIC_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"

/* Local vector table entries' fields */
#define APIC_LVT_VECTOR_MASK   0xffu
#define APIC_LVT_DM_FIXED      (0u << 8)	/* delivery mode */
#define APIC_LVT_DM_NMI        (4u << 8)
#define APIC_LVT_DM_EXTINT     (7u << 8)
#define APIC_LVT_MASKED        SV_BIT(16)
#define APIC_LVT_TIMER_ONESHOT (0u << 17)
#define APIC_LVT_TIMER_PERIODIC (1u << 17)

/* True when CPUID says there is a local APIC. */
bool apic_present(void);

/*
 * Map and software-enable the local APIC with the given spurious and
 * error vectors, task priority 0, every local interrupt masked except
 * LINT1 (NMI). -SV_ENODEV when there is none, -SV_ENOTSUP when the
 * firmware left it in x2APIC mode, -SV_ENOMEM when it cannot be mapped.
 */
SV_MUST_CHECK int apic_init(unsigned spurious_vector, unsigned error_vector);

/*
 * LINT0 as virtual wire (ExtINT: the 8259's INTR passes through) or
 * masked (device interrupts come from the I/O APIC).
 */
void apic_set_lint0_extint(bool on);

void apic_eoi(void);
uint32_t apic_id(void);
uint32_t apic_version(void);		/* version field of VERSION */
uint64_t apic_base_pa(void);
/* Read (and clear) the error status register. */
uint32_t apic_read_error(void);
/* Send a fixed interrupt with this vector to this processor. */
void apic_self_ipi(unsigned vector);

/* The timer: counts down from an initial count at input clock / 16. */
#define APIC_TIMER_DIVISOR 16
/* Count down once from the maximum, masked: for calibration. */
void apic_timer_start_free(void);
uint32_t apic_timer_current(void);
/* Interrupt on vector every count input clocks (after the divider). */
void apic_timer_start_periodic(uint32_t count, unsigned vector);
void apic_timer_stop(void);

#endif /* SV_BM_APIC_H */
