# Crosslink server image: a static Go binary on distroless, running as a non-root user.
#
#   docker build -t crosslink .        (or: docker compose up --build, with Neo4j beside it)
#
# A later stage will build the UI with Node once ui/ has a package.json, roughly:
#   FROM node:22-bookworm AS ui
#   WORKDIR /ui
#   COPY ui/package.json ui/package-lock.json ./
#   RUN npm ci
#   COPY ui/ ./
#   RUN npm run build
# and the build stage below will take ui/dist from it (COPY --from=ui /ui/dist ui/dist) before
# `go build`, so that the server serves the built UI. ui/dist is in .dockerignore on purpose: the
# image always builds the UI itself.

FROM golang:1.25-bookworm AS build
WORKDIR /src
# Modules first, so that a change to the source does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/crosslink ./cmd/crosslink

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/crosslink /crosslink
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/crosslink"]
CMD ["serve"]
