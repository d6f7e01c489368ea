# Formgate. Build from the repository root, where the workspace lock file is:
#   docker build -t formgate .
#   docker run --rm -p 127.0.0.1:8080:8080 formgate --protect none
# One image for every role: `serve` runs both halves, `serve --no-ui` the API alone, and
# `serve --no-api --api-url URL` the web client alone, which reads only dist/ (its pages' stylesheet is
# dist/web/assets/) and node_modules: no forms file, no migrations, no database. compose.yaml runs those two.
# The image runs the compiled JavaScript (npm run build → dist/): no TypeScript sources, tsx or esbuild.

# --- build: every dependency of the root package (TypeScript included), then npm run build -----------
FROM node:22-slim AS build
WORKDIR /app
# Only the manifests first, so this layer is rebuilt when dependencies change, not when the code does.
COPY package.json package-lock.json ./
COPY auth-service-example/package.json auth-service-example/
RUN npm ci --workspaces=false --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin/build.js ./bin/
COPY src/ ./src/
RUN npm run build

# --- deps: the root package's production dependencies, exactly as locked ---------------------------
FROM node:22-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY auth-service-example/package.json auth-service-example/
# --workspaces=false: the root package alone; the example identity service's dependencies stay out.
RUN npm ci --omit=dev --workspaces=false --no-audit --no-fund

# --- runtime -----------------------------------------------------------------------------------------
FROM node:22-slim
ENV NODE_ENV=production \
    FORMGATE_HOST=0.0.0.0 \
    FORMGATE_DATABASE_URL=file:///data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# package.json: its "type": "module" makes Node read dist/*.js as ES modules.
COPY package.json ./
# The build's output: the compiled modules and what they read beside them (dist/db/migrations/).
COPY --from=build /app/dist/ ./dist/
COPY examples/forms.yaml ./examples/
# Embedded PGlite keeps its data here when no PostgreSQL is given; a volume mounted here inherits the owner.
RUN mkdir /data && chown node:node /data
# The code stays owned by root: the service cannot rewrite itself.
USER node
# The template a new embedded database starts from (src/db/template.ts), made once here in the service
# user's cache (~/.cache/formgate), so a container's first start skips PGlite's initdb.
RUN node dist/cli.js migrate --database-url memory:// --log-level warn
EXPOSE 8080
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["serve"]
