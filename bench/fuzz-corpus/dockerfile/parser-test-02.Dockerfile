# escape=`
FROM scratch
RUN echo a `
    b
RUN <<EOF
set -e
echo "$HOME"
EOF
COPY <<-"conf" /etc/app.conf
\tkey=value
\tconf
RUN echo after
