/* Compiler helpers every module may use: result checking, array sizes, container_of. */
#ifndef VMM_COMPILER_H
#define VMM_COMPILER_H

#include <stddef.h>

#define __must_check  __attribute__((warn_unused_result))
#define unlikely(x)   __builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* The struct of type @type whose member @member is at @ptr. */
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#endif
