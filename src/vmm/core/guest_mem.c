/* Guest RAM allocation, size parsing, copies of guest-handed structs, the VMM-reserved range. */
#include "core/guest_mem.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "memmap.h"
#include "core/log.h"

static int guest_mem_check_size(uint64_t size)
{
	if (size < GUEST_MEM_MIN || size > GUEST_MEM_MAX) {
		pr_err("guest memory size %llu bytes is outside %u bytes .. %llu bytes",
		       (unsigned long long)size, GUEST_MEM_MIN, (unsigned long long)GUEST_MEM_MAX);
		return -EINVAL;
	}
	if (size % GUEST_PAGE_SIZE) {
		pr_err("guest memory size %llu bytes is not a multiple of %u",
		       (unsigned long long)size, GUEST_PAGE_SIZE);
		return -EINVAL;
	}
	return 0;
}

int guest_mem_alloc(struct guest_mem *mem, uint64_t size)
{
	void *p;
	int ret;

	mem->host = NULL;
	mem->size = 0;
	ret = guest_mem_check_size(size);
	if (ret)
		return ret;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		pr_err("cannot allocate %llu bytes of guest memory: %s", (unsigned long long)size,
		       strerror(-ret));
		return ret;
	}
	mem->host = p;
	mem->size = size;
	mem->vmm_start = 0;
	mem->vmm_end = GUEST_IMAGE_MIN;
	mem->vmm_what = "page tables and boot data";
	return 0;
}

void guest_mem_free(struct guest_mem *mem)
{
	if (mem->host)
		munmap(mem->host, mem->size);
	mem->host = NULL;
	mem->size = 0;
}

int guest_mem_parse_size(const char *text, uint64_t *size)
{
	unsigned long long value, shift = 0;
	char *end;

	errno = 0;
	value = strtoull(text, &end, 0);
	if (errno || end == text || text[0] == '-')
		goto bad;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	default: break;
	}
	if (*end || value > (~0ull >> shift))
		goto bad;
	*size = value << shift;
	return guest_mem_check_size(*size);
bad:
	pr_err("invalid memory size '%s' (expected e.g. 64M, 1G or a byte count)", text);
	return -EINVAL;
}

bool guest_mem_fetch(const struct guest_mem *mem, unsigned int vcpu, const char *what, uint64_t gpa,
		     void *dst, size_t len)
{
	const void *src = guest_mem_ptr(mem, gpa, len);

	if (!src) {
		pr_err("vCPU %u: %s at GPA 0x%" PRIx64 " (+%zu bytes) lies outside guest RAM", vcpu,
		       what, gpa, len);
		return false;
	}
	memcpy(dst, src, len);
	return true;
}
