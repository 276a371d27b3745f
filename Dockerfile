# GECCO Flow worker and API (one image, the command picks the process; see docker-compose.yml).
# TypeScript runs directly through tsx, as in development: no build step, the sources are the artefact.
FROM node:20-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, so source edits don't invalidate this layer. tsx is a runtime dependency.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY . .

USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "api/server.ts"]
