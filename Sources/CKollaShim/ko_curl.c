#include "ko_curl.h"

CURLcode ko_curl_setopt_long(CURL *handle, CURLoption option, long value)
{
    return curl_easy_setopt(handle, option, value);
}

CURLcode ko_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value)
{
    return curl_easy_setopt(handle, option, value);
}

CURLcode ko_curl_setopt_str(CURL *handle, CURLoption option, const char *value)
{
    return curl_easy_setopt(handle, option, value);
}

CURLcode ko_curl_setopt_ptr(CURL *handle, CURLoption option, void *value)
{
    return curl_easy_setopt(handle, option, value);
}

/* Sets a callback option and its data option; stops at the first failure. */
static CURLcode set_callback(CURL *handle, CURLoption function_option, CURLoption data_option,
                             ko_curl_data_callback callback, void *context)
{
    CURLcode rc = curl_easy_setopt(handle, function_option, callback);
    if (rc != CURLE_OK)
        return rc;
    return curl_easy_setopt(handle, data_option, context);
}

CURLcode ko_curl_set_write_callback(CURL *handle, ko_curl_data_callback callback, void *context)
{
    return set_callback(handle, CURLOPT_WRITEFUNCTION, CURLOPT_WRITEDATA, callback, context);
}

CURLcode ko_curl_set_header_callback(CURL *handle, ko_curl_data_callback callback, void *context)
{
    return set_callback(handle, CURLOPT_HEADERFUNCTION, CURLOPT_HEADERDATA, callback, context);
}

CURLcode ko_curl_set_read_callback(CURL *handle, ko_curl_data_callback callback, void *context)
{
    return set_callback(handle, CURLOPT_READFUNCTION, CURLOPT_READDATA, callback, context);
}

CURLcode ko_curl_getinfo_long(CURL *handle, CURLINFO info, long *value)
{
    return curl_easy_getinfo(handle, info, value);
}

CURLcode ko_curl_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value)
{
    return curl_easy_getinfo(handle, info, value);
}

CURLcode ko_curl_getinfo_str(CURL *handle, CURLINFO info, const char **value)
{
    /* curl writes a `char *`; the string belongs to the handle, hence const. */
    char *result = NULL;
    CURLcode rc = curl_easy_getinfo(handle, info, &result);
    *value = result;
    return rc;
}
