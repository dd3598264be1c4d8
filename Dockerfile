# Crosslink server image: a static Go binary on distroless, running as a non-root user.
#
#   docker build -t crosslink .        (or: docker compose up --build, with Neo4j beside it)
#
# The UI is built with Node in its own stage (codegen reads the GraphQL schema from schema/), and
# the Go build embeds it (ui/static/app). ui/node_modules and ui/static/app are in
# .dockerignore: the image always builds the UI itself.
FROM node:22-bookworm AS ui
WORKDIR /src/ui
COPY ui/package.json ui/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY schema/ /src/schema/
COPY ui/ ./
RUN npm run build

FROM golang:1.25-bookworm AS build
WORKDIR /src
# Modules first, so that a change to the source does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=ui /src/ui/static/app ui/static/app
RUN CGO_ENABLED=0 go build -trimpath -o /out/crosslink ./cmd/crosslink

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/crosslink /crosslink
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/crosslink"]
CMD ["serve"]
