/* Compiler helpers every module may use: result checking and array sizes. */
#ifndef VMM_COMPILER_H
#define VMM_COMPILER_H

#define __must_check __attribute__((warn_unused_result))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
