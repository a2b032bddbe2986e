# Build: docker build -t qingfeng .
# Use:   docker run -i qingfeng classify < complaints.jsonl
# (the server, `qingfeng serve`, arrives with the web issue)
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/qingfeng ./cmd/qingfeng

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/qingfeng /usr/local/bin/qingfeng
USER nonroot
ENTRYPOINT ["/usr/local/bin/qingfeng"]
