/* SPDX-License-Identifier: Apache-2.0 */
/* The S3 error table: each error the endpoint answers with, as S3 spells its code, HTTP status
 * and message, and the mapping from store errnos to those errors. */
#include <errno.h>
#include <string.h>

#include "emu/base/err.h"
#include "shims/common/codec.h"
#include "shims/s3/s3_internal.h"

struct s3_error_def {
    const char *code;
    unsigned status;
    const char *message;
};

static const struct s3_error_def s3_errors[_S3E_MAX] = {
    [S3E_ACCESS_DENIED] = {"AccessDenied", 403, "Access Denied"},
    [S3E_BAD_DIGEST] = {"BadDigest", 400,
                        "The Content-MD5 you specified did not match what we received."},
    [S3E_BUCKET_ALREADY_OWNED] = {"BucketAlreadyOwnedByYou", 409,
                                  "Your previous request to create the named bucket succeeded "
                                  "and you already own it."},
    [S3E_BUCKET_NOT_EMPTY] = {"BucketNotEmpty", 409,
                              "The bucket you tried to delete is not empty"},
    [S3E_ENTITY_TOO_LARGE] = {"EntityTooLarge", 400,
                              "Your proposed upload exceeds the maximum allowed size"},
    [S3E_ENTITY_TOO_SMALL] = {"EntityTooSmall", 400,
                              "Your proposed upload is smaller than the minimum allowed size"},
    [S3E_INCOMPLETE_BODY] = {"IncompleteBody", 400,
                             "You did not provide the number of bytes specified by the "
                             "Content-Length HTTP header"},
    [S3E_INTERNAL] = {"InternalError", 500,
                      "We encountered an internal error. Please try again."},
    [S3E_INVALID_ARGUMENT] = {"InvalidArgument", 400, "Invalid Argument"},
    [S3E_INVALID_BUCKET_NAME] = {"InvalidBucketName", 400,
                                 "The specified bucket is not valid."},
    [S3E_INVALID_DIGEST] = {"InvalidDigest", 400,
                            "The Content-MD5 you specified is not valid."},
    [S3E_INVALID_PART] = {"InvalidPart", 400,
                          "One or more of the specified parts could not be found.  The part "
                          "may not have been uploaded, or the specified entity tag may not "
                          "match the part's entity tag."},
    [S3E_INVALID_PART_ORDER] = {"InvalidPartOrder", 400,
                                "The list of parts was not in ascending order. Parts must be "
                                "ordered by part number."},
    [S3E_INVALID_RANGE] = {"InvalidRange", 416, "The requested range is not satisfiable"},
    [S3E_INVALID_REQUEST] = {"InvalidRequest", 400, "Invalid Request"},
    [S3E_INVALID_URI] = {"InvalidURI", 400, "Couldn't parse the specified URI."},
    [S3E_KEY_TOO_LONG] = {"KeyTooLongError", 400, "Your key is too long"},
    [S3E_MALFORMED_XML] = {"MalformedXML", 400,
                           "The XML you provided was not well-formed or did not validate "
                           "against our published schema"},
    [S3E_METADATA_TOO_LARGE] = {"MetadataTooLarge", 400,
                                "Your metadata headers exceed the maximum allowed metadata "
                                "size."},
    [S3E_METHOD_NOT_ALLOWED] = {"MethodNotAllowed", 405,
                                "The specified method is not allowed against this resource."},
    [S3E_MISSING_CONTENT_LENGTH] = {"MissingContentLength", 411,
                                    "You must provide the Content-Length HTTP header."},
    [S3E_NO_SUCH_BUCKET] = {"NoSuchBucket", 404, "The specified bucket does not exist"},
    [S3E_NO_SUCH_KEY] = {"NoSuchKey", 404, "The specified key does not exist."},
    [S3E_NO_SUCH_UPLOAD] = {"NoSuchUpload", 404,
                            "The specified upload does not exist. The upload ID may be invalid, "
                            "or the upload may have been aborted or completed."},
    [S3E_NOT_IMPLEMENTED] = {"NotImplemented", 501,
                             "A header or query you provided implies functionality that is not "
                             "implemented."},
    [S3E_NOT_MODIFIED] = {"NotModified", 304, "Not Modified"},
    [S3E_PRECONDITION_FAILED] = {"PreconditionFailed", 412,
                                 "At least one of the pre-conditions you specified did not "
                                 "hold"},
    [S3E_SHA256_MISMATCH] = {"XAmzContentSHA256Mismatch", 400,
                             "The provided 'x-amz-content-sha256' header does not match what "
                             "was computed."},
    [S3E_SLOW_DOWN] = {"SlowDown", 503, "Please reduce your request rate."},
};

const char *s3_err_code(enum s3_err e)
{
    return s3_errors[e].code;
}

unsigned s3_err_status(enum s3_err e)
{
    return s3_errors[e].status;
}

void s3_error(struct shim_request *req, enum s3_err e, const char *bucket, const char *key,
              const char *message)
{
    const struct s3_error_def *d = &s3_errors[e];
    if (e == S3E_NOT_MODIFIED) {
        shim_respond_empty(req, 304);
        return;
    }
    struct emu_buf x;
    emu_buf_init(&x, 16 * 1024);
    if (key) {
        (void)emu_buf_puts(&x, "<Key>");
        (void)shim_xml_escape(key, strlen(key), &x);
        (void)emu_buf_puts(&x, "</Key>");
    }
    else if (bucket) {
        (void)emu_buf_puts(&x, "<BucketName>");
        (void)shim_xml_escape(bucket, strlen(bucket), &x);
        (void)emu_buf_puts(&x, "</BucketName>");
    }
    shim_respond_error_xml(req, d->status, d->code, message ? message : d->message, x.data);
    emu_buf_done(&x);
}

enum s3_err s3_err_from_errno(int r, bool key_scope)
{
    switch (r) {
    case EMU_ENOENT:
        return key_scope ? S3E_NO_SUCH_KEY : S3E_NO_SUCH_BUCKET;
    case EMU_E2BIG:
        return S3E_ENTITY_TOO_LARGE;
    case EMU_ENAMETOOLONG:
        return S3E_KEY_TOO_LONG;
    case EMU_EINVAL:
        return S3E_INVALID_ARGUMENT;
    case -ENOTEMPTY:
        return S3E_BUCKET_NOT_EMPTY;
    case EMU_ENOMEM:
    case -EMFILE:
    case -ENFILE:
        return S3E_SLOW_DOWN;
    default:
        return S3E_INTERNAL;
    }
}
