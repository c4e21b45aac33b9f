# syntax=docker/dockerfile:1
# Gatehouse: API + web UI on port 8000. Multi-stage: everything is built in `build` with the
# full toolchain; the final image holds only Node.js, the built files and production
# dependencies, and runs as the unprivileged `node` user.
#
#   docker build -t gatehouse .
#   docker run -p 8000:8000 -v ./config:/config -v gatehouse-data:/var/lib/gatehouse gatehouse

# Node.js 24 LTS (security fixes until April 2028; Node.js 20 lost them on 2026-04-30). The suite
# runs on this same major version in CI (.ci/run).
ARG NODE_IMAGE=node:24-trixie-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
RUN npm install --global pnpm@10.34.8
# Dependencies first: this layer depends on the lockfile and workspace settings alone, so a change
# to the sources reuses it instead of downloading everything again.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch
COPY . .
RUN pnpm install --frozen-lockfile --offline \
 && pnpm --recursive run build \
 && rm -rf node_modules apps/*/node_modules packages/*/node_modules e2e/node_modules \
 && pnpm install --frozen-lockfile --prod --offline --filter @gatehouse/api...

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    CONFIG_DIR=/config
WORKDIR /app
COPY --from=build /src/package.json /src/pnpm-workspace.yaml ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/packages/shared/package.json ./packages/shared/package.json
COPY --from=build /src/packages/shared/dist ./packages/shared/dist
COPY --from=build /src/apps/api/package.json ./apps/api/package.json
COPY --from=build /src/apps/api/node_modules ./apps/api/node_modules
COPY --from=build /src/apps/api/dist ./apps/api/dist
COPY --from=build /src/apps/api/workers ./apps/api/workers
COPY --from=build /src/apps/web/dist ./apps/web/dist
COPY --from=build /src/prisma/migrations ./prisma/migrations
# config.toml is read from /config (CONFIG_DIR); the embedded database, if used, lives under the
# working directory (data_dir "./data"). Mount volumes on both.
RUN mkdir -p /config /var/lib/gatehouse && chown node:node /var/lib/gatehouse
USER node
WORKDIR /var/lib/gatehouse
VOLUME ["/var/lib/gatehouse"]
EXPOSE 8000
# Liveness on loopback: answers at /api/v1/health even under a sub-path frontend_url.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/apps/api/dist/healthcheck.js"]
# SIGTERM (docker stop) drains requests in flight and closes the database before exiting.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/apps/api/dist/main.js"]
