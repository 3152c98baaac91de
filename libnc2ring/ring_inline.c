// SPDX-License-Identifier: MIT
/*
 * The exported copies of the inline fast paths of nc2/ring.h and
 * nc2/link.h. Every caller that includes the headers gets the inline
 * ones; these keep the symbols in the shared library for callers that
 * cannot (FFI, a function pointer taken across the library boundary).
 * Defining NC2_INLINE_EXPORT makes each NC2_INLINE declaration and
 * definition in the headers a plain external one, so there is only ever
 * one body of each function to read and to keep right.
 */
#define NC2_INLINE_EXPORT
#include <nc2/link.h>
