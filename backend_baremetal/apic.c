/*
 * The local APIC in xAPIC mode (SDM vol. 3, chapter 11): register offsets
 * from table 11-1, LVT layouts from figure 11-8, the timer from section
 * 11.5.4. Registers are 32 bits wide at 16-byte spacing and are accessed
 * only as such.
 */
#include "apic.h"

#include "paging.h"
#include "sv/errno.h"
#include "x86.h"
#include "x86_sys.h"

enum apic_reg {
	APIC_ID          = 0x020,
	APIC_VERSION     = 0x030,
	APIC_TPR         = 0x080,
	APIC_EOI         = 0x0b0,
	APIC_SVR         = 0x0f0,
	APIC_ESR         = 0x280,
	APIC_ICR_LOW     = 0x300,
	APIC_ICR_HIGH    = 0x310,
	APIC_LVT_TIMER   = 0x320,
	APIC_LVT_THERMAL = 0x330,
	APIC_LVT_PERF    = 0x340,
	APIC_LVT_LINT0   = 0x350,
	APIC_LVT_LINT1   = 0x360,
	APIC_LVT_ERROR   = 0x370,
	APIC_TIMER_ICR   = 0x380,	/* initial count */
	APIC_TIMER_CCR   = 0x390,	/* current count */
	APIC_TIMER_DCR   = 0x3e0,	/* divide configuration */
	APIC_MMIO_SIZE   = 0x400,
};

#define APIC_ID_SHIFT          24
#define APIC_VERSION_VERSION(v) ((v) & 0xffu)
#define APIC_VERSION_MAXLVT(v) (((v) >> 16) & 0xffu)
#define APIC_MAXLVT_PERF       4	/* the perf-counter LVT exists */
#define APIC_MAXLVT_THERMAL    5	/* the thermal LVT exists */
#define APIC_SVR_ENABLE        SV_BIT(8)
#define APIC_ICR_DM_FIXED      (0u << 8)
#define APIC_ICR_LEVEL_ASSERT  SV_BIT(14)
#define APIC_ICR_DEST_SELF     (1u << 18)	/* destination shorthand */
#define APIC_ICR_BUSY          SV_BIT(12)	/* delivery status */
#define APIC_DCR_DIVIDE_16     0x3u
#define APIC_TIMER_MAX_COUNT   0xffffffffu
#define APIC_EOI_VALUE         0
#define APIC_ICR_SPIN_MAX      1000000

_Static_assert(APIC_TIMER_DIVISOR == 16, "APIC_DCR_DIVIDE_16 programs it");

static volatile uint8_t *regs;
static uint64_t base_pa;

static uint32_t rd(enum apic_reg r)
{
	return mmio_read32(regs + r);
}

static void wr(enum apic_reg r, uint32_t v)
{
	mmio_write32(regs + r, v);
}

bool apic_present(void)
{
	return (cpuid(CPUID_LEAF_FEATURES, 0).edx & CPUID_1_EDX_APIC) != 0;
}

int apic_init(unsigned spurious_vector, unsigned error_vector)
{
	uint64_t msr;
	unsigned maxlvt;

	if (!apic_present())
		return -SV_ENODEV;
	msr = rdmsr(MSR_IA32_APIC_BASE);
	if (msr & APIC_BASE_X2APIC)
		return -SV_ENOTSUP;
	if (!(msr & APIC_BASE_ENABLE))
		wrmsr(MSR_IA32_APIC_BASE, msr | APIC_BASE_ENABLE);
	base_pa = msr & APIC_BASE_ADDR_MASK;
	regs = paging_map_mmio(base_pa, APIC_MMIO_SIZE);
	if (!regs)
		return -SV_ENOMEM;

	maxlvt = APIC_VERSION_MAXLVT(rd(APIC_VERSION));
	wr(APIC_TPR, 0);
	wr(APIC_LVT_TIMER, APIC_LVT_MASKED);
	wr(APIC_LVT_LINT0, APIC_LVT_MASKED);
	wr(APIC_LVT_LINT1, APIC_LVT_DM_NMI);
	if (maxlvt >= APIC_MAXLVT_PERF)
		wr(APIC_LVT_PERF, APIC_LVT_MASKED);
	if (maxlvt >= APIC_MAXLVT_THERMAL)
		wr(APIC_LVT_THERMAL, APIC_LVT_MASKED);
	wr(APIC_LVT_ERROR, error_vector & APIC_LVT_VECTOR_MASK);
	wr(APIC_SVR, APIC_SVR_ENABLE | (spurious_vector & APIC_LVT_VECTOR_MASK));
	(void)apic_read_error();
	apic_eoi();	/* anything the firmware left in service */
	return 0;
}

void apic_set_lint0_extint(bool on)
{
	wr(APIC_LVT_LINT0, on ? APIC_LVT_DM_EXTINT : APIC_LVT_MASKED);
}

void apic_eoi(void)
{
	wr(APIC_EOI, APIC_EOI_VALUE);
}

uint32_t apic_id(void)
{
	return rd(APIC_ID) >> APIC_ID_SHIFT;
}

uint32_t apic_version(void)
{
	return APIC_VERSION_VERSION(rd(APIC_VERSION));
}

uint64_t apic_base_pa(void)
{
	return base_pa;
}

uint32_t apic_read_error(void)
{
	wr(APIC_ESR, 0);	/* a write latches the errors for reading */
	return rd(APIC_ESR);
}

void apic_self_ipi(unsigned vector)
{
	for (int i = 0; i < APIC_ICR_SPIN_MAX && (rd(APIC_ICR_LOW) & APIC_ICR_BUSY); i++)
		cpu_relax();
	wr(APIC_ICR_HIGH, 0);
	wr(APIC_ICR_LOW, APIC_ICR_DEST_SELF | APIC_ICR_LEVEL_ASSERT |
			 APIC_ICR_DM_FIXED | (vector & APIC_LVT_VECTOR_MASK));
}

void apic_timer_start_free(void)
{
	wr(APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_LVT_TIMER_ONESHOT);
	wr(APIC_TIMER_DCR, APIC_DCR_DIVIDE_16);
	wr(APIC_TIMER_ICR, APIC_TIMER_MAX_COUNT);
}

uint32_t apic_timer_current(void)
{
	return rd(APIC_TIMER_CCR);
}

void apic_timer_start_periodic(uint32_t count, unsigned vector)
{
	wr(APIC_TIMER_DCR, APIC_DCR_DIVIDE_16);
	wr(APIC_LVT_TIMER, APIC_LVT_TIMER_PERIODIC |
			   (vector & APIC_LVT_VECTOR_MASK));
	wr(APIC_TIMER_ICR, count);
}

void apic_timer_stop(void)
{
	wr(APIC_LVT_TIMER, APIC_LVT_MASKED);
	wr(APIC_TIMER_ICR, 0);
}
