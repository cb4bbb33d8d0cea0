/*
 * The input of the ring fuzz targets read as a script of small numbers and
 * byte runs.  Reads past the end give zeros, so every input is a whole script.
 */
#ifndef SV_FUZZ_SCRIPT_H
#define SV_FUZZ_SCRIPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A finding: say which check failed, then crash for libFuzzer. */
#define FUZZ_EXPECT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);                    \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

struct fuzz_script {
    const uint8_t *data;
    size_t size;
};

static inline size_t fuzz_script_left(const struct fuzz_script *s)
{
    return s->size;
}

static inline uint8_t fuzz_script_u8(struct fuzz_script *s)
{
    if (!s->size)
        return 0;
    s->size--;
    return *s->data++;
}

static inline uint16_t fuzz_script_u16(struct fuzz_script *s)
{
    uint16_t hi = fuzz_script_u8(s);

    return (uint16_t)(hi << 8 | fuzz_script_u8(s));
}

/* Up to len bytes of the script into dst (the rest of dst is left as is). */
static inline void fuzz_script_fill(struct fuzz_script *s, void *dst, size_t len)
{
    size_t n = len < s->size ? len : s->size;

    memcpy(dst, s->data, n);
    s->data += n;
    s->size -= n;
}

/* A peer's write: up to 16 bytes at an offset the script picks in page. */
static inline void fuzz_script_scribble(struct fuzz_script *s, uint8_t *page, size_t size)
{
    size_t offset = fuzz_script_u16(s) % size;
    size_t len = fuzz_script_u8(s) % 17;

    fuzz_script_fill(s, page + offset, len <= size - offset ? len : size - offset);
}

#endif
