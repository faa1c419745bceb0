# Sheaf in a container: the site folder (content/ and site/) is a volume, the process runs as the unprivileged
# `node` user, and the image holds only the built server and its runtime dependencies.
#   docker build -t sheaf .
#   docker run -p 8080:8080 -v "$PWD/mysite:/site" -e SHEAF_URL=https://cms.example.com sheaf

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    SHEAF_HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY examples ./examples
# the site must be writable by this user: Sheaf writes content, accounts, sessions and logs into it
USER node
VOLUME ["/site"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/_sheaf/ready`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) drains requests in flight for server.shutdownTimeout, then exits
CMD ["node", "bin/sheaf.js", "serve", "/site"]
