/*
 * libcurl for Swift.
 *
 * curl_easy_setopt() and curl_easy_getinfo() are variadic, which Swift cannot
 * call, so each argument type gets a fixed-arity wrapper here. All wrappers
 * return curl's own CURLcode unchanged.
 */
#ifndef KO_CURL_H
#define KO_CURL_H

#include <curl/curl.h>
#include <stddef.h>

/*
 * The shape of CURLOPT_WRITEFUNCTION, CURLOPT_HEADERFUNCTION and
 * CURLOPT_READFUNCTION callbacks: `size * nmemb` bytes at `buffer`, and the
 * context pointer given to the setter. Write and header callbacks return the
 * number of bytes they took (anything else aborts the transfer); a read
 * callback returns how many bytes it put into `buffer` (0 = end of data).
 */
typedef size_t (*ko_curl_data_callback)(char *buffer, size_t size, size_t nmemb, void *context);

/* curl_easy_setopt() for options taking a `long` (CURLOPT_VERBOSE, CURLOPT_UPLOAD, ...). */
CURLcode ko_curl_setopt_long(CURL *handle, CURLoption option, long value);

/* curl_easy_setopt() for options taking a `curl_off_t` (the *_LARGE options). */
CURLcode ko_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value);

/* curl_easy_setopt() for options taking a string (CURLOPT_URL, ...); curl copies it. */
CURLcode ko_curl_setopt_str(CURL *handle, CURLoption option, const char *value);

/* curl_easy_setopt() for options taking any other pointer (a curl_slist, private data). */
CURLcode ko_curl_setopt_ptr(CURL *handle, CURLoption option, void *value);

/* Sets CURLOPT_WRITEFUNCTION to `callback` and CURLOPT_WRITEDATA to `context`. */
CURLcode ko_curl_set_write_callback(CURL *handle, ko_curl_data_callback callback, void *context);

/* Sets CURLOPT_HEADERFUNCTION to `callback` and CURLOPT_HEADERDATA to `context`. */
CURLcode ko_curl_set_header_callback(CURL *handle, ko_curl_data_callback callback, void *context);

/* Sets CURLOPT_READFUNCTION to `callback` and CURLOPT_READDATA to `context` (uploads). */
CURLcode ko_curl_set_read_callback(CURL *handle, ko_curl_data_callback callback, void *context);

/* curl_easy_getinfo() for CURLINFO_LONG items (CURLINFO_RESPONSE_CODE, ...). */
CURLcode ko_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);

/* curl_easy_getinfo() for CURLINFO_OFF_T items (CURLINFO_SIZE_DOWNLOAD_T, ...). */
CURLcode ko_curl_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value);

/*
 * curl_easy_getinfo() for CURLINFO_STRING items (CURLINFO_EFFECTIVE_URL,
 * CURLINFO_CONTENT_TYPE, ...). `*value` points into the handle (valid until
 * the next transfer or cleanup) and may be NULL when curl has no value.
 */
CURLcode ko_curl_getinfo_str(CURL *handle, CURLINFO info, const char **value);

#endif /* KO_CURL_H */
