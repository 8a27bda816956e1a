/*
 * CKollaShim: the only C in kolla-oci.
 *
 * Umbrella header imported by Swift as the `CKollaShim` module. Only
 * Sources/OCIBuild/Native/ imports it. Each concern has its own header and
 * every function defined here is prefixed `ko_`; the C libraries' own
 * declarations (libarchive, libcurl, libcrypto) come through unchanged.
 */
#ifndef KO_CKOLLASHIM_H
#define KO_CKOLLASHIM_H

#include "ko_archive.h"
#include "ko_crypto.h"
#include "ko_curl.h"
#include "ko_fs.h"
#include "ko_zstd.h"
#include "ko_sandbox.h"
#include "ko_signal.h"

#endif /* KO_CKOLLASHIM_H */
