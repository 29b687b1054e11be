/*
 * cabi_fuzz.h - fuzz target 4: random call sequences into libsombra, driven from C (cabi_fuzz.c).
 */
#ifndef CABI_FUZZ_H
#define CABI_FUZZ_H
#include <stddef.h>
#include <stdint.h>

/* Runs one input (a byte-coded call sequence). Returns 0, or 1 when a promise of the ABI was broken;
 * sombra_fuzz_cabi_problem() then describes it. Never aborts by itself. */
int sombra_fuzz_cabi(const uint8_t *data, size_t size);

/* The last problem found ("" if none). */
const char *sombra_fuzz_cabi_problem(void);

/* Calls made since the process started (a figure for reports). */
uint64_t sombra_fuzz_cabi_calls(void);

/* Removes the scratch directory the harness made for its database. */
void sombra_fuzz_cabi_cleanup(void);

#endif
