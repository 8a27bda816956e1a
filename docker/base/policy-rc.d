#!/bin/sh
# kolla-oci: container images start their service through kolla_start, never through
# init scripts. invoke-rc.d asks this script first; 101 means "action not allowed", so
# package maintainer scripts install services without starting them.
exit 101
