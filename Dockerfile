# syntax=docker/dockerfile:1
# Build stage: full install (dev dependencies included) to type-check the source.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json drizzle.config.ts ./
COPY src ./src
COPY drizzle ./drizzle
RUN npx tsc --noEmit -p tsconfig.json

# Runtime stage: production dependencies only, run as the unprivileged `node` user.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
# The `node` npm package (a dev dependency) is not needed: this image already is Node 24.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/src ./src
COPY --from=build /app/drizzle ./drizzle
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
# Node/V8 flags: src/runtime-flags.ts (test/server/runtime-flags.test.ts keeps them in step).
CMD ["node", "--max-semi-space-size=16", "--external-memory-accounted-in-global-limit", "--experimental-strip-types", "--no-warnings=ExperimentalWarning", "src/main.ts"]
