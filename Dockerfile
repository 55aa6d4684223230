# perfsonar-queue application image for the central stack (docker-compose-redis.yml): the scheduler,
# archive and dashboard roles. Measurements run in Dockerfile-perfsonar-testpoint instead.
FROM node:24-bookworm-slim

ENV NODE_ENV=production
WORKDIR /opt/perfsonar-queue

# Production dependencies only: tsx is one of them, since bin/psq.js runs the TypeScript sources.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY workers ./workers

# /data: result files and anything else psq keeps (DATA_DIR defaults to /data in a container with it).
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]

# The image's unprivileged "node" user (uid 1000); none of these roles needs more.
USER node

ENTRYPOINT ["node", "bin/psq.js"]
# Each compose service names its role: command: ["start", "archive"], …
CMD ["help"]
