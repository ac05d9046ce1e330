/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the aws-chunked decoder on arbitrary bytes, fed in pieces whose size the first
 * byte picks, seeded with the S3 documentation's chunked-upload chain, in each variant (signed,
 * signed with a signed trailer, unsigned with a trailer); and encode/decode round trips of the
 * input (with and without a signed trailer) that must give the input back. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "emu/aws/sigv4.h"
#include "emu/base/err.h"
#include "emu/base/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The chain of the documentation's PUT /examplebucket/chunkObject.txt (seed 4f232c43...). */
static void doc_chain(struct emu_sigv4_chain *chain)
{
#define H(n, v) {n, sizeof(n) - 1, v, sizeof(v) - 1}
    static const struct emu_sigv4_header h[] = {
        H("Host", "s3.amazonaws.com"),
        H("x-amz-date", "20130524T000000Z"),
        H("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        H("x-amz-content-sha256", EMU_SIGV4_STREAMING_PAYLOAD),
        H("Content-Encoding", "aws-chunked"),
        H("x-amz-decoded-content-length", "66560"),
        H("Content-Length", "66824"),
    };
#undef H
    struct emu_sigv4_request req = {
        .method = "PUT",
        .path = "/examplebucket/chunkObject.txt",
        .path_len = 30,
        .headers = h,
        .n_headers = sizeof(h) / sizeof(h[0]),
    };
    struct emu_sigv4_sign_params sp = {
        .access_key_id = "AKIAIOSFODNN7EXAMPLE",
        .secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        .region = "us-east-1",
        .service = "s3",
        .time = 1369353600,
        .flags = EMU_SIGV4_S3,
    };
    struct emu_sigv4_signature sig;
    emu_sigv4_signature_init(&sig);
    if (emu_sigv4_sign(&req, &sp, &sig) != 0) {
        __builtin_trap();
    }
    *chain = sig.chain;
    emu_sigv4_signature_done(&sig);
}

struct collect {
    struct emu_buf out;
};

static int collect_cb(void *userdata, const void *buf, size_t len)
{
    struct collect *c = userdata;
    return emu_buf_append(&c->out, buf, len);
}

static void decode_raw(const struct emu_sigv4_chain *chain, const uint8_t *data, size_t size,
                       unsigned flags)
{
    size_t step = size ? (size_t)data[0] % 17 + 1 : 1;
    struct emu_aws_chunked c;
    if (emu_aws_chunked_init_flags(&c, chain, -1, 1u << 20, flags) < 0) {
        return;
    }
    for (size_t i = 0; i < size; i += step) {
        size_t n = size - i < step ? size - i : step;
        ssize_t r = emu_aws_chunked_feed(&c, data + i, n, NULL, NULL);
        if (r != EMU_EAGAIN) {
            if (r > (ssize_t)n) {
                __builtin_trap();
            }
            char v[64];
            if (r >= 0 && c.trailers_len > sizeof(c.trailers)) {
                __builtin_trap();
            }
            (void)emu_aws_chunked_trailer(&c, "x-amz-checksum-crc32", v, sizeof(v));
            break;
        }
    }
    emu_aws_chunked_done(&c);
}

static void round_trip(const struct emu_sigv4_chain *seed, const uint8_t *data, size_t size,
                       bool trailer)
{
    struct emu_sigv4_chain chain = *seed;
    struct emu_buf enc;
    emu_buf_init(&enc, 4u << 20);
    size_t chunk = size ? (size_t)data[0] + 1 : 1;
    int r = 0;
    for (size_t i = 0; i < size && r == 0; i += chunk) {
        r = emu_aws_chunked_encode(&chain, data + i, size - i < chunk ? size - i : chunk, &enc);
    }
    if (r == 0 && !trailer) {
        r = emu_aws_chunked_encode(&chain, NULL, 0, &enc);
    }
    /* With a trailer: a checksum line made of the input, then the trailer signature. */
    char line[80];
    snprintf(line, sizeof(line), "x-amz-checksum-crc32:%.*s", (int)(size < 8 ? size : 8),
             (const char *)data);
    bool clean = strlen(line) == 21 + (size < 8 ? size : 8); /* no NUL in the value */
    for (size_t i = 21; clean && line[i]; i++) {
        clean = (unsigned char)line[i] > ' '; /* no line break, no blank the decoder trims */
    }
    const char *lines[] = {line};
    if (trailer && r == 0) {
        r = emu_aws_chunked_encode_trailer(&chain, lines, 1, &enc);
    }
    if (r == 0 && (!trailer || clean)) {
        struct collect col;
        emu_buf_init(&col.out, 4u << 20);
        struct emu_aws_chunked c;
        if (emu_aws_chunked_init_flags(&c, seed, (long long)size, 0,
                                       trailer ? EMU_AWS_CHUNKED_TRAILER : 0) == 0) {
            ssize_t n = emu_aws_chunked_feed(&c, enc.data, enc.len, collect_cb, &col);
            if (n != (ssize_t)enc.len || col.out.len != size ||
                (size && memcmp(col.out.data, data, size) != 0) ||
                (!trailer && enc.len != emu_aws_chunked_encoded_length(size, chunk))) {
                __builtin_trap();
            }
            char v[64];
            if (trailer && (emu_aws_chunked_trailer(&c, "X-Amz-Checksum-CRC32", v, sizeof(v)) ||
                            strcmp(v, line + 21) != 0)) {
                __builtin_trap();
            }
            emu_aws_chunked_done(&c);
        }
        emu_buf_done(&col.out);
    }
    emu_buf_done(&enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct emu_sigv4_chain chain;
    static int ready;
    if (!ready) {
        doc_chain(&chain);
        ready = 1;
    }
    long before = emu_mem_outstanding();
    decode_raw(&chain, data, size, 0);
    decode_raw(&chain, data, size, EMU_AWS_CHUNKED_TRAILER);
    decode_raw(&chain, data, size, EMU_AWS_CHUNKED_TRAILER | EMU_AWS_CHUNKED_UNSIGNED);
    round_trip(&chain, data, size, false);
    round_trip(&chain, data, size, true);
    if (emu_mem_outstanding() != before) {
        fprintf(stderr, "fuzz_aws_chunked: leaked %ld allocations\n",
                emu_mem_outstanding() - before);
        __builtin_trap();
    }
    return 0;
}
