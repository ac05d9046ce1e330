/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the bench load generators (s3_load.c, shim_load.c): one forked process per
 * keep-alive connection, each sending its share of N requests, latencies gathered over a pipe. */
#ifndef BENCH_LOAD_COMMON_H
#define BENCH_LOAD_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "emu/base/buf.h"

#define LOAD_IO_CHUNK (256u * 1024u)
#define LOAD_MAX_CONC 1024

/* One load run: count requests over conc connections to host:port. */
struct load_spec {
    const char *name; /* prefix of error messages ("s3_load") */
    const char *op;   /* what the JSON line names */
    const char *host;
    int port;
    long count;
    long conc;
    long size; /* printed as "size" */
    int want;  /* the status a success has (200) */
    /* Builds request i (head into head; its body, if any, in *body and *body_len, valid until the
     * next call) in the worker process. Returns 0 or a negative code. */
    int (*build)(void *ud, long i, long conn, struct emu_buf *head, const char **body,
                 size_t *body_len);
    void *ud;
};

double load_now_s(void);
/* A TCP connection to host:port with TCP_NODELAY, or -1. */
int load_dial(const char *host, int port);
int load_send_all(int fd, const void *data, size_t len);
/* Reads one response (head in buf, the Content-Length or chunked body read and discarded);
 * returns the status, -1 on a connection error. */
int load_read_response(int fd, char *buf, size_t cap, uint64_t *ret_body);
/* The value after argv's "name", or def. */
const char *load_arg(int argc, char **argv, const char *name, const char *def);
/* Runs the spec (forks conc workers, each on its own connection, requests i = conn, conn +
 * conc, ...) and prints one JSON line with ops/s, errors and latency percentiles. Returns 0, 1
 * when a worker failed, 2 on a setup error. */
int load_run(const struct load_spec *s);

#endif
