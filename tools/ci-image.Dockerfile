# The kolla-oci CI image: Debian bookworm, kolla-oci (Swift standard library and
# Foundation linked statically) with the C libraries it links, kolla-oci's image tree, and
# the Debian bookworm base already in the store. Built by tools/ci-image with kolla-oci.
FROM debian:bookworm

# The C libraries kolla-oci links (CKollaShim), CA certificates for TLS registries, git for
# checkouts, uidmap for rootless runs on runners that give subordinate ids.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libarchive13 libcurl4 libssl3 libzstd1 libseccomp2 libyaml-0-2 zlib1g libstdc++6 \
        ca-certificates git uidmap \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log

COPY kolla-oci /usr/local/bin/kolla-oci
COPY share/ /usr/local/share/kolla-oci/
RUN ln -s kolla-oci /usr/local/bin/kolla-build

# The base the image tree builds from, in the store jobs start with: the first stage needs
# no registry but the pipeline's own, and every job builds on the same bytes.
ENV KOLLA_OCI_ROOT=/var/lib/kolla-oci
RUN --mount=type=bind,source=bookworm-minbase.tar,target=/tmp/bookworm-minbase.tar \
    kolla-oci import /tmp/bookworm-minbase.tar debian:bookworm

CMD ["kolla-oci", "info"]
