// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: legacy 16550 UARTs (ttyS0-3 at their ISA ports) handed
 * over to instances.
 *
 * The host removes the port from its 8250 driver (ttySN stays, as a port
 * of unknown type that cannot be opened), holds its I/O ports so nothing
 * registers it again, and masks its interrupts. The spawn drives it
 * polled: the interrupt line and the IOAPIC stay with the host. When the
 * instance halts the host masks the UART's interrupts again and registers
 * the port as it was.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mutex.h>
#include <linux/serial_8250.h>
#include <linux/serial_core.h>
#include <linux/serial_reg.h>
#include <linux/tty_port.h>

#include "internal.h"

/* I/O ports of one 16550. */
#define MK_UART_REGION_SIZE	8

/* The ISA ports a spawn can drive (its 8250 driver knows only these). */
static const u16 mk_legacy_uart_ports[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

/*
 * Legacy UARTs assigned to some instance, by index in
 * mk_legacy_uart_ports (the line of a port may change when the host
 * registers it again), under mk_uart_lock.
 */
static DECLARE_BITMAP(mk_uart_assigned, ARRAY_SIZE(mk_legacy_uart_ports));
static DEFINE_MUTEX(mk_uart_lock);

/* Index of @iobase in mk_legacy_uart_ports, or -1. */
static int mk_legacy_uart_index(unsigned long iobase)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(mk_legacy_uart_ports); i++)
		if (iobase == mk_legacy_uart_ports[i])
			return i;
	return -1;
}

/* The host's port for ttyS@line, if it is a legacy UART it drives. */
static struct uart_port *mk_uart_port(unsigned int line)
{
	struct uart_port *port;

	if (line >= CONFIG_SERIAL_8250_NR_UARTS)
		return NULL;
	port = &serial8250_get_port(line)->port;
	if (port->type == PORT_UNKNOWN || port->iotype != UPIO_PORT ||
	    mk_legacy_uart_index(port->iobase) < 0)
		return NULL;
	return port;
}

/* No interrupts, modem lines down: as after a reset. */
static void mk_uart_quiesce(unsigned long iobase)
{
	outb(0, iobase + UART_IER);
	outb(0, iobase + UART_MCR);
}

/**
 * mk_uart_take() - take a legacy UART from the host for an instance
 * @inst:	the instance, for messages
 * @dev:	the UART, assigned to @inst
 *
 * Return: 0, -ENODEV (not a legacy UART the host drives) or -EBUSY (the
 * host's console, open, or its ports taken); then the host keeps it.
 */
int mk_uart_take(struct mk_instance *inst, struct mk_device *dev)
{
	struct mk_uart_dev *h = &dev->host_uart;
	struct uart_port *port = mk_uart_port(h->line);
	const char *busy = NULL;

	if (!port || port->iobase != dev->uart.io_port) {
		pr_warn_ratelimited("%s: ttyS%u is not a legacy UART of the host\n",
				    inst->name, h->line);
		return -ENODEV;
	}
	if (uart_console(port))
		busy = "it is the host's console";
	else if (port->state && tty_port_users(&port->state->port))
		busy = "it is open";
	if (busy) {
		pr_warn_ratelimited("%s: ttyS%u is in use by the host: %s\n",
				    inst->name, h->line, busy);
		return -EBUSY;
	}

	dev->uart.io_port = port->iobase;
	dev->uart.clock = port->uartclk;
	h->irq = port->irq;
	h->flags = (__force u64)port->flags;
	h->regshift = port->regshift;
	h->parent = port->dev;
	serial8250_unregister_port(h->line);

	h->region = request_region(dev->uart.io_port, MK_UART_REGION_SIZE,
				   "multikernel");
	if (!h->region) {
		pr_warn_ratelimited("%s: the I/O ports of ttyS%u are taken\n",
				    inst->name, h->line);
		dev->owned = true;
		mk_uart_give_back(inst, dev);
		return -EBUSY;
	}
	mk_uart_quiesce(dev->uart.io_port);
	dev->owned = true;
	pr_info("%s: ttyS%u (I/O %#x) handed over\n", inst->name, h->line,
		dev->uart.io_port);
	return 0;
}

/**
 * mk_uart_give_back() - quiesce a UART and register it with the host again
 * @inst:	the instance, for messages
 * @dev:	the UART; nothing happens unless the instance owns it
 */
void mk_uart_give_back(struct mk_instance *inst, struct mk_device *dev)
{
	struct mk_uart_dev *h = &dev->host_uart;
	struct uart_8250_port up = { };
	int line;

	if (!dev->owned)
		return;
	mk_uart_quiesce(dev->uart.io_port);
	if (h->region)
		release_region(dev->uart.io_port, MK_UART_REGION_SIZE);
	h->region = NULL;
	dev->owned = false;

	up.port.iobase = dev->uart.io_port;
	up.port.iotype = UPIO_PORT;
	up.port.uartclk = dev->uart.clock;
	up.port.irq = h->irq;
	up.port.flags = (__force upf_t)h->flags;
	up.port.regshift = h->regshift;
	up.port.dev = h->parent;
	line = serial8250_register_8250_port(&up);
	if (line < 0) {
		pr_warn("%s: the host could not register ttyS%u again (%d)\n",
			inst->name, h->line, line);
		return;
	}
	h->line = line;
	pr_info("%s: ttyS%u given back to the host\n", inst->name, h->line);
}

/**
 * mk_uart_assign() - assign the legacy UART ttyS@line to an instance
 * @inst:	the instance being created
 * @line:	N of ttySN
 * @dev:	filled in on success
 *
 * Return: 0, or -ENODEV (no such legacy UART), -EBUSY (in use by the host
 * or given to another instance). On failure nothing is assigned.
 */
int mk_uart_assign(struct mk_instance *inst, unsigned int line,
		   struct mk_device *dev)
{
	struct uart_port *port = mk_uart_port(line);
	int index, ret;

	/* Given away, ttySN keeps its I/O base but its type is unknown. */
	index = line < CONFIG_SERIAL_8250_NR_UARTS ?
		mk_legacy_uart_index(serial8250_get_port(line)->port.iobase) :
		-1;
	mutex_lock(&mk_uart_lock);
	ret = index >= 0 && test_bit(index, mk_uart_assigned) ? -EBUSY : 0;
	if (!ret && port)
		set_bit(index, mk_uart_assigned);
	mutex_unlock(&mk_uart_lock);
	if (ret) {
		pr_warn_ratelimited("create %s: ttyS%u is already given to an instance\n",
				    inst->name, line);
		return ret;
	}
	if (!port) {
		pr_warn_ratelimited("create %s: no legacy UART ttyS%u\n",
				    inst->name, line);
		return -ENODEV;
	}
	dev->host_uart.line = line;
	dev->uart.io_port = port->iobase;
	ret = mk_uart_take(inst, dev);
	if (ret)
		mk_uart_unassign(dev);
	return ret;
}

/**
 * mk_uart_unassign() - forget a UART given back for good
 * @dev:	a UART of an instance that is not running
 */
void mk_uart_unassign(struct mk_device *dev)
{
	mutex_lock(&mk_uart_lock);
	clear_bit(mk_legacy_uart_index(dev->uart.io_port), mk_uart_assigned);
	mutex_unlock(&mk_uart_lock);
}
