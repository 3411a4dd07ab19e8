/*
 * 16550A UART (see sv/dev/uart.h for what is modelled and what is not).
 *
 * The chip's interrupt logic is kept as the datasheet states it: each
 * source is a condition over the registers (LSR errors, FIFO level against
 * the trigger, the timeout indication, the THRE latch, MSR deltas), the IIR
 * reports the highest-priority enabled one, and the IRQ line is "some
 * enabled source pending" gated by MCR.OUT2 (and cut in loopback), all
 * recomputed after every change (uart_update_irq). Only two sources are
 * latches: THRE, because the datasheet clears it by reading the IIR, which
 * no register condition expresses, and the timeout, an event in time.
 *
 * Every access is byte-wide on the chip; a wider IN/OUT is split into byte
 * accesses to consecutive registers, as the ISA bus does for an 8-bit
 * device.
 */
#include "sv/dev/uart.h"

#include "sv/digest.h"
#include "sv/errno.h"
#include "sv/string.h"
#include "sv/vm.h"

/* Power-on input levels outside loopback: a terminal that is always there. */
#define UART_LINE_INPUTS (SV_UART_MSR_CTS | SV_UART_MSR_DSR | SV_UART_MSR_DCD)

/* The divisor a PC BIOS programs (9600 baud); the reset value is undefined. */
#define UART_RESET_DIVISOR 12

/* An ISA interrupt line, and the end of the port space. */
#define ISA_IRQ_LINES	16
#define PORT_SPACE_END	0x10000u

/* Four character times without FIFO activity make a timeout. */
#define UART_TIMEOUT_CHARS 4

static const uint8_t rx_trigger_bytes[4] = { 1, 4, 8, 14 };

static bool fifo_enabled(const struct sv_uart *u)
{
	return u->fcr & SV_UART_FCR_FIFOE;
}

static bool loopback(const struct sv_uart *u)
{
	return u->mcr & SV_UART_MCR_LOOP;
}

static unsigned rx_capacity(const struct sv_uart *u)
{
	return fifo_enabled(u) ? SV_UART_FIFO_SIZE : 1;
}

static unsigned rx_trigger(const struct sv_uart *u)
{
	if (!fifo_enabled(u))
		return 1;
	return rx_trigger_bytes[(u->fcr & SV_UART_FCR_TRIG_MASK) >>
				SV_UART_FCR_TRIG_SHIFT];
}

/*
 * One character time in ns: start bit, data bits, parity and stop bits,
 * each 16 clocks times the divisor. Counted in half bits for the 1.5 stop
 * bits of 5-bit words. A divisor of 0 counts as 65536, as a 16-bit
 * down-counter loaded with 0 does.
 */
static uint64_t char_time_ns(const struct sv_uart *u)
{
	unsigned data_bits = 5 + (u->lcr & SV_UART_LCR_WLS_MASK);
	unsigned half_bits = 2 * (1 + data_bits);
	uint64_t divisor = (uint64_t)u->dlm << 8 | u->dll;

	if (u->lcr & SV_UART_LCR_PEN)
		half_bits += 2;
	if (!(u->lcr & SV_UART_LCR_STB))
		half_bits += 2;
	else
		half_bits += data_bits == 5 ? 3 : 4;
	if (divisor == 0)
		divisor = 65536;
	/* at most 24 * 8 * 65536 * 1e9: fits 64 bits */
	return half_bits * 8 * divisor * 1000000000ull / SV_UART_CLOCK_HZ;
}

/* The highest-priority enabled source, as the IIR's low nibble. */
static uint8_t pending_source(const struct sv_uart *u)
{
	if ((u->ier & SV_UART_IER_ELSI) && u->lsr_errors)
		return SV_UART_IIR_RLSI;
	if ((u->ier & SV_UART_IER_ERBFI) && u->rx_count &&
	    u->rx_count >= rx_trigger(u))
		return SV_UART_IIR_RDI;
	if ((u->ier & SV_UART_IER_ERBFI) && u->timeout_ipending)
		return SV_UART_IIR_CTI;
	if ((u->ier & SV_UART_IER_ETBEI) && u->thr_ipending)
		return SV_UART_IIR_THRI;
	if ((u->ier & SV_UART_IER_EDSSI) && (u->msr & SV_UART_MSR_DELTAS))
		return SV_UART_IIR_MSI;
	return SV_UART_IIR_NO_INT;
}

/*
 * On a PC the chip's INTRPT pin reaches the PIC through a buffer enabled by
 * the -OUT2 pin. Loopback forces the modem-control pins inactive, so the
 * interrupt stays inside the chip then (IIR still shows it).
 */
static void uart_update_irq(struct sv_uart *u)
{
	bool level = pending_source(u) != SV_UART_IIR_NO_INT &&
		     (u->mcr & SV_UART_MCR_OUT2) && !loopback(u);

	if (level != u->irq_level) {
		u->irq_level = level;
		vm_irq_set(u->vm, u->irq, level);
	}
}

/* The datasheet's timeout timer restarts on every byte in or out. */
static void restart_timeout(struct sv_uart *u, uint64_t now)
{
	if (fifo_enabled(u) && u->rx_count)
		vm_timer_arm(u->vm, &u->timeout_timer,
			     now + UART_TIMEOUT_CHARS * char_time_ns(u));
	else
		vm_timer_disarm(&u->timeout_timer);
}

static void timeout_fire(struct sv_timer *t, uint64_t now)
{
	struct sv_uart *u = sv_container_of(t, struct sv_uart, timeout_timer);

	(void)now;
	if (fifo_enabled(u) && u->rx_count) {
		u->timeout_ipending = true;
		uart_update_irq(u);
	}
}

static void rx_clear(struct sv_uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
	u->timeout_ipending = false;
	vm_timer_disarm(&u->timeout_timer);
}

/* A character completes in the receiver shift register. */
static void rx_push(struct sv_uart *u, uint8_t byte)
{
	u->rx_bytes++;
	if (u->rx_count == rx_capacity(u)) {
		u->lsr_errors |= SV_UART_LSR_OE;
		u->rx_overruns++;
		/* 16450 mode: the new byte overwrites RBR; FIFO mode: it is lost */
		if (!fifo_enabled(u))
			u->rx_fifo[u->rx_head] = byte;
	} else {
		u->rx_fifo[(u->rx_head + u->rx_count) % SV_UART_FIFO_SIZE] = byte;
		u->rx_count++;
	}
	restart_timeout(u, vm_now(u->vm));
}

static uint8_t rbr_read(struct sv_uart *u)
{
	if (u->rx_count) {
		u->rbr = u->rx_fifo[u->rx_head];
		u->rx_head = (u->rx_head + 1) % SV_UART_FIFO_SIZE;
		u->rx_count--;
		u->timeout_ipending = false;
		restart_timeout(u, vm_now(u->vm));
		uart_update_irq(u);
	}
	return u->rbr;
}

/*
 * The modem inputs the MSR shows: the line's, or in loopback the chip's own
 * outputs (DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD).
 */
static uint8_t modem_inputs(const struct sv_uart *u)
{
	uint8_t in = 0;

	if (!loopback(u))
		return UART_LINE_INPUTS;
	if (u->mcr & SV_UART_MCR_DTR)
		in |= SV_UART_MSR_DSR;
	if (u->mcr & SV_UART_MCR_RTS)
		in |= SV_UART_MSR_CTS;
	if (u->mcr & SV_UART_MCR_OUT1)
		in |= SV_UART_MSR_RI;
	if (u->mcr & SV_UART_MCR_OUT2)
		in |= SV_UART_MSR_DCD;
	return in;
}

/* New input levels: latch the delta bits the datasheet defines. */
static void msr_set_inputs(struct sv_uart *u, uint8_t in)
{
	uint8_t old = u->msr & ~SV_UART_MSR_DELTAS;
	uint8_t changed = old ^ in;
	uint8_t deltas = u->msr & SV_UART_MSR_DELTAS;

	if (changed & SV_UART_MSR_CTS)
		deltas |= SV_UART_MSR_DCTS;
	if (changed & SV_UART_MSR_DSR)
		deltas |= SV_UART_MSR_DDSR;
	if ((old & SV_UART_MSR_RI) && !(in & SV_UART_MSR_RI))
		deltas |= SV_UART_MSR_TERI;
	if (changed & SV_UART_MSR_DCD)
		deltas |= SV_UART_MSR_DDCD;
	u->msr = in | deltas;
}

/*
 * A byte written to THR: the THRE interrupt drops (so an edge-triggered PIC
 * sees a fresh edge when it comes back), the byte leaves at once, and THR
 * is empty again, which raises THRE anew.
 */
static void thr_write(struct sv_uart *u, uint8_t byte)
{
	u->thr_ipending = false;
	uart_update_irq(u);
	u->tx_bytes++;
	if (loopback(u))
		rx_push(u, byte);
	else if (u->out)
		u->out(u->out_ctx, byte);
	u->thr_ipending = true;
	uart_update_irq(u);
}

/*
 * IER. Enabling ETBEI while THR is empty raises the THRE interrupt: the
 * datasheet's timing diagrams show it, Linux's 8250 driver tests for it at
 * startup and Windows relies on it; disabling it forgets the latch.
 */
static void ier_write(struct sv_uart *u, uint8_t val)
{
	uint8_t changed = (uint8_t)(u->ier ^ val);

	u->ier = val & SV_UART_IER_MASK;
	if (changed & SV_UART_IER_ETBEI)
		u->thr_ipending = (u->ier & SV_UART_IER_ETBEI) != 0;
	uart_update_irq(u);
}

/*
 * FCR. Changing FIFOE clears both FIFOs; the other bits are programmed only
 * while FIFOE is written as 1; the reset bits clear themselves.
 */
static void fcr_write(struct sv_uart *u, uint8_t val)
{
	if ((val ^ u->fcr) & SV_UART_FCR_FIFOE)
		rx_clear(u);
	if (!(val & SV_UART_FCR_FIFOE)) {
		u->fcr = 0;
	} else {
		u->fcr = val & (SV_UART_FCR_FIFOE | SV_UART_FCR_DMA |
				SV_UART_FCR_TRIG_MASK);
		if (val & SV_UART_FCR_RFRES)
			rx_clear(u);
		/* XFRES: the transmit FIFO is always empty on this line */
	}
	uart_update_irq(u);
}

static void mcr_write(struct sv_uart *u, uint8_t val)
{
	u->mcr = val & SV_UART_MCR_MASK;
	msr_set_inputs(u, modem_inputs(u));
	uart_update_irq(u);
}

static uint8_t iir_read(struct sv_uart *u)
{
	uint8_t id = pending_source(u);
	uint8_t val = id | (fifo_enabled(u) ? SV_UART_IIR_FIFOS : 0);

	/* Reading IIR acknowledges THRE when that is what it reports. */
	if (id == SV_UART_IIR_THRI) {
		u->thr_ipending = false;
		uart_update_irq(u);
	}
	return val;
}

static uint8_t lsr_read(struct sv_uart *u)
{
	uint8_t val = u->lsr_errors | SV_UART_LSR_THRE | SV_UART_LSR_TEMT;

	if (u->rx_count)
		val |= SV_UART_LSR_DR;
	if (u->lsr_errors) {
		u->lsr_errors = 0;
		uart_update_irq(u);
	}
	return val;
}

static uint8_t msr_read(struct sv_uart *u)
{
	uint8_t val = u->msr;

	if (u->msr & SV_UART_MSR_DELTAS) {
		u->msr &= ~SV_UART_MSR_DELTAS;
		uart_update_irq(u);
	}
	return val;
}

static uint8_t reg_read(struct sv_uart *u, unsigned reg)
{
	bool dlab = u->lcr & SV_UART_LCR_DLAB;

	switch (reg) {
	case SV_UART_RBR:
		return dlab ? u->dll : rbr_read(u);
	case SV_UART_IER:
		return dlab ? u->dlm : u->ier;
	case SV_UART_IIR:
		return iir_read(u);
	case SV_UART_LCR:
		return u->lcr;
	case SV_UART_MCR:
		return u->mcr;
	case SV_UART_LSR:
		return lsr_read(u);
	case SV_UART_MSR:
		return msr_read(u);
	case SV_UART_SCR:
		return u->scr;
	}
	return 0xff;
}

static void reg_write(struct sv_uart *u, unsigned reg, uint8_t val)
{
	bool dlab = u->lcr & SV_UART_LCR_DLAB;

	switch (reg) {
	case SV_UART_THR:
		if (dlab)
			u->dll = val;
		else
			thr_write(u, val);
		break;
	case SV_UART_IER:
		if (dlab)
			u->dlm = val;
		else
			ier_write(u, val);
		break;
	case SV_UART_FCR:
		fcr_write(u, val);
		break;
	case SV_UART_LCR:
		u->lcr = val;
		break;
	case SV_UART_MCR:
		mcr_write(u, val);
		break;
	case SV_UART_SCR:
		u->scr = val;
		break;
	default:
		/* LSR and MSR: factory-test writes, ignored */
		break;
	}
}

static int uart_io(struct sv_io_device *dev, uint64_t offset, unsigned size,
		   bool write, uint64_t *data)
{
	struct sv_uart *u = sv_container_of(dev, struct sv_uart, io);
	uint64_t val = 0;

	if (size > 8)
		return 0;
	for (unsigned i = 0; i < size; i++) {
		uint64_t reg = offset + i;

		if (reg >= SV_UART_PORTS)
			break;
		if (write)
			reg_write(u, (unsigned)reg, (uint8_t)(*data >> (8 * i)));
		else
			val |= (uint64_t)reg_read(u, (unsigned)reg) << (8 * i);
	}
	if (!write)
		*data = val;
	return 0;
}

int uart_init(struct sv_uart *u, struct sv_vm *vm, uint16_t base, unsigned irq,
	      sv_uart_out_fn out, void *out_ctx)
{
	if (!u || !vm || irq >= ISA_IRQ_LINES ||
	    base > PORT_SPACE_END - SV_UART_PORTS)
		return -SV_EINVAL;
	sv_memset(u, 0, sizeof(*u));
	u->io.name = "uart16550a";
	u->io.handler = uart_io;
	u->vm = vm;
	u->base = base;
	u->irq = irq;
	u->out = out;
	u->out_ctx = out_ctx;
	u->dll = UART_RESET_DIVISOR;
	u->msr = UART_LINE_INPUTS;
	sv_list_init(&u->timeout_timer.node);
	u->timeout_timer.deadline = SV_TIMER_NEVER;
	u->timeout_timer.fire = timeout_fire;
	return iobus_register(&vm->bus, SV_IO_PORT, base, SV_UART_PORTS, &u->io);
}

void uart_destroy(struct sv_uart *u)
{
	vm_timer_disarm(&u->timeout_timer);
	iobus_unregister(&u->vm->bus, &u->io);
	if (u->irq_level) {
		u->irq_level = false;
		vm_irq_set(u->vm, u->irq, false);
	}
}

int uart_receive(struct sv_uart *u, const uint8_t *buf, size_t len)
{
	if (len && !buf)
		return -SV_EINVAL;
	if (loopback(u)) {
		u->rx_dropped += len;	/* the receiver listens to THR only */
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		rx_push(u, buf[i]);
	uart_update_irq(u);
	return 0;
}

unsigned uart_rx_room(const struct sv_uart *u)
{
	if (loopback(u))
		return 0;
	return rx_capacity(u) - u->rx_count;
}

bool uart_irq_asserted(const struct sv_uart *u)
{
	return u->irq_level;
}

void uart_digest(const struct sv_uart *u, struct sv_digest *d)
{
	unsigned count = SV_MIN(u->rx_count, (unsigned)SV_UART_FIFO_SIZE);

	sv_digest_u16(d, u->base);
	sv_digest_u32(d, u->irq);
	sv_digest_u8(d, u->ier);
	sv_digest_u8(d, u->lcr);
	sv_digest_u8(d, u->mcr);
	sv_digest_u8(d, u->scr);
	sv_digest_u8(d, u->fcr);
	sv_digest_u8(d, u->dll);
	sv_digest_u8(d, u->dlm);
	sv_digest_u8(d, u->lsr_errors);
	sv_digest_u8(d, u->msr);
	sv_digest_u8(d, u->rbr);
	sv_digest_u32(d, u->rx_head);
	sv_digest_u32(d, u->rx_count);
	for (unsigned i = 0; i < count; i++)
		sv_digest_u8(d, u->rx_fifo[(u->rx_head + i) % SV_UART_FIFO_SIZE]);
	sv_digest_u8(d, u->thr_ipending);
	sv_digest_u8(d, u->timeout_ipending);
	sv_digest_u8(d, u->irq_level);
	sv_digest_u64(d, vm_timer_deadline(&u->timeout_timer));
	sv_digest_u64(d, u->tx_bytes);
	sv_digest_u64(d, u->rx_bytes);
	sv_digest_u64(d, u->rx_overruns);
	sv_digest_u64(d, u->rx_dropped);
}
