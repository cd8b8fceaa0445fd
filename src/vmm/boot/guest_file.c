/* guest_file_read: a whole regular file, size-checked before anything is allocated. */
#include "boot/guest_file.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int guest_file_open(const char *path, const char *what, uint64_t max_size, size_t *size)
{
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_err("cannot open %s %s: %s", what, path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		pr_err("%s %s is not a regular file", what, path);
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > max_size) {
		pr_err("%s %s is %lld bytes, larger than guest RAM (at most %llu bytes)", what,
		       path, (long long)st.st_size, (unsigned long long)max_size);
		close(fd);
		return -EFBIG;
	}
	*size = (size_t)st.st_size;
	return fd;
}

int guest_file_read(const char *path, const char *what, uint64_t max_size, void **data,
		    size_t *size)
{
	size_t got = 0;
	char *buf;
	int fd;

	*data = NULL;
	fd = guest_file_open(path, what, max_size, size);
	if (fd < 0)
		return fd;
	buf = malloc(*size ? *size : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < *size) {
		ssize_t n = read(fd, buf + got, *size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* sysfs and files cut short while read report more than they give */
			int ret = n < 0 ? -errno : -EIO;

			pr_err("reading %s %s: %s after %zu of its %zu bytes", what, path,
			       n < 0 ? strerror(errno) : "end of file", got, *size);
			free(buf);
			close(fd);
			return ret;
		}
		got += (size_t)n;
	}
	close(fd);
	*data = buf;
	return 0;
}
