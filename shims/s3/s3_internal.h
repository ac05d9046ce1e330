/* SPDX-License-Identifier: Apache-2.0 */
/* Private to shims/s3: the store (buckets, the per-bucket key index, object files), the pure
 * rules (names, keys, listing, XML), the error table and the operation handlers. */
#ifndef SHIMS_S3_S3_INTERNAL_H
#define SHIMS_S3_S3_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/base/arena.h"
#include "emu/base/buf.h"
#include "shims/common/auth.h"
#include "shims/common/http.h"
#include "shims/s3/s3.h"

#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"
#define S3_MAX_KEY 1024
#define S3_MAX_HEADERS 64           /* stored response headers per object */
#define S3_MAX_USER_META 2048       /* x-amz-meta-* bytes, as S3 */
#define S3_MIN_PART_SIZE (5u * 1024u * 1024u)
#define S3_MAX_PARTS 10000
#define S3_MAX_DELETE_KEYS 1000
#define S3_MAX_XML_BODY (8u * 1024u * 1024u)
#define S3_OWNER_ID "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
#define S3_OWNER_NAME "fargate-emu"

/* ---- errors (s3_errors.c) ---- */
enum s3_err {
    S3E_ACCESS_DENIED,
    S3E_BAD_DIGEST,
    S3E_BUCKET_ALREADY_OWNED,
    S3E_BUCKET_NOT_EMPTY,
    S3E_ENTITY_TOO_LARGE,
    S3E_ENTITY_TOO_SMALL,
    S3E_INCOMPLETE_BODY,
    S3E_INTERNAL,
    S3E_INVALID_ARGUMENT,
    S3E_INVALID_BUCKET_NAME,
    S3E_INVALID_DIGEST,
    S3E_INVALID_PART,
    S3E_INVALID_PART_ORDER,
    S3E_INVALID_RANGE,
    S3E_INVALID_REQUEST,
    S3E_INVALID_URI,
    S3E_KEY_TOO_LONG,
    S3E_MALFORMED_XML,
    S3E_METADATA_TOO_LARGE,
    S3E_METHOD_NOT_ALLOWED,
    S3E_MISSING_CONTENT_LENGTH,
    S3E_NO_SUCH_BUCKET,
    S3E_NO_SUCH_KEY,
    S3E_NO_SUCH_UPLOAD,
    S3E_NOT_IMPLEMENTED,
    S3E_NOT_MODIFIED,
    S3E_PRECONDITION_FAILED,
    S3E_SHA256_MISMATCH,
    S3E_SLOW_DOWN,
    _S3E_MAX,
};

/* Answers req with the error's S3 code, status and message; bucket/key (may be NULL) go into
 * the body as S3 does. message NULL = the table's. */
void s3_error(struct shim_request *req, enum s3_err e, const char *bucket, const char *key,
              const char *message);
/* Maps a store errno to the S3 error to answer with. */
enum s3_err s3_err_from_errno(int r, bool key_scope);
const char *s3_err_code(enum s3_err e);
unsigned s3_err_status(enum s3_err e);

/* ---- names and keys (s3_names.c, pure) ---- */
/* S3 bucket naming rules (3-63 chars, lowercase letters, digits, '.', '-', no IP form). */
bool s3_bucket_name_valid(const char *name);
/* 0, -ENAMETOOLONG (over 1024 bytes), -EINVAL (empty or holds a NUL). */
int s3_key_check(const char *key, size_t len);
/* Virtual-hosted style: bucket from "bucket.<base>[:port]" into out (NUL-terminated). Returns
 * true when host names a bucket under base. */
bool s3_host_bucket(const char *host, const char *base, char *out, size_t out_size);
/* Parses "bytes=a-b" against size. 1 = range set, 0 = no usable range (serve all), -ERANGE =
 * unsatisfiable (416). */
int s3_range_parse(const char *h, uint64_t size, uint64_t *ret_start, uint64_t *ret_len);

/* ---- object metadata and the store (s3_meta.c, s3_store.c) ---- */
struct s3_hdr {
    char *name;
    char *value;
};

struct s3_meta {
    char *key;
    uint64_t size;
    int64_t mtime_ms;
    char etag[48]; /* without quotes: 32 hex, or 32 hex "-N" */
    unsigned parts;
    struct s3_hdr hdrs[S3_MAX_HEADERS]; /* Content-Type, x-amz-meta-*, ... as returned */
    size_t n_hdrs;
};

void s3_meta_done(struct s3_meta *m);
/* Adds a header copy; -E2BIG past S3_MAX_HEADERS. */
int s3_meta_add(struct s3_meta *m, const char *name, const char *value);
const char *s3_meta_get(const struct s3_meta *m, const char *name);
/* Collects storable headers (Content-Type & co., x-amz-meta-*) of req into m; -E2BIG when
 * user metadata is over S3_MAX_USER_META. */
int s3_meta_from_request(struct s3_meta *m, const struct shim_request *req);
/* The metadata trailer of object files: JSON, then "FEMUS3\1\0" and the JSON length. */
int s3_meta_encode(const struct s3_meta *m, struct emu_buf *out);
int s3_meta_decode(const char *json, size_t len, struct s3_meta *m);
/* Reads the trailer of an open object file into m. -EBADMSG for a file that is not one. */
int s3_meta_read_fd(int fd, struct s3_meta *m);
#define S3_FOOTER_MAGIC "FEMUS3\1\0"
#define S3_FOOTER_SIZE 16

struct s3_entry {
    char *key;
    uint64_t size;
    int64_t mtime_ms;
    char etag[48];
};

struct s3_store;
struct s3_bucket {
    struct s3_store *st;
    char *name;
    char *region;
    int64_t created_ms;
    int fd; /* the bucket directory */
    int refs;     /* requests in flight holding the bucket */
    bool deleted; /* gone from the store; freed when refs drops to 0 */
    bool loaded;
    struct s3_entry **ents; /* sorted by key (byte order) */
    size_t n_ents;
    size_t cap_ents;
};

int s3_store_open(const char *root, struct s3_store **ret);
/* The store's size cap (s3_quota.c); 0 = none. 0 or -ENOMEM. */
int s3_store_set_max_bytes(struct s3_store *st, uint64_t max);
/* Takes len bytes of the cap before writing them: 0, or -ENOSPC when the store is full. */
int s3_store_reserve(struct s3_store *st, uint64_t len);
struct s3_quota;
int s3_quota_new(int root_fd, uint64_t max, struct s3_quota **ret);
void s3_quota_free(struct s3_quota *q);
int s3_quota_reserve(struct s3_quota *q, uint64_t len);
/* Walks the store now; the bytes in it. */
uint64_t s3_quota_used(struct s3_quota *q);
void s3_store_free(struct s3_store *st);
/* Buckets sorted by name. */
size_t s3_store_bucket_count(const struct s3_store *st);
struct s3_bucket *s3_store_bucket_at(struct s3_store *st, size_t i);
/* 0, -ENOENT. */
int s3_store_bucket_get(struct s3_store *st, const char *name, struct s3_bucket **ret);
/* 0, -EEXIST. */
int s3_store_bucket_create(struct s3_store *st, const char *name, const char *region);
/* 0, -ENOENT, -ENOTEMPTY. */
int s3_store_bucket_delete(struct s3_store *st, const char *name);
/* A request holds its bucket across callbacks: a deleted bucket lives until its last unref. */
void s3_bucket_ref(struct s3_bucket *b);
void s3_bucket_unref(struct s3_bucket *b);
/* Loads the key index of b if needed. */
int s3_bucket_index(struct s3_bucket *b);
/* Opens key for reading: fd positioned anywhere, data at [0, meta.size). 0 or -ENOENT. */
int s3_object_open(struct s3_bucket *b, const char *key, int *ret_fd, struct s3_meta *ret_meta);
/* Removes key (0 also when absent). */
int s3_object_delete(struct s3_bucket *b, const char *key);
/* Relative path of key's file inside the bucket directory: "objects/ab/<sha256>". */
void s3_object_path(const char *key, char out[80]);

/* A temp file that becomes an object or a part atomically. */
struct s3_writer;
int s3_writer_open(struct s3_bucket *b, uint64_t max, struct s3_writer **ret);
/* Appends and hashes; -E2BIG past max. */
int s3_writer_write(struct s3_writer *w, const void *data, size_t len);
/* Appends len bytes of src from offset (hashed when hash). */
int s3_writer_copy(struct s3_writer *w, int src, uint64_t offset, uint64_t len, bool hash);
uint64_t s3_writer_size(const struct s3_writer *w);
/* MD5 of everything written and hashed so far (finalises the hash). */
void s3_writer_md5(struct s3_writer *w, unsigned char out[16]);
/* Writes m (size and key filled in by the caller) as the trailer, fsyncs and renames the file
 * to dir_rel/name inside the bucket. After success the writer only needs freeing. */
int s3_writer_commit(struct s3_writer *w, const struct s3_meta *m, const char *rel_path);
/* The blocking part of s3_writer_commit (trailer, fsync, rename, group-committed directory
 * fsync), safe on a pool thread: no bucket state is read but the directory fd. 0 or -errno. */
int s3_writer_finish(struct s3_writer *w, const struct s3_meta *m, const char *rel_path);
/* Directory group commit (s3_commit.c, thread-safe): returns once the entries of directory fd
 * as of the call are durable, sharing one fsync round with concurrent callers. fd stays the
 * caller's. 0 or -errno. */
int s3__dir_group_sync(int fd);
/* Sets key's index entry from what is on disk now (removes it when the file is gone), so
 * concurrent writers of one key leave the index matching the object that won. Loop only. */
int s3_bucket_index_refresh(struct s3_bucket *b, const char *key);
/* Commits as the object m->key and updates the index. */
int s3_writer_commit_object(struct s3_writer *w, const struct s3_meta *m);
/* Frees; an uncommitted temp file is removed. NULL is accepted. */
void s3_writer_free(struct s3_writer *w);

/* Multipart uploads on disk (s3_upload.c). */
struct s3_upload_info {
    char id[33];
    struct s3_meta init; /* key and headers of the object to be */
};
struct s3_part_info {
    unsigned number;
    uint64_t size;
    int64_t mtime_ms;
    char etag[48];
};
int s3_upload_create(struct s3_bucket *b, const struct s3_meta *init, char ret_id[33]);
/* 0, -ENOENT (no such upload or other key). */
int s3_upload_open(struct s3_bucket *b, const char *id, const char *key, struct s3_meta *ret);
int s3_upload_abort(struct s3_bucket *b, const char *id);
/* Relative path of part n of upload id. */
void s3_upload_part_path(const char *id, unsigned n, char out[64]);
/* All parts sorted by number (free with emu_free). */
int s3_upload_parts(struct s3_bucket *b, const char *id, struct s3_part_info **ret, size_t *ret_n);
/* All uploads of b (free each init and the array with s3_upload_list_free). */
int s3_upload_list(struct s3_bucket *b, struct s3_upload_info **ret, size_t *ret_n);
void s3_upload_list_free(struct s3_upload_info *u, size_t n);
/* Removes every upload of b (DeleteBucket). */
int s3_upload_remove_all(struct s3_bucket *b);
/* Writes a small file atomically inside dirfd (temp, fsync, rename). */
int s3_write_file_at(int dirfd, const char *name, const void *data, size_t len);
/* Removes a directory tree below dirfd (no symlinks followed). */
int s3_rmtree_at(int dirfd, const char *name);

/* ---- listing (s3_list.c, pure) ---- */
struct s3_list_params {
    const char *prefix;    /* "" = all */
    const char *delimiter; /* NULL or "" = none */
    const char *after;     /* marker / start-after / decoded continuation token; may be NULL */
    size_t max_keys;
};

struct s3_list_item {
    const struct s3_entry *entry; /* NULL for a common prefix */
    const char *prefix;           /* the common prefix (points into an entry key) */
    size_t prefix_len;
};

struct s3_list_result {
    struct s3_list_item *items; /* contents and common prefixes in key order */
    size_t n_items;
    bool truncated;
};

/* Lists ents (sorted) per params; items allocated with emu_malloc (free with emu_free). */
int s3_list_run(struct s3_entry *const *ents, size_t n, const struct s3_list_params *p,
                struct s3_list_result *res);

/* ---- XML (s3_xml.c) ---- */
struct s3_xml_node {
    const char *name; /* local name, namespace prefix dropped */
    char *text;       /* decoded character data (NUL-terminated) */
    size_t text_len;
    struct s3_xml_node *child;
    struct s3_xml_node *next;
};
/* Parses a small XML document into arena nodes. -EBADMSG malformed, -E2BIG over limits. */
int s3_xml_parse(const char *data, size_t len, struct emu_arena *a, struct s3_xml_node **ret);
const struct s3_xml_node *s3_xml_child(const struct s3_xml_node *n, const char *name);

struct s3_complete_part {
    unsigned number;
    char etag[48]; /* without quotes */
};
/* CompleteMultipartUpload body. Returns the part count, -EBADMSG (MalformedXML), -E2BIG. */
int s3_xml_parse_complete(const char *data, size_t len, struct s3_complete_part *parts,
                          size_t max);
/* DeleteObjects body: keys point into arena. Returns the key count, -EBADMSG, -E2BIG. */
int s3_xml_parse_delete(const char *data, size_t len, struct emu_arena *a, const char **keys,
                        size_t max, bool *ret_quiet);
/* CreateBucketConfiguration body: LocationConstraint into out ("" when none). */
int s3_xml_parse_location(const char *data, size_t len, char *out, size_t out_size);

/* Writer helpers: <name>escaped value</name>, optionally url-encoded first. */
int s3_xml_elem(struct emu_buf *b, const char *name, const char *value, bool url);
int s3_xml_elem_u64(struct emu_buf *b, const char *name, uint64_t v);
int s3_xml_start(struct emu_buf *b, const char *root);

/* ---- the service (s3_routes.c) and operations ---- */
struct shim_s3 {
    struct shim_http_server *http;
    struct s3_store *store;
    char *region;
    char *base_domain;
    struct shim_auth auth;
    uint64_t max_object_size;
    size_t calls;  /* live s3_calls: a stopped service is freed when the last one goes */
    bool stopped;
};

enum s3_op {
    S3_OP_LIST_BUCKETS,
    S3_OP_CREATE_BUCKET,
    S3_OP_HEAD_BUCKET,
    S3_OP_DELETE_BUCKET,
    S3_OP_GET_BUCKET_LOCATION,
    S3_OP_LIST_OBJECTS,
    S3_OP_LIST_OBJECTS_V2,
    S3_OP_LIST_UPLOADS,
    S3_OP_DELETE_OBJECTS,
    S3_OP_PUT_OBJECT,
    S3_OP_COPY_OBJECT,
    S3_OP_GET_OBJECT,
    S3_OP_HEAD_OBJECT,
    S3_OP_DELETE_OBJECT,
    S3_OP_CREATE_UPLOAD,
    S3_OP_UPLOAD_PART,
    S3_OP_UPLOAD_PART_COPY,
    S3_OP_COMPLETE_UPLOAD,
    S3_OP_ABORT_UPLOAD,
    S3_OP_LIST_PARTS,
    S3_OP_GET_OBJECT_TAGGING,
    S3_OP_NOT_IMPLEMENTED, /* routed so a bucket/key check does not come first */
    _S3_OP_MAX,
};

/* One request's S3 view, the request's service data. */
struct s3_call {
    struct shim_s3 *s3;
    struct shim_request *req;
    enum s3_op op;
    const char *op_name; /* the AWS operation name (static) */
    char *bucket; /* decoded, NULL for the service */
    char *key;    /* decoded, NULL for bucket operations */
    struct s3_bucket *b;
    struct shim_payload payload; /* body checks (SHA-256, aws-chunked) */
    struct s3_writer *w;         /* PutObject, UploadPart */
    void (*body_done)(struct s3_call *c); /* runs once the streamed body is in */
    struct s3_meta meta;
    unsigned part_number;
    char upload_id[33];
    /* Offloaded commit (s3_commit.c); while it runs only the pool thread touches the call. */
    int (*job_fill)(struct s3_call *c);         /* pool: fills c->w before the commit, or NULL */
    void (*job_done)(struct s3_call *c, int r); /* loop: answers with the commit's result */
    char job_rel[80];    /* destination inside the bucket; "" = the object c->key */
    int job_result;
    int src_fd;          /* copy source (CopyObject, UploadPartCopy), -1 = none */
    uint64_t src_off;
    uint64_t src_len;
    bool src_hash;       /* hash the copied bytes (the ETag is their MD5) */
    struct s3_complete_part *parts; /* CompleteMultipartUpload: the parts to assemble */
    size_t n_parts;
};

/* Each handler runs at headers time with call->b set for bucket/object operations (the
 * bucket exists); it answers or asks for the body. */
void s3_op_list_buckets(struct s3_call *c);
void s3_op_create_bucket(struct s3_call *c);
void s3_op_head_bucket(struct s3_call *c);
void s3_op_delete_bucket(struct s3_call *c);
void s3_op_get_bucket_location(struct s3_call *c);
void s3_op_list_objects(struct s3_call *c);
void s3_op_delete_objects(struct s3_call *c);
void s3_op_put_object(struct s3_call *c);
void s3_op_copy_object(struct s3_call *c);
void s3_op_get_object(struct s3_call *c);
void s3_op_delete_object(struct s3_call *c);
void s3_op_create_upload(struct s3_call *c);
void s3_op_upload_part(struct s3_call *c);
void s3_op_complete_upload(struct s3_call *c);
void s3_op_abort_upload(struct s3_call *c);
void s3_op_list_parts(struct s3_call *c);
void s3_op_list_uploads(struct s3_call *c);
void s3_op_upload_part_copy(struct s3_call *c);
void s3_op_get_object_tagging(struct s3_call *c);

/* Opens the object named by x-amz-copy-source (s3_batch.c) after its x-amz-copy-source-if-*
 * conditions; *ret_same when it is c's own key. Answers and returns false on any refusal. */
/* s3_iam.c: the opt-in IAM check of the operation (serve --enforce-iam). true = proceed; false
 * = AccessDenied already answered. key_id is the signing access key ("" anonymous). */
bool s3__iam_allowed(struct s3_call *c, const char *key_id);

bool s3__copy_source_open(struct s3_call *c, int *ret_fd, struct s3_meta *ret_src,
                          bool *ret_same);

/* Shared by object and multipart handlers (s3_object.c): streams the request body through the
 * payload checks into a new writer (call->w), then runs done. */
void s3__receive_body(struct s3_call *c, void (*done)(struct s3_call *c));
/* Answers the payload/Content-MD5 errors of a finished body; returns true if it answered. */
bool s3__body_failed(struct s3_call *c, const unsigned char md5[16]);
/* Commits c->w on the thread pool (s3_commit.c): fill(c) first when given (copies), then the
 * trailer from c->meta, fsync, rename to rel (NULL = the object c->key, whose index entry is
 * refreshed afterwards) and the directory group commit; done(c, 0 or -errno) answers on the
 * loop. Answers 503/500 itself when the job cannot be queued. */
void s3__commit_async(struct s3_call *c, int (*fill)(struct s3_call *c), const char *rel,
                      void (*done)(struct s3_call *c, int r));
/* Replaces c->meta (an upload's init) with a part's trailer metadata; 0 or -ENOMEM. */
int s3__part_meta(struct s3_call *c, uint64_t size, const char etag[48]);
/* A job fill step: copies [src_off, src_off + src_len) of src_fd into c->w (hashed when
 * src_hash), then sets c->meta's size and, when hashed, ETag. */
int s3__fill_copy(struct s3_call *c);
/* Adds ETag, Last-Modified and stored headers of m to the response. */
void s3__object_headers(struct shim_request *req, const struct s3_meta *m);

#endif
