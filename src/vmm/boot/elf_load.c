/* ELF loader (ELF64 x86-64, ELF32 i386): validate the whole image first, then copy segments. */
#include "boot/elf_load.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memmap.h"
#include "core/log.h"

struct elf_segment {
	uint64_t gpa, vaddr, filesz, memsz, offset;
	uint32_t flags;
};

/* Native guests run identity-mapped; multiboot loaders place segments by p_paddr. */
enum elf_placement { ELF_IDENTITY, ELF_PHYSICAL };

struct elf_plan {
	unsigned int nr;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/* Log why the image is rejected (once, here) and evaluate to -ENOEXEC. */
#define elf_reject(name, fmt, ...)                                                                 \
	({                                                                                         \
		pr_err("ELF %s: " fmt, (name), ##__VA_ARGS__);                                     \
		-ENOEXEC;                                                                          \
	})

static size_t elf_ehdr_size(int class)
{
	return class == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
}

static int elf_check_ident(const unsigned char *bytes, size_t size, const char *name)
{
	if (size < EI_NIDENT || memcmp(bytes, ELFMAG, SELFMAG))
		return elf_reject(name, "not an ELF file (bad magic)");
	if (bytes[EI_CLASS] != ELFCLASS64 && bytes[EI_CLASS] != ELFCLASS32)
		return elf_reject(name, "wrong class %u (need ELFCLASS64 or ELFCLASS32)",
				  bytes[EI_CLASS]);
	if (bytes[EI_DATA] != ELFDATA2LSB)
		return elf_reject(name, "wrong data encoding %u (need ELFDATA2LSB, little-endian)",
				  bytes[EI_DATA]);
	if (size < elf_ehdr_size(bytes[EI_CLASS]))
		return elf_reject(name, "truncated: %zu bytes, the ELF header needs %zu", size,
				  elf_ehdr_size(bytes[EI_CLASS]));
	return 0;
}

static int elf_check_header(const GElf_Ehdr *eh, int class, size_t size, const char *name)
{
	size_t phentsize = class == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);

	if (class == ELFCLASS64 && eh->e_machine != EM_X86_64)
		return elf_reject(name, "wrong machine %u (need EM_X86_64)", eh->e_machine);
	if (class == ELFCLASS32 && eh->e_machine != EM_386)
		return elf_reject(name, "wrong machine %u (an ELF32 image needs EM_386)",
				  eh->e_machine);
	if (eh->e_type != ET_EXEC)
		return elf_reject(name,
				  "wrong type %u (need ET_EXEC; PIE and shared objects are "
				  "not supported)",
				  eh->e_type);
	if (eh->e_phnum == 0)
		return elf_reject(name, "no program headers, so no loadable segment");
	if (eh->e_phentsize != phentsize)
		return elf_reject(name, "program header size %u (need %zu)", eh->e_phentsize,
				  phentsize);
	if (eh->e_phoff > size || (uint64_t)eh->e_phnum * phentsize > size - eh->e_phoff)
		return elf_reject(name,
				  "truncated: %u program headers at offset 0x%llx exceed the "
				  "%zu-byte file",
				  eh->e_phnum, (unsigned long long)eh->e_phoff, size);
	return 0;
}

static int elf_check_segment(const GElf_Phdr *ph, unsigned int i, size_t size,
			     const struct guest_mem *mem, enum elf_placement placement,
			     const char *name)
{
	if (ph->p_filesz > ph->p_memsz)
		return elf_reject(name, "segment %u: filesz 0x%llx > memsz 0x%llx", i,
				  (unsigned long long)ph->p_filesz,
				  (unsigned long long)ph->p_memsz);
	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
		return elf_reject(name,
				  "truncated: segment %u needs file bytes 0x%llx+0x%llx, the "
				  "file has %zu",
				  i, (unsigned long long)ph->p_offset,
				  (unsigned long long)ph->p_filesz, size);
	if (ph->p_paddr + ph->p_memsz < ph->p_paddr)
		return elf_reject(name, "segment %u: address 0x%llx + size 0x%llx overflows", i,
				  (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_memsz);
	if (placement == ELF_IDENTITY && ph->p_vaddr != ph->p_paddr)
		return elf_reject(name,
				  "segment %u: vaddr 0x%llx != paddr 0x%llx (guests run "
				  "identity-mapped)",
				  i, (unsigned long long)ph->p_vaddr,
				  (unsigned long long)ph->p_paddr);
	if (guest_mem_overlaps_vmm(mem, ph->p_paddr, ph->p_memsz))
		return elf_reject(name,
				  "segment %u at 0x%llx+0x%llx overlaps the VMM's %s at "
				  "0x%llx-0x%llx",
				  i, (unsigned long long)ph->p_paddr,
				  (unsigned long long)ph->p_memsz, mem->vmm_what,
				  (unsigned long long)mem->vmm_start,
				  (unsigned long long)mem->vmm_end - 1);
	if (!guest_mem_ptr(mem, ph->p_paddr, ph->p_memsz))
		return elf_reject(name,
				  "segment %u at 0x%llx+0x%llx lies outside guest RAM "
				  "(0x%llx bytes)",
				  i, (unsigned long long)ph->p_paddr,
				  (unsigned long long)ph->p_memsz, (unsigned long long)mem->size);
	return 0;
}

static int elf_add_segment(struct elf_plan *plan, const GElf_Phdr *ph, unsigned int i,
			   const char *name)
{
	for (unsigned int j = 0; j < plan->nr; j++) {
		const struct elf_segment *s = &plan->seg[j];

		if (ph->p_paddr < s->gpa + s->memsz && s->gpa < ph->p_paddr + ph->p_memsz)
			return elf_reject(name,
					  "segment %u at 0x%llx overlaps an earlier segment at "
					  "0x%llx",
					  i, (unsigned long long)ph->p_paddr,
					  (unsigned long long)s->gpa);
	}
	if (plan->nr == ELF_MAX_SEGMENTS)
		return elf_reject(name, "more than %d loadable segments", ELF_MAX_SEGMENTS);
	plan->seg[plan->nr++] = (struct elf_segment){
		.gpa = ph->p_paddr,
		.vaddr = ph->p_vaddr,
		.filesz = ph->p_filesz,
		.memsz = ph->p_memsz,
		.offset = ph->p_offset,
		.flags = ph->p_flags,
	};
	return 0;
}

static int elf_plan_segments(Elf *elf, const GElf_Ehdr *eh, size_t size,
			     const struct guest_mem *mem, enum elf_placement placement,
			     const char *name, struct elf_plan *plan)
{
	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		GElf_Phdr ph;
		int ret;

		if (!gelf_getphdr(elf, i, &ph))
			return elf_reject(name, "program header %u unreadable: %s", i,
					  elf_errmsg(-1));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		ret = elf_check_segment(&ph, i, size, mem, placement, name);
		if (!ret)
			ret = elf_add_segment(plan, &ph, i, name);
		if (ret)
			return ret;
	}
	if (plan->nr == 0)
		return elf_reject(name, "no loadable (PT_LOAD) segment");
	return 0;
}

/* The entry must lie in an executable segment's file bytes; *gpa is where that is loaded. */
static int elf_check_entry(const struct elf_plan *plan, uint64_t entry, const char *name,
			   uint64_t *gpa)
{
	for (unsigned int i = 0; i < plan->nr; i++) {
		const struct elf_segment *s = &plan->seg[i];

		if ((s->flags & PF_X) && entry >= s->vaddr && entry - s->vaddr < s->filesz) {
			*gpa = s->gpa + (entry - s->vaddr);
			return 0;
		}
	}
	return elf_reject(name, "entry point 0x%llx is not inside a loaded executable segment",
			  (unsigned long long)entry);
}

static void elf_copy_segments(struct guest_mem *mem, const unsigned char *image,
			      const struct elf_plan *plan, struct elf_image_info *info)
{
	info->low = UINT64_MAX;
	info->high = 0;
	for (unsigned int i = 0; i < plan->nr; i++) {
		const struct elf_segment *s = &plan->seg[i];
		uint8_t *dst = guest_mem_ptr(mem, s->gpa, s->memsz);

		memcpy(dst, image + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
		if (s->gpa < info->low)
			info->low = s->gpa;
		if (s->gpa + s->memsz > info->high)
			info->high = s->gpa + s->memsz;
	}
	info->nr_segments = plan->nr;
}

static int elf_load_placed(struct guest_mem *mem, const void *image, size_t size, const char *name,
			   enum elf_placement placement, struct elf_image_info *info)
{
	uint64_t entry = 0;
	struct elf_plan plan = { 0 };
	GElf_Ehdr eh;
	Elf *elf;
	char *copy;
	int ret;

	ret = elf_check_ident(image, size, name);
	if (ret)
		return ret;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return elf_reject(name, "libelf: %s", elf_errmsg(-1));
	/* libelf takes a mutable buffer; give it a private copy so callers may pass const data. */
	copy = malloc(size);
	if (!copy) {
		pr_err("ELF %s: cannot allocate %zu bytes", name, size);
		return -ENOMEM;
	}
	memcpy(copy, image, size);
	elf = elf_memory(copy, size);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		ret = elf_reject(name, "libelf cannot parse it: %s", elf_errmsg(-1));
		goto out;
	}
	ret = elf_check_header(&eh, gelf_getclass(elf), size, name);
	if (!ret)
		ret = elf_plan_segments(elf, &eh, size, mem, placement, name, &plan);
	if (!ret)
		ret = elf_check_entry(&plan, eh.e_entry, name, &entry);
	if (!ret) {
		elf_copy_segments(mem, image, &plan, info);
		info->entry = entry;
		info->elf_class = gelf_getclass(elf) == ELFCLASS64 ? 64 : 32;
	}
out:
	if (elf)
		elf_end(elf);
	free(copy);
	return ret;
}

int elf_load(struct guest_mem *mem, const void *image, size_t size, const char *name,
	     struct elf_image_info *info)
{
	return elf_load_placed(mem, image, size, name, ELF_IDENTITY, info);
}

int elf_load_physical(struct guest_mem *mem, const void *image, size_t size, const char *name,
		      struct elf_image_info *info)
{
	return elf_load_placed(mem, image, size, name, ELF_PHYSICAL, info);
}
