/* The snapshot file format (snap_file.h): writing sections, and checking a file before use. */
#include "snapshot/snap_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

#define SNAP_ALIGN	  8u
#define SNAP_MAX_SECTIONS 4096u

const char *snap_type_name(uint32_t type)
{
	static const char *const names[SNAP_NR_TYPES] = {
		[SNAP_MACHINE] = "machine",
		[SNAP_RAM] = "RAM",
		[SNAP_CLOCK] = "clock",
		[SNAP_DEVICES] = "devices",
		[SNAP_CONSOLE] = "console line",
		[SNAP_IRQCHIP] = "irqchip",
		[SNAP_PIT] = "PIT",
		[SNAP_VCPU_REGS] = "vCPU registers",
		[SNAP_VCPU_SREGS] = "vCPU sregs",
		[SNAP_VCPU_XSAVE] = "vCPU XSAVE",
		[SNAP_VCPU_XCRS] = "vCPU XCRs",
		[SNAP_VCPU_MSRS] = "vCPU MSRs",
		[SNAP_VCPU_EVENTS] = "vCPU events",
		[SNAP_VCPU_MP_STATE] = "vCPU MP state",
		[SNAP_VCPU_LAPIC] = "vCPU LAPIC",
		[SNAP_VCPU_DEBUGREGS] = "vCPU debug registers",
		[SNAP_VCPU_KVMCLOCK] = "vCPU kvmclock",
		[SNAP_TESTDEV_MEM] = "pc-testdev memory",
		[SNAP_UART_LINE] = "UART line",
	};

	return type < SNAP_NR_TYPES && names[type] ? names[type] : NULL;
}

/* CRC32C (Castagnoli, reflected 0x82f63b78): SSE4.2's crc32 where the CPU has it. */
uint32_t snap_crc32c_table(uint32_t crc, const void *data, size_t len)
{
	static uint32_t table[256];
	const uint8_t *p = data;

	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
			table[i] = c;
		}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const void *data,
							       size_t len)
{
	const uint8_t *p = data;
	uint64_t c = ~crc;

	for (; len >= 8; len -= 8, p += 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
	}
	for (; len; len--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	return ~(uint32_t)c;
}

uint32_t snap_crc32c(uint32_t crc, const void *data, size_t len)
{
	static int has_sse42 = -1;

	if (has_sse42 < 0)
		has_sse42 = __builtin_cpu_supports("sse4.2");
	return has_sse42 ? crc32c_sse42(crc, data, len) : snap_crc32c_table(crc, data, len);
}

static void snap_put(struct snap_writer *w, const void *data, size_t size)
{
	if (!w->err && size && fwrite(data, 1, size, w->f) != size)
		w->err = errno ? -errno : -EIO;
	w->size += size;
}

static void snap_put_header(struct snap_writer *w)
{
	struct snap_header h = { .version = SNAP_VERSION,
				 .nr_sections = w->nr_sections,
				 .file_size = w->size };

	memcpy(h.magic, SNAP_MAGIC, sizeof(h.magic));
	h.crc = snap_crc32c(0, &h, offsetof(struct snap_header, crc));
	if (!w->err && fwrite(&h, sizeof(h), 1, w->f) != 1)
		w->err = errno ? -errno : -EIO;
}

void snap_writer_begin(struct snap_writer *w, FILE *f)
{
	*w = (struct snap_writer){ .f = f };
	snap_put_header(w); /* a placeholder: finish writes the real one */
	w->size = sizeof(struct snap_header);
}

void snap_write(struct snap_writer *w, uint32_t type, uint32_t index, const void *data,
		uint64_t size)
{
	static const uint8_t zeros[SNAP_ALIGN];
	struct snap_section_header h = { .type = type, .index = index, .size = size };

	h.crc = snap_crc32c(snap_crc32c(0, &h, offsetof(struct snap_section_header, crc)), data,
			    size);

	snap_put(w, &h, sizeof(h));
	snap_put(w, data, size);
	snap_put(w, zeros, (SNAP_ALIGN - size % SNAP_ALIGN) % SNAP_ALIGN);
	w->nr_sections++;
}

int snap_writer_finish(struct snap_writer *w)
{
	uint64_t size = w->size;

	if (!w->err && fseek(w->f, 0, SEEK_SET))
		w->err = -errno;
	w->size = size;
	snap_put_header(w);
	if (!w->err && fseek(w->f, 0, SEEK_END)) /* at the end again, for whoever writes on */
		w->err = -errno;
	if (!w->err && fflush(w->f))
		w->err = -errno;
	return w->err;
}

static int snap_check_header(const void *buf, size_t size, const char *name)
{
	struct snap_header h;
	uint32_t crc;

	if (size < sizeof(h)) {
		pr_err("%s: %zu bytes, too short for a snapshot header (%zu)", name, size,
		       sizeof(h));
		return -EINVAL;
	}
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, SNAP_MAGIC, sizeof(h.magic))) {
		pr_err("%s: not a pvclock-vmm snapshot (no \"%s\" at its start)", name, SNAP_MAGIC);
		return -EINVAL;
	}
	crc = snap_crc32c(0, &h, offsetof(struct snap_header, crc));
	if (crc != h.crc) {
		pr_err("%s: header checksum 0x%08x, computed 0x%08x: the header is corrupt", name,
		       h.crc, crc);
		return -EINVAL;
	}
	if (h.version != SNAP_VERSION) {
		pr_err("%s: snapshot format version %u; this pvclock-vmm reads version %u", name,
		       h.version, SNAP_VERSION);
		return -EINVAL;
	}
	if (h.file_size != size) {
		pr_err("%s: the header says %llu bytes, the file has %zu (%s)", name,
		       (unsigned long long)h.file_size, size,
		       h.file_size > size ? "truncated" : "trailing bytes");
		return -EINVAL;
	}
	if (h.nr_sections == 0 || h.nr_sections > SNAP_MAX_SECTIONS) {
		pr_err("%s: %u sections (1 to %u expected)", name, h.nr_sections,
		       SNAP_MAX_SECTIONS);
		return -EINVAL;
	}
	return (int)h.nr_sections;
}

/* The section at @off: bounds, type and CRC checked. */
static int snap_check_section(const uint8_t *buf, size_t size, size_t *off, const char *name,
			      unsigned int i, struct snap_section *out)
{
	struct snap_section_header h;
	uint64_t padded;
	uint32_t crc;

	if (size - *off < sizeof(h)) {
		pr_err("%s: section %u at offset %zu: the file ends inside its header", name, i,
		       *off);
		return -EINVAL;
	}
	memcpy(&h, buf + *off, sizeof(h));
	*off += sizeof(h);
	padded = h.size + (SNAP_ALIGN - h.size % SNAP_ALIGN) % SNAP_ALIGN;
	if (h.size > size - *off || padded > size - *off) {
		pr_err("%s: section %u (%s) claims %llu bytes at offset %zu; %zu are left", name, i,
		       snap_type_name(h.type) ? snap_type_name(h.type) : "?",
		       (unsigned long long)h.size, *off, size - *off);
		return -EINVAL;
	}
	if (!snap_type_name(h.type)) {
		pr_err("%s: section %u has unknown type %u", name, i, h.type);
		return -EINVAL;
	}
	crc = snap_crc32c(snap_crc32c(0, &h, offsetof(struct snap_section_header, crc)), buf + *off,
			  h.size);
	if (crc != h.crc) {
		pr_err("%s: section %u (%s %u) checksum 0x%08x, computed 0x%08x: corrupt", name, i,
		       snap_type_name(h.type), h.index, h.crc, crc);
		return -EINVAL;
	}
	for (uint64_t pad = h.size; pad < padded; pad++)
		h.reserved |= buf[*off + pad];
	if (h.reserved) {
		pr_err("%s: section %u (%s %u): reserved header field or padding not zero", name, i,
		       snap_type_name(h.type), h.index);
		return -EINVAL;
	}
	*out = (struct snap_section){ h.type, h.index, buf + *off, h.size };
	*off += padded;
	return 0;
}

int snap_parse(struct snap_file *f, const void *buf, size_t size, const char *name)
{
	int nr = snap_check_header(buf, size, name);
	size_t off = sizeof(struct snap_header);

	f->name = name;
	f->nr = 0;
	f->sections = NULL;
	if (nr < 0)
		return nr;
	f->sections = calloc((size_t)nr, sizeof(*f->sections));
	if (!f->sections)
		return -ENOMEM;
	for (unsigned int i = 0; i < (unsigned int)nr; i++) {
		struct snap_section *s = &f->sections[i];

		if (snap_check_section(buf, size, &off, name, i, s))
			goto bad;
		if (snap_find(f, s->type, s->index)) {
			pr_err("%s: section %s %u appears twice", name, snap_type_name(s->type),
			       s->index);
			goto bad;
		}
		f->nr++;
	}
	if (off != size) {
		pr_err("%s: %zu bytes after the last section", name, size - off);
		goto bad;
	}
	return 0;
bad:
	free(f->sections);
	f->sections = NULL;
	f->nr = 0;
	return -EINVAL;
}

int snap_open(struct snap_file *f, const char *path)
{
	struct stat st;
	int fd, ret;

	memset(f, 0, sizeof(*f));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		pr_err("snapshot %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		pr_err("snapshot %s: %s", path, S_ISREG(st.st_mode) ? "empty" : "not a file");
		close(fd);
		return -EINVAL;
	}
	f->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (f->map == MAP_FAILED) {
		pr_err("snapshot %s: mmap: %s", path, strerror(errno));
		f->map = NULL;
		return -ENOMEM;
	}
	f->map_size = (size_t)st.st_size;
	ret = snap_parse(f, f->map, f->map_size, path);
	if (ret)
		snap_close(f);
	return ret;
}

void snap_close(struct snap_file *f)
{
	free(f->sections);
	if (f->map)
		munmap(f->map, f->map_size);
	memset(f, 0, sizeof(*f));
}

const struct snap_section *snap_find(const struct snap_file *f, uint32_t type, uint32_t index)
{
	for (unsigned int i = 0; i < f->nr; i++)
		if (f->sections[i].type == type && f->sections[i].index == index)
			return &f->sections[i];
	return NULL;
}

int snap_get(const struct snap_file *f, uint32_t type, uint32_t index, void *out, size_t size)
{
	const struct snap_section *s = snap_find(f, type, index);

	if (!s) {
		pr_err("%s: no %s section for %u", f->name, snap_type_name(type), index);
		return -EINVAL;
	}
	if (s->size != size) {
		pr_err("%s: %s section %u has %llu bytes, %zu expected", f->name,
		       snap_type_name(type), index, (unsigned long long)s->size, size);
		return -EINVAL;
	}
	memcpy(out, s->data, size);
	return 0;
}
