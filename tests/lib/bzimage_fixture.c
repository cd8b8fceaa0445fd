/* A fabricated bzImage (bzimage_fixture.h): the setup header fields the loader reads. */
#include "bzimage_fixture.h"

#include <asm/bootparam.h>
#include <string.h>

static void put16(uint8_t *img, size_t off, uint16_t v)
{
	memcpy(img + off, &v, sizeof(v));
}

static void put32(uint8_t *img, size_t off, uint32_t v)
{
	memcpy(img + off, &v, sizeof(v));
}

void bzimage_fixture_make(uint8_t *img, size_t kernel_size)
{
	size_t size = BZIMAGE_FIXTURE_SETUP + kernel_size;

	memset(img, 0, size);
	img[0x1f1] = 1;			     /* setup_sects */
	put32(img, 0x1f4, kernel_size / 16); /* syssize */
	put16(img, 0x1fe, 0xaa55);	     /* boot_flag */
	img[0x201] = 0x268 - 0x202;	     /* the header runs to 0x268 */
	put32(img, 0x202, 0x53726448);	     /* "HdrS" */
	put16(img, 0x206, 0x020f);	     /* version */
	img[0x211] = LOADED_HIGH;	     /* loadflags */
	put32(img, 0x22c, 0x7fffffff);	     /* initrd_addr_max */
	put16(img, 0x236, XLF_KERNEL_64);    /* xloadflags */
	put32(img, 0x238, 2047);	     /* cmdline_size */
	put32(img, 0x260, 4 << 20);	     /* init_size */
	for (size_t i = BZIMAGE_FIXTURE_SETUP; i < size; i++)
		img[i] = (uint8_t)(i * 7);
}
