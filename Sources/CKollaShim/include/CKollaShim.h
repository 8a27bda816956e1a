/*
 * CKollaShim: kolla-oci's C for files, archives, HTTP, digests, signals and YAML events.
 *
 * Umbrella header imported by Swift as the `CKollaShim` module. Only the
 * OCISystem target (Sources/OCIBuild/System/) imports it; the sandbox's own C is
 * the CKollaSandbox target. Each concern has its own header and
 * every function defined here is prefixed `ko_`; the C libraries' own
 * declarations (libarchive, libcurl, libcrypto, libzstd) come through unchanged.
 */
#ifndef KO_CKOLLASHIM_H
#define KO_CKOLLASHIM_H

#include "ko_archive.h"
#include "ko_crypto.h"
#include "ko_curl.h"
#include "ko_fs.h"
#include "ko_gzip.h"
#include "ko_zstd.h"
#include "ko_signal.h"
#include "ko_spawn.h"
#include "ko_yaml.h"

#endif /* KO_CKOLLASHIM_H */
