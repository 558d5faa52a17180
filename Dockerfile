# Tally: one static binary in a small, non-root image.
#   docker build -t tally .
#   docker run -e DATABASE_URL=... -p 8080:8080 tally            (serve)
#   docker run -e MIGRATE_DATABASE_URL=... tally migrate           (schema)
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/tally ./cmd/tally
# The evidence folder (FILES_DIR), owned by nonroot so a volume mounted
# there starts writable; with S3_BUCKET set it is unused.
RUN mkdir -p /out/files

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tally /usr/local/bin/tally
COPY --from=build --chown=65532:65532 /out/files /var/lib/tally/files
USER nonroot:nonroot
ENV ADDR=:8080 FILES_DIR=/var/lib/tally/files
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/tally"]
CMD ["serve"]
