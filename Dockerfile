# Cydweithio in a container: the build stage compiles, the runtime stage holds production dependencies only and runs
# as the unprivileged "node" user. Build: docker build -t cydweithio .   Run: see docs/deploying.md.
# tests/deploy/productionInstall.test.ts does what these stages do (npm ci, build, prune) without Docker and starts
# the bot with this file's CMD, so a missing runtime dependency or a wrong flag fails CI.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY adaptiveCards ./adaptiveCards
RUN npx tsc -p tsconfig.json \
 # What the built code reads at run time besides itself: card templates, migrations, seed data (every non-.ts file).
 && mkdir -p /out/dist \
 && find src adaptiveCards -type f ! -name '*.ts' -exec cp --parents {} /out/ \; \
 && cp -r dist/src /out/dist/src

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# MALLOC_ARENA_MAX=1 as npm start and start:prod set it: glibc hands back the memory V8 freed after compiling PGlite's
# WebAssembly (docs/configuration.md), instead of keeping it in per-thread arenas.
ENV NODE_ENV=production PORT=3978 DATA_DIR=/app/data MALLOC_ARENA_MAX=1
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /out ./
# Only the embedded database (local trials) writes here; a deployment sets DATABASE_URL.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3978
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3978) + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The flags are package.json's config.nodeFlags, as npm start and npm run start:prod use (a test keeps them equal).
CMD ["node", "--single-threaded-gc", "--expose-gc", "dist/src/index.js"]
