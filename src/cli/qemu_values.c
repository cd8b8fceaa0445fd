/* Values of pvclock-vmm-qemu's options with a syntax of their own (qemu_values.h). */
#include "cli/qemu_values.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compiler.h"
#include "core/log.h"
#include "memmap.h"

int qemu_next_item(const char **p, const char *opt, const char *list, struct qemu_item *item)
{
	size_t len = strcspn(*p, ","), key_len;
	const char *eq;

	if (!**p)
		return 0;
	eq = memchr(*p, '=', len);
	key_len = eq ? (size_t)(eq - *p) : len;
	if (!len || key_len >= sizeof(item->key) ||
	    (eq && len - key_len - 1 >= sizeof(item->value))) {
		pr_err("%s '%s': %s item '%.*s'", opt, list, len ? "too long an" : "an empty",
		       (int)len, *p);
		return -1;
	}
	memcpy(item->key, *p, key_len);
	item->key[key_len] = '\0';
	item->has_value = eq != NULL;
	item->value[0] = '\0';
	if (eq)
		snprintf(item->value, sizeof(item->value), "%.*s", (int)(len - key_len - 1),
			 eq + 1);
	*p += len + ((*p)[len] == ',');
	return 1;
}

/* An unsigned number, QEMU's way (0x for hex); false if @text is not one whole. */
static bool qemu_number(const char *text, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(text, &end, 0);
	return !errno && end != text && !*end && text[0] != '-';
}

static enum qemu_action qemu_malformed(const char *opt, const char *value, const char *why)
{
	pr_err("%s '%s': %s", opt, value, why);
	return QEMU_MALFORMED;
}

static enum qemu_action qemu_unsupported(const char *opt, const char *value, const char *why)
{
	pr_err("%s '%s': %s (pvclock-vmm-qemu: not supported)", opt, value, why);
	return QEMU_UNSUPPORTED;
}

/* -smp: [cpus=]N[,maxcpus=N][,sockets=,dies=,clusters=,cores=,threads=]; no CPU hotplug. */
enum qemu_action qemu_take_smp(struct qemu_args *a, const char *value)
{
	static const char *const topology[] = { "sockets", "dies", "clusters", "cores", "threads" };
	unsigned long long cpus = 0, maxcpus = 0, product = 1, n;
	struct qemu_item it;
	const char *p = value;
	bool first = true, has_topology = false;
	int r;

	while ((r = qemu_next_item(&p, "-smp", value, &it)) > 0) {
		const char *num = it.has_value ? it.value : it.key;
		bool is_cpus = !it.has_value ? first : !strcmp(it.key, "cpus");
		bool is_topology = false;

		for (size_t i = 0; i < ARRAY_SIZE(topology); i++)
			is_topology |= it.has_value && !strcmp(it.key, topology[i]);
		first = false;
		if (!is_cpus && !is_topology && strcmp(it.key, "maxcpus"))
			return qemu_malformed("-smp", value,
					      "unknown key (cpus, maxcpus, sockets, "
					      "dies, clusters, cores, threads)");
		if (!qemu_number(num, &n) || !n || n > 1024)
			return qemu_malformed("-smp", value, "not a CPU count (1..1024)");
		if (is_cpus)
			cpus = n;
		else if (is_topology)
			product *= n, has_topology = true;
		else
			maxcpus = n;
	}
	if (r < 0)
		return QEMU_MALFORMED;
	if (!cpus)
		cpus = has_topology ? product : maxcpus;
	if (!cpus)
		return qemu_malformed("-smp", value, "no CPU count");
	if (has_topology && product != (maxcpus ? maxcpus : cpus))
		return qemu_malformed("-smp", value, "the topology does not multiply to the count");
	if (maxcpus && maxcpus != cpus)
		return qemu_unsupported("-smp", value, "maxcpus above cpus: no CPU hotplug");
	if (cpus > MEMMAP_MAX_VCPUS) {
		/* QEMU's words: kvm-unit-tests reads the limit from this line (MAX_SMP). */
		pr_err("Invalid SMP CPUs %llu. The max CPUs supported by machine 'pvclock-vmm' "
		       "is %u",
		       cpus, (unsigned int)MEMMAP_MAX_VCPUS);
		return QEMU_MALFORMED;
	}
	a->nr_vcpus = (unsigned int)cpus;
	return QEMU_RUN;
}

/* A size with QEMU's suffixes (none: MiB); 0 if malformed. */
static uint64_t qemu_size(const char *text)
{
	static const char units[] = "BKMGT";
	unsigned long long n;
	char *end;
	const char *u;

	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno || end == text || text[0] == '-')
		return 0;
	if (!*end)
		return n << 20;
	u = strchr(units, end[0] & ~0x20);
	if (!u || end[1] || (unsigned long long)(u - units) * 10 > 40 ||
	    n > (~0ull >> ((u - units) * 10)))
		return 0;
	return n << ((u - units) * 10);
}

/* -m: [size=]N[BKMGT]; no memory hotplug (slots, maxmem). */
enum qemu_action qemu_take_mem(struct qemu_args *a, const char *value)
{
	struct qemu_item it;
	const char *p = value;
	uint64_t size = 0;
	int r;

	while ((r = qemu_next_item(&p, "-m", value, &it)) > 0) {
		if (it.has_value && strcmp(it.key, "size"))
			return qemu_unsupported("-m", value, "only a size: no memory hotplug");
		size = qemu_size(it.has_value ? it.value : it.key);
		if (!size)
			return qemu_malformed("-m", value,
					      "not a size (a number, MiB by default, or "
					      "with B, K, M, G, T)");
	}
	if (r < 0)
		return QEMU_MALFORMED;
	if (size < GUEST_MEM_MIN || size > GUEST_MEM_MAX)
		return qemu_unsupported("-m", value,
					"the PC machine's RAM is 8M..3G (below the "
					"MMIO window)");
	a->mem_size = size;
	return QEMU_RUN;
}

/* QEMU 7.2's x86 CPU models; pvclock-vmm emulates none, each gets the host's features. */
static const char *const cpu_models[] = {
	"486",
	"Broadwell",
	"Broadwell-IBRS",
	"Broadwell-noTSX",
	"Broadwell-noTSX-IBRS",
	"Cascadelake-Server",
	"Cascadelake-Server-noTSX",
	"Conroe",
	"Cooperlake",
	"Denverton",
	"Dhyana",
	"EPYC",
	"EPYC-IBPB",
	"EPYC-Milan",
	"EPYC-Rome",
	"Haswell",
	"Haswell-IBRS",
	"Haswell-noTSX",
	"Haswell-noTSX-IBRS",
	"Icelake-Server",
	"Icelake-Server-noTSX",
	"IvyBridge",
	"IvyBridge-IBRS",
	"KnightsMill",
	"Nehalem",
	"Nehalem-IBRS",
	"Opteron_G1",
	"Opteron_G2",
	"Opteron_G3",
	"Opteron_G4",
	"Opteron_G5",
	"Penryn",
	"SandyBridge",
	"SandyBridge-IBRS",
	"Skylake-Client",
	"Skylake-Client-IBRS",
	"Skylake-Client-noTSX-IBRS",
	"Skylake-Server",
	"Skylake-Server-IBRS",
	"Skylake-Server-noTSX-IBRS",
	"Snowridge",
	"Westmere",
	"Westmere-IBRS",
	"athlon",
	"core2duo",
	"coreduo",
	"kvm32",
	"kvm64",
	"n270",
	"pentium",
	"pentium2",
	"pentium3",
	"phenom",
	"qemu32",
	"qemu64",
	"base",
	"host",
	"max",
};

/* A model of the list, or one of its versions (NAME-vN). */
static bool qemu_cpu_model_known(const char *name)
{
	size_t len = strlen(name);
	const char *v = strstr(name, "-v");

	if (v && v[2] && strspn(v + 2, "0123456789") == strlen(v + 2))
		len = (size_t)(v - name);
	for (size_t i = 0; i < ARRAY_SIZE(cpu_models); i++)
		if (strlen(cpu_models[i]) == len && !strncmp(cpu_models[i], name, len))
			return true;
	return false;
}

/* A feature edit of -cpu, "+f", "-f", "f" or "f=on|off", appended to @spec as "+f" / "-f". */
static bool qemu_cpu_edit(const struct qemu_item *it, char *spec, size_t len)
{
	const char *name = it->key;
	bool add = true;
	size_t used = strlen(spec);

	if (it->has_value) {
		if (strcmp(it->value, "on") && strcmp(it->value, "off") &&
		    strcmp(it->value, "true") && strcmp(it->value, "false"))
			return false;
		add = !strcmp(it->value, "on") || !strcmp(it->value, "true");
	} else if (name[0] == '+' || name[0] == '-') {
		add = name[0] == '+';
		name++;
	}
	return (size_t)snprintf(spec + used, len - used, "%s%c%s", used ? "," : "", add ? '+' : '-',
				name) < len - used;
}

/*
 * The properties of -cpu that are not feature bits: the vendor (checked against the host's
 * later), physical address bits (the host's are what the vCPUs get) and migratability
 * (nothing migrates). *@taken false: not one of them.
 */
static enum qemu_action qemu_cpu_property(struct qemu_args *a, const char *value,
					  const struct qemu_item *it, bool *taken)
{
	bool on = !it->has_value || !strcmp(it->value, "on") || !strcmp(it->value, "true");

	*taken = true;
	if (!strcmp(it->key, "vendor") && it->has_value) {
		if (strlen(it->value) != sizeof(a->cpu_vendor) - 1)
			return qemu_malformed("-cpu", value, "a vendor is 12 characters");
		memcpy(a->cpu_vendor, it->value, sizeof(a->cpu_vendor));
		return QEMU_RUN;
	}
	if (!strcmp(it->key, "host-phys-bits") && on)
		return QEMU_RUN;
	if (!strcmp(it->key, "host-phys-bits") || !strcmp(it->key, "phys-bits"))
		return qemu_unsupported("-cpu", value,
					"the vCPUs get the host's physical "
					"address bits (host-phys-bits)");
	if (!strcmp(it->key, "migratable"))
		return QEMU_RUN;
	*taken = false;
	return QEMU_RUN;
}

/* -cpu MODEL[,+feat|-feat|feat=on|off|vendor=V|host-phys-bits|migratable=..]. */
enum qemu_action qemu_take_cpu(struct qemu_args *a, const char *value)
{
	char spec[CPU_FEATURES_SPEC_MAX] = "";
	struct qemu_item it;
	const char *p = value;
	int r = qemu_next_item(&p, "-cpu", value, &it);

	if (r <= 0 || it.has_value)
		return qemu_malformed("-cpu", value, "expected MODEL[,FEATURES]");
	if (!qemu_cpu_model_known(it.key))
		return qemu_malformed("-cpu", value, "unknown CPU model (see QEMU's -cpu help)");
	a->cpu_model = value;
	a->cpu_vendor[0] = '\0';
	while ((r = qemu_next_item(&p, "-cpu", value, &it)) > 0) {
		bool taken;
		enum qemu_action action = qemu_cpu_property(a, value, &it, &taken);

		if (action != QEMU_RUN)
			return action;
		if (!taken && !qemu_cpu_edit(&it, spec, sizeof(spec)))
			return qemu_malformed("-cpu", value, "a feature is +F, -F, F or F=on|off");
	}
	if (r < 0)
		return QEMU_MALFORMED;
	if (cpu_features_parse(spec, &a->cpu))
		return qemu_unsupported("-cpu", value, "a feature pvclock-vmm does not name");
	return QEMU_RUN;
}

/* A machine key whose one accepted value is what the PC machine is. */
struct qemu_fixed_key {
	const char *key, *accepted, *why;
};

static const struct qemu_fixed_key machine_keys[] = {
	{ "kernel-irqchip", "on", "the interrupt controllers are KVM's, all of them" },
	{ "vmport", "off", "no VMware I/O port" },
	{ "smm", "off", "no SMM" },
};

/* "on" and "true" are one value to QEMU. */
static bool qemu_value_is(const char *value, const char *accepted)
{
	return !strcmp(value, accepted) || (!strcmp(accepted, "on") && !strcmp(value, "true")) ||
	       (!strcmp(accepted, "off") && !strcmp(value, "false"));
}

static enum qemu_action qemu_machine_key(const char *value, const struct qemu_item *it)
{
	for (size_t i = 0; i < ARRAY_SIZE(machine_keys); i++) {
		if (strcmp(it->key, machine_keys[i].key))
			continue;
		if (it->has_value && qemu_value_is(it->value, machine_keys[i].accepted))
			return QEMU_RUN;
		return qemu_unsupported("-machine", value, machine_keys[i].why);
	}
	return qemu_unsupported("-machine", value, "a property pvclock-vmm does not have");
}

/* The machine type: QEMU's i440FX PC ("pc", "pc-i440fx-7.2", ...) is the one there is. */
static enum qemu_action qemu_machine_type(const char *value, const char *type)
{
	if (!strcmp(type, "pc") || !strncmp(type, "pc-i440fx", 9))
		return QEMU_RUN;
	return qemu_unsupported("-machine", value, "the machine is an i440FX PC ('pc') only");
}

/* accel=A[:B...]: QEMU takes the first that works; pvclock-vmm is KVM. */
static enum qemu_action qemu_machine_accel(const char *value, const char *accel)
{
	if (!strcmp(accel, "kvm") || !strncmp(accel, "kvm:", 4))
		return QEMU_RUN;
	return qemu_unsupported("-machine", value, "the accelerator is KVM only");
}

/*
 * pit=off: the in-kernel PIT stays, but is never started (no BIOS tick), so the guest gets no
 * timer interrupt from it, which is what a test asking for no PIT wants; its ports still answer.
 */
static enum qemu_action qemu_machine_pit(struct qemu_args *a, const char *value, const char *pit)
{
	if (qemu_value_is(pit, "on") || qemu_value_is(pit, "off")) {
		a->pit_idle = qemu_value_is(pit, "off");
		return QEMU_RUN;
	}
	return qemu_malformed("-machine", value, "pit is on or off");
}

/* -machine [type=]NAME,accel=kvm,...: the PC machine with KVM, as it is. */
enum qemu_action qemu_take_machine(struct qemu_args *a, const char *value)
{
	enum qemu_action action = QEMU_RUN;
	struct qemu_item it;
	const char *p = value;
	bool first = true;
	int r;

	while (action == QEMU_RUN && (r = qemu_next_item(&p, "-machine", value, &it)) > 0) {
		if (!it.has_value && first)
			action = qemu_machine_type(value, it.key);
		else if (!strcmp(it.key, "type") && it.has_value)
			action = qemu_machine_type(value, it.value);
		else if (!strcmp(it.key, "accel") && it.has_value)
			action = qemu_machine_accel(value, it.value);
		else if (!strcmp(it.key, "pit") && it.has_value)
			action = qemu_machine_pit(a, value, it.value);
		else
			action = qemu_machine_key(value, &it);
		first = false;
	}
	return action == QEMU_RUN && r < 0 ? QEMU_MALFORMED : action;
}

/* isa-debug-exit where kvm-unit-tests puts it, the one place the machine has it. */
static enum qemu_action qemu_debug_exit(const char *value, const char *props)
{
	unsigned long long base = 0x501, size = 2; /* QEMU's defaults */
	struct qemu_item it;
	const char *p = props;
	int r;

	while ((r = qemu_next_item(&p, "-device", value, &it)) > 0) {
		unsigned long long *field = !strcmp(it.key, "iobase")	? &base
					    : !strcmp(it.key, "iosize") ? &size
									: NULL;

		if (!field)
			return qemu_unsupported("-device", value,
						"isa-debug-exit takes iobase "
						"and iosize");
		if (!it.has_value || !qemu_number(it.value, field))
			return qemu_malformed("-device", value, "not a number");
	}
	if (r < 0)
		return QEMU_MALFORMED;
	if (base != 0xf4 || size != 4)
		return qemu_unsupported("-device", value,
					"isa-debug-exit is at iobase=0xf4, "
					"iosize=4 only");
	return QEMU_RUN;
}

/* -device NAME[,PROPS]: the devices the machine has (-device help lists them). */
enum qemu_action qemu_take_device(struct qemu_args *a, const char *value)
{
	size_t len = strcspn(value, ",");
	const char *props = value[len] ? value + len + 1 : "";

	if (!strcmp(value, "?") || !strcmp(value, "help"))
		return QEMU_DEVICES;
	if (len == 10 && !strncmp(value, "pc-testdev", len) && !*props)
		return QEMU_RUN;
	if (len == 14 && !strncmp(value, "isa-debug-exit", len))
		return qemu_debug_exit(value, props);
	return qemu_unsupported("-device", value,
				"pvclock-vmm has no such device (see -device "
				"help)");
}

/* -global DRIVER.PROP=VALUE: the in-kernel PIT's lost-tick policy. */
enum qemu_action qemu_take_global(struct qemu_args *a, const char *value)
{
	if (!strcmp(value, "kvm-pit.lost_tick_policy=discard")) {
		a->pit_discard = true;
		return QEMU_RUN;
	}
	if (!strcmp(value, "kvm-pit.lost_tick_policy=delay")) {
		a->pit_discard = false;
		return QEMU_RUN;
	}
	return qemu_unsupported("-global", value, "only kvm-pit.lost_tick_policy=discard|delay");
}

/* -initrd "PATH [ARGS][,PATH [ARGS]...]": multiboot modules, ",," a comma in one. */
enum qemu_action qemu_take_initrd(struct qemu_args *a, const char *value)
{
	char *out = a->initrd, *start = a->initrd;
	const char *p = value;

	if (strlen(value) >= sizeof(a->initrd))
		return qemu_malformed("-initrd", value, "too long");
	a->nr_modules = 0;
	for (;;) {
		if (*p && (*p != ',' || p[1] == ',')) {
			*out++ = *p;
			p += *p == ',' ? 2 : 1;
			continue;
		}
		*out++ = '\0';
		if (!start[0] || start[0] == ' ')
			return qemu_malformed("-initrd", value, "a module without a file");
		if (a->nr_modules == MULTIBOOT_MAX_MODULES)
			return qemu_unsupported("-initrd", value, "too many modules");
		a->modules[a->nr_modules++] = start;
		start = out;
		if (!*p++)
			break;
	}
	return QEMU_RUN;
}
