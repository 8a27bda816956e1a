/*
 * libcrypto (OpenSSL 3) for Swift.
 *
 * The EVP digest API and the error queue are plain fixed-arity functions, so
 * Swift calls them directly: EVP_MD_CTX_new/free, EVP_DigestInit_ex,
 * EVP_DigestUpdate, EVP_DigestFinal_ex, EVP_sha256, ERR_get_error,
 * ERR_error_string_n. sha.h supplies SHA256_DIGEST_LENGTH.
 */
#ifndef KO_CRYPTO_H
#define KO_CRYPTO_H

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#endif /* KO_CRYPTO_H */
