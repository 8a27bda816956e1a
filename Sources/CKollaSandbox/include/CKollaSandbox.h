/*
 * CKollaSandbox: the RUN sandbox's C (namespaces, mounts, seccomp, the owner-recording
 * supervisor). Imported by Swift as the `CKollaSandbox` module, only by the OCISandbox
 * target's launcher (Sources/OCIBuild/Sandbox/SandboxLauncher.swift).
 */
#ifndef KO_CKOLLASANDBOX_H
#define KO_CKOLLASANDBOX_H

#include "ko_sandbox.h"

#endif /* KO_CKOLLASANDBOX_H */
