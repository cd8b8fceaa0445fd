/*
 * The values of pvclock-vmm-qemu's options that have a syntax of their own (-smp, -m, -cpu,
 * -machine, -device, -global, -initrd): each parser fills struct qemu_args or refuses the
 * value, logging the option and the value, and returns the action it earns (QEMU_RUN if
 * taken).
 */
#ifndef CLI_QEMU_VALUES_H
#define CLI_QEMU_VALUES_H

#include <stdbool.h>

#include "cli/qemu_args.h"

enum qemu_action qemu_take_smp(struct qemu_args *a, const char *value);
enum qemu_action qemu_take_mem(struct qemu_args *a, const char *value);
enum qemu_action qemu_take_cpu(struct qemu_args *a, const char *value);
enum qemu_action qemu_take_machine(struct qemu_args *a, const char *value);
enum qemu_action qemu_take_device(struct qemu_args *a, const char *value);
enum qemu_action qemu_take_global(struct qemu_args *a, const char *value);
enum qemu_action qemu_take_initrd(struct qemu_args *a, const char *value);

/* One item of a comma list: "key=value", or a bare word (value NULL). */
struct qemu_item {
	char key[64];
	char value[256];
	bool has_value;
};

/*
 * The next item of the comma list at *@p, which moves past it: 1, 0 at the list's end, or -1
 * for an item too long or empty (logged, naming @opt and @list).
 */
int qemu_next_item(const char **p, const char *opt, const char *list, struct qemu_item *item);

#endif
