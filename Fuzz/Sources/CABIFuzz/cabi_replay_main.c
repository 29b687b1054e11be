/*
 * cabi_replay_main.c - replays files through the C ABI fuzz harness (cabi_fuzz.c) without libFuzzer:
 *   cabi-replay FILE|DIR...   prints "fuzz-replay: target: cabi files: N problems: K calls: M", exit 0 iff K = 0
 * Compiled only with -DSOMBRA_FUZZ_REPLAY_MAIN (the root replay test does this with gcc); empty otherwise,
 * so the Fuzz package's fuzz-cabi keeps its own main.
 */
typedef int cabi_replay_main_is_empty_without_the_define;

#ifdef SOMBRA_FUZZ_REPLAY_MAIN
#define _POSIX_C_SOURCE 200809L
#include "cabi_fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

static int replay_file(const char *path, long *files) {
    FILE *f = fopen(path, "rb");
    if (!f) { printf("cannot read %s\n", path); return 1; }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    (*files)++;
    int bad = sombra_fuzz_cabi(buf, n);
    if (bad) printf("%s:\n  %s\n", path, sombra_fuzz_cabi_problem());
    free(buf);
    return bad;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
    long files = 0, problems = 0;
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) { problems += replay_file(argv[i], &files); continue; }
        char *names[8192];
        int count = 0;
        struct dirent *e;
        while ((e = readdir(d)) && count < 8192) {
            if (e->d_name[0] == '.') continue;
            names[count] = malloc(strlen(argv[i]) + strlen(e->d_name) + 2);
            sprintf(names[count++], "%s/%s", argv[i], e->d_name);
        }
        closedir(d);
        qsort(names, count, sizeof *names, cmp);
        for (int k = 0; k < count; k++) { problems += replay_file(names[k], &files); free(names[k]); }
    }
    sombra_fuzz_cabi_cleanup();
    printf("fuzz-replay: target: cabi files: %ld problems: %ld calls: %llu\n", files, problems,
           (unsigned long long)sombra_fuzz_cabi_calls());
    return problems ? 1 : 0;
}
#endif

