//go:build nodemo

package intake

import (
	"errors"
	"log/slog"
)

// startEmbedded: a release build (-tags nodemo) has no in-memory demo store.
func startEmbedded(*slog.Logger) (*Backend, error) {
	return nil, errors.New("no Redis: set REDIS_URL (or QINGFENG_REDIS_ADDRS) or install redis-server; this build has no in-memory demo store")
}
