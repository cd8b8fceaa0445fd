/* Guest vsnprintf: %d %i %u %x %X %p %s %c %%, with l/ll/z, width, '0' and '-' flags. */
#include "guest/guest.h"

struct out {
	char *buf;
	size_t size, len;
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_padded(struct out *o, const char *s, size_t n, int width, int left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (fill-- > 0)
			out_char(o, pad);
	while (n--)
		out_char(o, *s++);
	if (left)
		while (fill-- > 0)
			out_char(o, ' ');
}

static size_t utoa(uint64_t v, unsigned int base, int upper, char *tmp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[24];
	size_t n = 0, i = 0;

	do {
		rev[n++] = digits[v % base];
		v /= base;
	} while (v);
	while (n)
		tmp[i++] = rev[--n];
	return i;
}

static void out_number(struct out *o, uint64_t v, int negative, unsigned int base, int upper,
		       int width, int left, char pad)
{
	char tmp[24];
	size_t n = 0;

	if (negative)
		tmp[n++] = '-';
	n += utoa(v, base, upper, tmp + n);
	if (negative && pad == '0' && !left) {
		out_char(o, '-');
		out_padded(o, tmp + 1, n - 1, width - 1, 0, '0');
		return;
	}
	out_padded(o, tmp, n, width, left, pad);
}

static int64_t arg_signed(va_list *ap, int size)
{
	if (size >= 2)
		return va_arg(*ap, long long);
	if (size == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

static uint64_t arg_unsigned(va_list *ap, int size)
{
	if (size >= 2)
		return va_arg(*ap, unsigned long long);
	if (size == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static const char *format_one(struct out *o, const char *f, va_list *ap)
{
	int left = 0, width = 0, size = 0;
	char pad = ' ';

	for (; *f == '-' || *f == '0'; f++) {
		if (*f == '-')
			left = 1;
		else
			pad = '0';
	}
	for (; *f >= '0' && *f <= '9'; f++)
		width = width * 10 + (*f - '0');
	for (; *f == 'l' || *f == 'z'; f++)
		size++;
	switch (*f) {
	case 'd':
	case 'i': {
		int64_t v = arg_signed(ap, size);

		out_number(o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, 0, width, left, pad);
		break;
	}
	case 'u': out_number(o, arg_unsigned(ap, size), 0, 10, 0, width, left, pad); break;
	case 'x': out_number(o, arg_unsigned(ap, size), 0, 16, 0, width, left, pad); break;
	case 'X': out_number(o, arg_unsigned(ap, size), 0, 16, 1, width, left, pad); break;
	case 'p':
		out_char(o, '0');
		out_char(o, 'x');
		out_number(o, (uintptr_t)va_arg(*ap, void *), 0, 16, 0, width, left, pad);
		break;
	case 's': {
		const char *s = va_arg(*ap, const char *);

		if (!s)
			s = "(null)";
		out_padded(o, s, strlen(s), width, left, ' ');
		break;
	}
	case 'c': {
		char c = (char)va_arg(*ap, int);

		out_padded(o, &c, 1, width, left, ' ');
		break;
	}
	case '%': out_char(o, '%'); break;
	case '\0': return f;
	default:
		out_char(o, '%');
		out_char(o, *f);
		break;
	}
	return f + 1;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt = format_one(&o, fmt + 1, &aq);
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
