/* SPDX-License-Identifier: Apache-2.0 */
/* Private to shims/s3: the store (buckets, the per-bucket key index, object files), the pure
 * rules (names, keys, listing, XML), the error table and the operation handlers. */
#ifndef SHIMS_S3_S3_INTERNAL_H
#define SHIMS_S3_S3_INTERNAL_H

#include <pthread.h>
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
    uint64_t ver;      /* version: the highest one of a key wins (0 = from mtime) */
    uint64_t data_off; /* s3_object_open: where the data starts in the returned fd */
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
    uint64_t ver;
    int pack;          /* index into the bucket's packs, -1 = its own object file */
    uint32_t meta_len; /* pack record: JSON length */
    uint64_t rec_off;  /* pack record: offset of its header */
    bool dead;         /* a delete record, kept only while the index loads */
};

/* ---- pack files of small objects (s3_pack.c) ---- */
#define S3_PACK_HDR 40
#define S3_PACK_MAX_META (256u * 1024u)
#define S3_PACK_MAX_DATA (1u << 20)
/* Bodies up to this size go to the bucket's pack (group-committed), larger ones to files. */
#define S3_PACK_THRESHOLD (64u * 1024u)
enum { S3_PACK_PUT = 1, S3_PACK_DEL = 2 };
struct s3_pack_rec {
    unsigned type;
    uint64_t ver;
    uint32_t meta_len;
    uint64_t data_len;
    uint32_t crc;
};
struct s3_pack {
    char name[40]; /* "<16 hex>.pack" inside the bucket's packs/ */
    int fd;        /* read-only, or read-write once mine */
    bool mine;     /* this process appends to it (exclusive flock held) */
    uint64_t scanned; /* end of the valid records read so far */
    /* append state (mine), under mu: */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t end;    /* bytes written */
    uint64_t synced; /* bytes durable */
    bool busy;       /* a leader is in fdatasync */
    int err;         /* the pack failed: no more appends */
    uint64_t tomb;   /* bytes of delete records (atomic: appends count theirs on the pool) */
    /* compaction state (s3_compact.c), loop only: */
    uint64_t live;   /* bytes of the records the index points at */
    int users;       /* handed out by s3_bucket_pack_mine, not yet released */
    bool retired;    /* compacted away: fd closed, name gone, no entry points here */
    bool compact_failed;
};
/* Pure: the header at p (avail bytes). Returns the record length, 0 if avail is short of a
 * header, -EBADMSG for anything that is not a record header within the ceilings. */
int64_t s3_pack_parse_header(const unsigned char *p, size_t avail, struct s3_pack_rec *rec);
/* Whether the len bytes at p are the whole record rec with a matching CRC. */
bool s3_pack_check(const unsigned char *p, size_t len, const struct s3_pack_rec *rec);
void s3_pack_encode_header(unsigned type, uint64_t ver, const void *meta, uint32_t meta_len,
                           const void *data, uint64_t data_len, unsigned char out[S3_PACK_HDR]);
typedef int (*s3_pack_scan_fn)(void *ud, struct s3_pack *p, uint64_t off,
                               const struct s3_pack_rec *rec, const unsigned char *payload);
/* Reads the valid records from p->scanned on, calling fn for each; stops at the first torn or
 * invalid one. 0 or -errno (fn's too). */
int s3_pack_scan(struct s3_pack *p, s3_pack_scan_fn fn, void *ud);
struct s3_pack *s3_pack_new(const char *name, int fd);
void s3_pack_free(struct s3_pack *p);
/* Takes over an existing pack nobody appends to: flock, scan the rest, truncate the torn tail.
 * -EBUSY when another process holds it. */
int s3_pack_take(struct s3_pack *p, int packs_dir, s3_pack_scan_fn fn, void *ud);
/* Creates, locks and durably names a new pack. */
int s3_pack_create(int packs_dir, const char *name, struct s3_pack **ret);
bool s3_pack_broken(struct s3_pack *p);
/* Appends one record and returns once it is durable (group commit; thread-safe). */
int s3_pack_append(struct s3_pack *p, unsigned type, uint64_t ver, const void *meta,
                   uint32_t meta_len, const void *data, uint64_t data_len, uint64_t *ret_off);
/* A new version, above every one this process handed out (realtime nanoseconds). */
uint64_t s3_version_next(void);

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
    int packs_fd;            /* packs/ (opened with the index), -1 before */
    struct s3_pack **packs;  /* every pack seen, in the order found */
    size_t n_packs;
    struct s3_pack *mine;    /* the one this process appends to, or NULL */
    bool compact_due;        /* a pack crossed the compaction threshold (s3_compact.c) */
    bool compacting;         /* a compaction of one of its packs runs on the pool */
    char compact_out[40];    /* its output's name while it runs (not a pack to scan) */
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
/* Space was given back (a compaction): the next reservation walks the store again. */
void s3_quota_stale(struct s3_quota *q);
void s3_store_quota_stale(struct s3_store *st);
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
/* Opens key for reading: data at [meta.data_off, meta.data_off + meta.size) of the fd. 0 or
 * -ENOENT. Loop only (reads the index). */
int s3_object_open(struct s3_bucket *b, const char *key, int *ret_fd, struct s3_meta *ret_meta);
/* Removes key (0 also when absent): blocking, on the loop. */
int s3_object_delete(struct s3_bucket *b, const char *key);
/* The two halves of a delete: prepare on the loop (the version, the pack for a delete record:
 * *ret_pack NULL when none is needed), remove on any thread, apply to the index on the loop. */
int s3_object_delete_prepare(struct s3_bucket *b, const char *key, struct s3_pack **ret_pack,
                             uint64_t *ret_ver);
int s3_object_delete_disk(struct s3_bucket *b, const char *key, struct s3_pack *pack,
                          uint64_t ver);
void s3_object_delete_apply(struct s3_bucket *b, const char *key, uint64_t ver);
/* The pack this process appends to in b, taken over or created on first use. Loop only. */
int s3_bucket_pack_mine(struct s3_bucket *b, struct s3_pack **ret);
/* Reads records other processes appended to b's packs since the last look (new packs too). */
int s3_bucket_catch_up(struct s3_bucket *b);
/* Pool thread: appends object m with its bytes to pack; *ret_off = record offset. */
int s3_pack_put_object(struct s3_pack *pack, const struct s3_meta *m, const void *data,
                       size_t len, uint64_t *ret_off, uint32_t *ret_meta_len);
/* Loop: records a committed pack object in the index (when newer than what is there). */
int s3_index_put_pack(struct s3_bucket *b, const struct s3_meta *m, struct s3_pack *pack,
                      uint64_t off, uint32_t meta_len);
/* Gives back a pack s3_bucket_pack_mine handed out (NULL: nothing), once its append is
 * applied to the index or abandoned. Loop only. */
void s3_pack_release(struct s3_pack *p);
/* Index helpers for compaction. */
struct s3_entry *s3_index_lookup(struct s3_bucket *b, const char *key);
int s3_index_pack_of(const struct s3_bucket *b, const struct s3_pack *p);
/* Takes over (flock) a pack this process does not append to, as s3_bucket_pack_mine does. */
int s3_bucket_take_pack(struct s3_bucket *b, struct s3_pack *p);
int s3_bucket_packs_add(struct s3_bucket *b, struct s3_pack *p);

/* ---- compaction of pack files (s3_compact.c) ---- */
/* Dead bytes over which a pack is rewritten (and over half its size). */
#define S3_COMPACT_MIN_DEAD (8u * 1024u * 1024u)
/* Bytes of p no index entry nor delete record needs. Loop only. */
uint64_t s3_pack_dead(struct s3_pack *p, uint64_t *ret_size);
/* Whether p is worth compacting under the store's threshold. Loop only. */
bool s3_pack_compact_due(struct s3_bucket *b, struct s3_pack *p);
/* Starts compacting one due pack of b: on the libuv thread pool when loop is given (done(ud)
 * runs on the loop when it has finished; returns 0), synchronously otherwise. 1 when no pack
 * can be compacted now, -errno when it could not start. */
int s3_compact_start(uv_loop_t *loop, struct s3_bucket *b, void (*done)(void *ud), void *ud);
/* The store's compaction threshold: 0 = the default, UINT64_MAX = never. */
void s3_store_set_compact_min(struct s3_store *st, uint64_t min_dead);
uint64_t s3_store_compact_min(const struct s3_store *st);
/* Whether this process was alone on the store when it opened it (leftovers may be cleared). */
bool s3_store_alone(const struct s3_store *st);

/* Frees the packs of b (bucket teardown). */
void s3_bucket_packs_free(struct s3_bucket *b);
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
/* fsyncs the directory of rel inside dirfd: through the group commit, or at once. */
void s3__fsync_parent(int dirfd, const char *rel, bool group);
/* Sets key's index entry from what is on disk now (removes it when the file is gone), so
 * concurrent writers of one key leave the index matching the object that won. Loop only. */
int s3_bucket_index_refresh(struct s3_bucket *b, const char *key);
/* Commits w (a writer of b) as the object m->key with a new version (set in m) and updates
 * the index. Blocking: the file layout, whatever the size. */
int s3_writer_commit_object(struct s3_bucket *b, struct s3_writer *w, struct s3_meta *m);
/* Frees; an uncommitted temp file is removed. NULL is accepted. */
void s3_writer_free(struct s3_writer *w);
/* The body when it is still in memory (small object), else NULL. */
const void *s3_writer_mem(const struct s3_writer *w, size_t *ret_len);

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
/* ListMultipartUploads selection over ups (sorted by key, initiation, id; pure): prefix,
 * delimiter (common prefixes count once against max), key-marker and upload-id-marker (the
 * uploads of key-marker after that upload; without it, keys after key-marker only). items
 * are indexes into ups, or -1 - i for a common prefix cut from ups[i].key (its length in
 * prefix_lens[k]). Returns the item count (up to max); *ret_truncated when more follow. */
int s3_upload_select(const struct s3_upload_info *ups, size_t n, const char *prefix,
                     const char *delimiter, const char *key_marker, const char *id_marker,
                     size_t max, long *items, size_t *prefix_lens, bool *ret_truncated);
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
    uv_loop_t *loop;
    size_t calls;  /* live s3_calls and compactions: a stopped service is freed when the last
                    * one goes */
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

/* ---- additional checksums (s3_checksum.c) ---- */
enum s3_ck_alg { S3_CK_NONE = 0, S3_CK_CRC32, S3_CK_CRC32C, S3_CK_SHA1, S3_CK_SHA256 };
struct s3_cksum {
    enum s3_ck_alg alg;
    bool trailer;            /* the expected value comes in the aws-chunked trailer */
    unsigned char want[32];  /* expected digest (header), or decoded from the trailer */
    uint32_t crc;
    void *md;                /* EVP_MD_CTX for SHA-1 / SHA-256 */
    char value[48];          /* base64 of the verified digest */
};
struct s3_call;
/* Reads x-amz-checksum-* / x-amz-trailer of c's request; false after answering the error. */
bool s3_cksum_start(struct s3_call *c);
int s3_cksum_update(struct s3_cksum *k, const void *data, size_t len);
/* Verifies the whole body (BadDigest, InvalidRequest answered: false); on success stores the
 * checksum header in c->meta. */
bool s3_cksum_finish(struct s3_call *c);
/* Adds x-amz-checksum-<alg> of a verified body to the response. */
void s3_cksum_respond_header(struct s3_call *c);
void s3_cksum_done(struct s3_cksum *k);
/* Whether a stored header is shown: x-amz-checksum-* only with x-amz-checksum-mode: ENABLED
 * on a whole-object request. */
bool s3_cksum_shown(const struct shim_request *req, const char *header);

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
    struct s3_cksum ck; /* x-amz-checksum-* of the body */
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
    struct s3_pack *pack;  /* small PutObject / DeleteObject: the pack to append to */
    uint64_t pack_off;     /* the record written */
    uint32_t pack_meta_len;
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
