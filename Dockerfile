# Concord's production image: build with the full toolchain, ship production dependencies only.
# test/integration/deploy/production-install.test.ts runs these same steps outside Docker (it reads
# the runtime stage's COPY --from=build lines), so edit both together.

# Build stage: the lockfile's exact dependencies (dev included) and the TypeScript build into dist/.
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
# Manifests first, so a source-only change reuses the cached dependency layer.
COPY package.json package-lock.json ./
# npm's download cache is a build cache mount (the same one in both stages): kept between builds and
# shared by the runtime stage's install, never written into a layer.
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Runtime stage: production dependencies, the compiled code and the files it reads at run time.
FROM node:24.21.0-bookworm-slim AS runtime
# HOST: listen on every interface, the container's port is the boundary (the default is loopback).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
COPY package.json package-lock.json ./
# dev dependencies (the node@24 runtime package, TypeScript, Jest, esbuild, React, GraphiQL's sources)
# are left out, so their install scripts never run; GraphiQL ships prebuilt in dist/graphiql-assets/.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
# Read at run time from the package root (src/package-root.ts): the SDL and the trusted-documents manifest.
COPY --from=build /app/schema ./schema
COPY --from=build /app/client/generated/persisted-documents.json ./client/generated/persisted-documents.json
# Files stay root-owned and read-only to the process; it writes nothing to disk.
USER node
# 4000: GraphQL and probes; 9464: /metrics and /status (ADMIN_PORT), for the scraper, not the internet.
EXPOSE 4000 9464
# Slim images have no curl: node's own fetch checks liveness.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node as PID 1 directly (not npm): SIGTERM reaches Concord, which drains and exits 0.
# V8's garbage-collector headroom bounded (README, "Memory"): Concord's live heap is ~40 MiB, but by
# default the young generation grew to 128 MiB under load and the old one to 2.5x the live heap
# before a full collection. --expose-gc lets Concord run one memory-reducing collection once started
# (src/runtime/settle-memory.ts): idle RSS ~105 MiB instead of ~138. bench/ starts Concord with this
# line (bench/processes.ts).
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=30", "--expose-gc", "dist/src/main.js"]
