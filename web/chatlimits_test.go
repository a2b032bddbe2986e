package web

import (
	"testing"
	"time"
)

// The per-address counters: an IPv6 /64 counts as one client, hellos come back at their
// rate, and quiet addresses are forgotten while busy ones are not.
func TestChatAddressLimits(t *testing.T) {
	for _, tt := range []struct{ ip, addr string }{
		{"203.0.113.7", "203.0.113.7"},
		{"::ffff:203.0.113.7", "203.0.113.7"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"},
		{"not an address", "not an address"},
	} {
		if got := clientAddr(tt.ip); got != tt.addr {
			t.Errorf("clientAddr(%q) = %q, want %q", tt.ip, got, tt.addr)
		}
	}

	var a addrLimits
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i := 0; i < chatHellosPerMinute; i++ {
		if !a.hello("x", now) {
			t.Fatalf("hello %d refused", i+1)
		}
	}
	if a.hello("x", now) || !a.hello("y", now) {
		t.Error("the hello allowance is not per address")
	}
	if !a.hello("x", now.Add(time.Minute/chatHellosPerMinute)) {
		t.Error("no hello came back after its interval")
	}

	for i := 0; i < chatConnsPerAddr; i++ {
		a.connect("busy", now)
	}
	if a.connect("busy", now) {
		t.Error("an address opened more chats than allowed")
	}
	a.disconnect("busy", now)
	if !a.connect("busy", now) {
		t.Error("a closed chat made no room")
	}

	later := now.Add(2 * time.Minute)
	a.hello("z", later) // the first new address after a minute sweeps
	if _, kept := a.addrs["x"]; kept {
		t.Error("a quiet address was kept")
	}
	if st := a.addrs["busy"]; st == nil || st.conns != chatConnsPerAddr {
		t.Errorf("an address with open chats was forgotten: %+v", st)
	}
}
