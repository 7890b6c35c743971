# syntax=docker/dockerfile:1
#
# docker build --build-arg VERSION=$(git describe --tags --always --dirty) \
#   --build-arg REVISION=$(git rev-parse HEAD) -t rampart .
# docker run --rm -p 8080:8080 -v $PWD/rampart.yaml:/etc/rampart/rampart.yaml:ro rampart
#
# The build stage's go build line is run as written by deploy/docker_test.go,
# which checks that it yields a static binary; keep it on one RUN.

ARG GO_VERSION=1.27.3

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download && go mod verify
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -buildvcs=false -ldflags="-s -w -X main.version=${VERSION}" -o /out/rampart ./cmd/rampart

# distroless/static: CA certificates, tzdata and /etc/passwd, no shell and
# no package manager; the nonroot variant runs as uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="rampart" \
      org.opencontainers.image.source="https://github.com/rampart-api/rampart" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=build /out/rampart /rampart
USER 65532:65532
EXPOSE 8080 9901
# The admin listener's liveness endpoint; there is no shell or curl, so the
# binary probes itself.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/rampart", "healthcheck", "--timeout", "3s", "http://127.0.0.1:9901/healthz"]
ENTRYPOINT ["/rampart"]
CMD ["serve", "--config", "/etc/rampart/rampart.yaml"]
