# Formgate. Build from the repository root, where the workspace lock file is:
#   docker build -t formgate .
#   docker run --rm -p 127.0.0.1:8080:8080 formgate --protect none
# The sources run through tsx (a runtime dependency), so there is no compile stage.

# --- deps: the root package's production dependencies, exactly as locked ---------------------------
FROM node:22-slim AS deps
WORKDIR /app
# Only the manifests, so this layer is rebuilt when dependencies change, not when the code does.
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
# tsconfig.json: tsx reads it (verbatimModuleSyntax decides which imports are kept), as in development.
COPY package.json tsconfig.json ./
COPY bin/ ./bin/
COPY src/ ./src/
COPY examples/forms.yaml ./examples/
# Embedded PGlite keeps its data here when no PostgreSQL is given; a volume mounted here inherits the owner.
RUN mkdir /data && chown node:node /data
# The code stays owned by root: the service cannot rewrite itself.
USER node
EXPOSE 8080
ENTRYPOINT ["node", "bin/formgate.js"]
CMD ["serve"]
