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

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tally /usr/local/bin/tally
USER nonroot:nonroot
ENV ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/tally"]
CMD ["serve"]
