# escape=`
FROM debian:bookworm AS base
ARG VERSION=1.0 EMPTY
ENV PATH=/usr/local/bin:$PATH HOME=${HOME:-/root} X=${VERSION:+set} Y="${A}b'c'" Z='$A'
RUN <<EOT bash
  set -e
  echo "${VERSION}"
EOT
COPY <<-EOF /etc/motd
	hello $HOME
	EOF
RUN --mount=type=cache,target=/var/cache/apt --network=none echo `
    continued \
    line
LABEL "a b"="c d" e=f\ g
HEALTHCHECK NONE
CMD ["sh", "-c", "echo ${Z}"]
