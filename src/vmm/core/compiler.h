/* Compiler helpers every module may use: result checking, array sizes, container_of. */
#ifndef VMM_COMPILER_H
#define VMM_COMPILER_H

#include <stddef.h>

#define __must_check __attribute__((warn_unused_result))
/*
 * Which way a branch usually goes, so the usual path falls through: after an exit the branch
 * predictors are cold, and a cold taken branch costs a mispredict (about 7 ns on PVM's hosts).
 */
#define likely(x)     __builtin_expect(!!(x), 1)
#define unlikely(x)   __builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* The struct of type @type whose member @member is at @ptr. */
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#endif
