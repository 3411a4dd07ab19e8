/*
 * The 8254 PIT (Intel 82C54 datasheet): control word at 0x43, channel
 * data ports 0x40-0x42; channel 2's gate and output sit in the system
 * control port B (0x61) of the PC.
 */
#include "i8254.h"

#include "x86.h"

#define PIT_CH0_DATA    0x40
#define PIT_CH2_DATA    0x42
#define PIT_CMD         0x43
/* control word: channel (7:6), access lobyte/hibyte (5:4), mode (3:1) */
#define PIT_CMD_CH0     (0u << 6)
#define PIT_CMD_CH2     (2u << 6)
#define PIT_CMD_LOHI    (3u << 4)
#define PIT_CMD_MODE0   (0u << 1)	/* interrupt on terminal count */
#define PIT_CMD_MODE2   (2u << 1)	/* rate generator */
#define PIT_COUNT_MAX   0xffffu
#define PORT_B          0x61
#define PORT_B_GATE2    0x01
#define PORT_B_SPEAKER  0x02
#define PORT_B_OUT2     0x20
#define MS_PER_S        1000u
#define GATE_SPIN_LIMIT 100000000ull

static uint8_t saved_port_b;

static void load(uint8_t cmd, uint16_t port, unsigned count)
{
	outb(PIT_CMD, cmd);
	outb(port, (uint8_t)(count & 0xff));
	outb(port, (uint8_t)(count >> 8));
}

void i8254_gate_start(unsigned ms)
{
	unsigned count = I8254_HZ * ms / MS_PER_S;

	if (count > PIT_COUNT_MAX)
		count = PIT_COUNT_MAX;
	saved_port_b = inb(PORT_B);
	/* gate off, speaker off, then load the count in mode 0 */
	outb(PORT_B, saved_port_b & ~(PORT_B_GATE2 | PORT_B_SPEAKER));
	load(PIT_CMD_CH2 | PIT_CMD_LOHI | PIT_CMD_MODE0, PIT_CH2_DATA, count);
	outb(PORT_B, (saved_port_b & ~PORT_B_SPEAKER) | PORT_B_GATE2);
}

bool i8254_gate_wait(void)
{
	uint64_t spins = 0;

	while (!(inb(PORT_B) & PORT_B_OUT2) && ++spins < GATE_SPIN_LIMIT)
		;
	outb(PORT_B, saved_port_b);
	return spins < GATE_SPIN_LIMIT;
}

void i8254_periodic(unsigned hz)
{
	unsigned count = hz ? I8254_HZ / hz : PIT_COUNT_MAX;

	if (count > PIT_COUNT_MAX)
		count = PIT_COUNT_MAX;
	load(PIT_CMD_CH0 | PIT_CMD_LOHI | PIT_CMD_MODE2, PIT_CH0_DATA, count);
}

void i8254_stop(void)
{
	load(PIT_CMD_CH0 | PIT_CMD_LOHI | PIT_CMD_MODE0, PIT_CH0_DATA,
	     PIT_COUNT_MAX);
}
