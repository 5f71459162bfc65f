# syntax=docker/dockerfile:1
# Tollgate: a static binary on a distroless base, run as a non-root user.
# Point it at PostgreSQL with TOLLGATE_DATABASE_URL (see compose.yaml); the
# embedded database is for a single machine, not for containers.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/tollgate ./cmd/tollgate

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tollgate /usr/local/bin/tollgate
USER nonroot:nonroot
EXPOSE 8080
ENV TOLLGATE_ADDR=:8080
ENTRYPOINT ["/usr/local/bin/tollgate"]
CMD ["serve"]
