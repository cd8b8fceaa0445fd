/* I/O ports of the machine: the PC devices standard guests use, and QEMU's debug console. */
#ifndef PVCLOCK_VMM_PORTS_H
#define PVCLOCK_VMM_PORTS_H

/* Debug console: every byte written (OUT, byte size, also REP OUTSB) is guest text output. */
#define PORT_DEBUG_CONSOLE 0x00e9

/* PC devices, as under QEMU (the multiboot test guests rely on them). */
#define PORT_IO_DELAY	      0x0080 /* POST codes / I/O delay: accepted, ignored */
#define PORT_DEBUG_EXIT	      0x00f4 /* isa-debug-exit: writing v ends the run, (v << 1) | 1 */
#define PORT_DEBUG_EXIT_LEN   4
#define PORT_UART_COM1	      0x03f8 /* 16550: eight registers, UART_REG_* below */
#define PC_IRQ_COM1	      4	     /* its ISA interrupt line */
#define PORT_UART_LEN	      8
#define UART_REG_THR_RBR      0 /* divisor latch low while LCR.DLAB */
#define UART_REG_IER	      1 /* divisor latch high while LCR.DLAB */
#define UART_REG_IIR_FCR      2
#define UART_REG_LCR	      3
#define UART_REG_MCR	      4
#define UART_REG_LSR	      5
#define UART_REG_MSR	      6
#define UART_REG_SCR	      7
#define UART_LCR_DLAB	      0x80
#define UART_IIR_NO_INTERRUPT 0x01
#define UART_LSR_THRE	      0x20   /* transmit holding register empty */
#define UART_LSR_TEMT	      0x40   /* transmitter empty */
#define PORT_FW_CFG_SELECTOR  0x0510 /* fw_cfg (fw_cfg_abi.h): 16-bit write selects an item */
#define PORT_FW_CFG_DATA      0x0511 /* 8-bit read: the item's next byte */

/* PCI configuration mechanism #1 (dev/pci.c): the address at 0xcf8, data at 0xcfc-0xcff. */
#define PORT_PCI_CONFIG 0x0cf8
#define PORT_PCI_RESET	0x0cf9 /* PIIX reset control: a write with bit 2 resets */
#define PORT_PCI_DATA	0x0cfc
#define PORT_PCI_LEN	8

/* QEMU's pc-testdev (dev/pc_testdev.c), as kvm-unit-tests expect it. */
#define PORT_TESTDEV	      0x00e0 /* a 32-bit register; 0xe4 flush page; 0xe8 the register */
#define PORT_TESTDEV_LEN      9	     /* 0xe0-0xe8: 0xe9 stays the debug console */
#define PORT_TESTDEV_HIGH     0x00ea /* 0xea-0xeb: the register's bytes 2 and 3 again */
#define PORT_TESTDEV_HIGH_LEN 2
#define PORT_TESTDEV_IRQ      0x2000 /* 24 byte ports: write v to port 0x2000 + n: ISA IRQ n */
#define PORT_TESTDEV_IRQ_LEN  24
#define MMIO_TESTDEV	      0xff000000u /* 64 KiB that read back what was written */
#define MMIO_TESTDEV_LEN      0x10000u

/* ACPI PM registers the FADT names (boot/acpi.c, dev/acpi_pm.c), at PIIX4's base under QEMU. */
#define ACPI_PM_BASE   0x600u
#define ACPI_PM1_EVT   (ACPI_PM_BASE + 0) /* status (16 bits), enable (16 bits) */
#define ACPI_PM1_CNT   (ACPI_PM_BASE + 4) /* 16 bits: SCI_EN, SLP_TYP, SLP_EN */
#define ACPI_PM_TMR    (ACPI_PM_BASE + 8) /* 32 bits, a 24-bit count at 3.579545 MHz */
#define ACPI_PM_LEN    12
#define ACPI_PM_TMR_HZ 3579545u

#endif
