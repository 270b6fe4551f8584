# The kopt image: `kopt agent` in the cluster (helm/kopt-agent), or any kopt command in a pipeline.
#   docker build -t ghcr.io/<org>/kopt:0.1.0 .
# Two stages: the first compiles the CLI (`npm run build`, esbuild, a dev dependency) into dist/cli/; the image
# holds that build, bin/ and the production dependencies only (no TypeScript sources, no tsx).
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts/build.js ./scripts/
COPY src/ ./src/
RUN npm run build

FROM node:24-slim

# git: kopt commits, branches and pushes through the git CLI (simple-git); ca-certificates: HTTPS to GitHub.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV NODE_ENV=production

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# The program only: no tests, fixtures, benches, charts or runbooks (kopt links runbooks by path, never reads them).
# bin/kopt.js finds no src/ here, so it runs the build.
COPY bin/ ./bin/
COPY --from=build /app/dist/cli/ ./dist/cli/

# The numeric user the chart's securityContext runs as (runAsNonRoot needs a number to check).
USER 10001:10001

ENTRYPOINT ["node", "bin/kopt.js"]
CMD ["agent", "--help"]
