/* Guest RAM: one anonymous mapping from GPA 0, and the only way to turn a GPA into a pointer. */
#ifndef VMM_GUEST_MEM_H
#define VMM_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/compiler.h"

struct guest_mem {
	uint8_t *host; /* NULL until allocated */
	uint64_t size;
	/*
	 * RAM in [vmm_start, vmm_end) belongs to the VMM (@vmm_what, for messages): images may
	 * not load there, and kvmclock does not publish there. [0, GUEST_IMAGE_MIN) from
	 * allocation (a native machine's page tables and boot data); a PC machine keeps only its
	 * BIOS area while loading, and hands all of RAM to the guest at entry (vmm_end 0).
	 */
	uint64_t vmm_start, vmm_end;
	const char *vmm_what;
};

/* Allocate @size bytes of zeroed guest RAM (rounded check: page multiple, within limits). */
int guest_mem_alloc(struct guest_mem *mem, uint64_t size) __must_check;
void guest_mem_free(struct guest_mem *mem);

/* Host pointer to [gpa, gpa + len) if that range lies wholly in RAM, else NULL. */
static inline void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	if (gpa > mem->size || len > mem->size - gpa)
		return NULL;
	return mem->host + gpa;
}

/*
 * Copy a struct the guest handed over by GPA into @dst, in one go, so the guest (another vCPU)
 * cannot change it while the host checks it. False, logged naming the vCPU, @what and the
 * range, when it does not lie wholly in RAM.
 */
bool guest_mem_fetch(const struct guest_mem *mem, unsigned int vcpu, const char *what, uint64_t gpa,
		     void *dst, size_t len) __must_check;

/* True if [gpa, gpa + len) touches RAM the VMM keeps ([vmm_start, vmm_end)). */
static inline bool guest_mem_overlaps_vmm(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	return len > 0 && gpa < mem->vmm_end &&
	       (gpa >= mem->vmm_start || mem->vmm_start - gpa < len);
}
/* Parse a size such as "64M", "1G", "2097152"; 0 on success, -EINVAL with a message otherwise. */
int guest_mem_parse_size(const char *text, uint64_t *size) __must_check;

#endif
