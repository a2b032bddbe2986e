package web

import (
	"fmt"
	"net"
	"strings"

	"github.com/labstack/echo/v4"
)

// ParseTrustedProxies reads QINGFENG_TRUSTED_PROXIES: CIDRs separated by commas (a bare
// address counts as a single host). Empty means none.
func ParseTrustedProxies(s string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			ip := net.ParseIP(f)
			if ip == nil {
				return nil, fmt.Errorf("trusted proxy %q is neither a CIDR nor an address", f)
			}
			bits := 128
			if ip.To4() != nil {
				bits = 32
			}
			f = fmt.Sprintf("%s/%d", f, bits)
		}
		_, n, err := net.ParseCIDR(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", f, err)
		}
		out = append(out, n)
	}
	return out, nil
}

// clientIP decides what c.RealIP() answers, which every per-client limit keys on. Without
// trusted proxies it is the peer's address, whatever the headers say. With them,
// X-Forwarded-For is read from the right, past the trusted proxies only: echo's own
// defaults (loopback, link-local, private networks trusted) are switched off, since a
// client on the same network could otherwise pick its own address.
func clientIP(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
