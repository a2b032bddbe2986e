package web

import (
	"net"
	"net/http"
	"testing"
)

func TestParseTrustedProxies(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{"", nil, false},
		{" 10.0.0.0/8 , 192.168.1.5,", []string{"10.0.0.0/8", "192.168.1.5/32"}, false},
		{"fd00::/8,::1", []string{"fd00::/8", "::1/128"}, false},
		{"10.0.0.0/33", nil, true},
		{"proxy.local", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseTrustedProxies(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: error %v", tt.in, err)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("%q: %v, want %v", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if got[i].String() != tt.want[i] {
				t.Errorf("%q: %v, want %v", tt.in, got, tt.want)
			}
		}
	}
}

// X-Forwarded-For is read only from a configured proxy, and only past configured
// proxies: loopback and private peers are not trusted for being near.
func TestClientIPTrustsOnlyConfiguredProxies(t *testing.T) {
	proxies, err := ParseTrustedProxies("10.1.0.0/16")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		trusted bool
		peer    string
		xff     string
		want    string
	}{
		{"no proxies configured: the header is ignored", false, "203.0.113.9:5000", "198.51.100.1", "203.0.113.9"},
		{"no proxies configured, loopback peer", false, "127.0.0.1:5000", "198.51.100.1", "127.0.0.1"},
		{"a configured proxy: the client it saw", true, "10.1.2.3:5000", "198.51.100.1", "198.51.100.1"},
		{"a configured proxy: a forged entry before the real client is not believed", true, "10.1.2.3:5000", "6.6.6.6, 198.51.100.1", "198.51.100.1"},
		{"a chain of configured proxies", true, "10.1.2.3:5000", "198.51.100.1, 10.1.9.9", "198.51.100.1"},
		{"a peer outside the configured range", true, "203.0.113.9:5000", "198.51.100.1", "203.0.113.9"},
		{"a loopback peer not configured", true, "127.0.0.1:5000", "198.51.100.1", "127.0.0.1"},
		{"a private peer not configured", true, "192.168.0.7:5000", "198.51.100.1", "192.168.0.7"},
		{"a configured proxy, no header", true, "10.1.2.3:5000", "", "10.1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg []*net.IPNet
			if tt.trusted {
				cfg = proxies
			}
			req, _ := http.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tt.peer
			if tt.xff != "" {
				req.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := clientIP(cfg)(req); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
