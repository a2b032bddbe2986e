# Build: docker build -t qingfeng .      Run: docker compose up (see compose.yaml)
# A static binary with the dictionaries and model data embedded, running as non-root.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# nodemo: a release has no in-memory demo store (compose.yaml gives it Redis).
RUN CGO_ENABLED=0 go build -trimpath -tags nodemo -ldflags="-s -w" -o /out/qingfeng ./cmd/qingfeng

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/qingfeng /usr/local/bin/qingfeng
USER nonroot
ENV QINGFENG_ADDR=:8080 QINGFENG_DATA_DIR=/data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/qingfeng"]
CMD ["serve"]
