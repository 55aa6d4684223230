# perfsonar-queue application image for the central stack (docker-compose-redis.yml): the scheduler,
# archive and dashboard roles. Measurements run in Dockerfile-perfsonar-testpoint instead.
# Build stage: the dev toolchain (TypeScript) compiles src/ and workers/ to dist/, then the same
# node_modules is reinstalled with production dependencies only. Nothing of it ships but what the
# runtime stage copies.
FROM node:24-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
# --omit=optional also drops the TypeScript native compiler (~30 MB) that @bull-board/api's valibot
# names as an optional peer, and msgpackr's optional native add-on (msgpackr works without it).
RUN npm run build \
 && npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /opt/perfsonar-queue

# The compiled build and its production dependencies: no sources, no compiler, no tsx.
COPY --from=build /build/package.json ./
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
COPY bin ./bin

# /data: result files and anything else psq keeps (DATA_DIR defaults to /data in a container with it).
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]

# The image's unprivileged "node" user (uid 1000); none of these roles needs more.
USER node

ENTRYPOINT ["node", "bin/psq.js"]
# Each compose service names its role: command: ["start", "archive"], …
CMD ["help"]
