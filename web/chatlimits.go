package web

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Per-address chat limits. They are kept in this process, not in Redis: a hello is
// unauthenticated and must cost no Redis write (a flood of them once left thousands of
// keys), and a connection lives on one instance, so counting connections here is exact.
// Behind several instances an address gets each instance's hello allowance; the
// connection cap and the per-connection message limit hold on every one.
const (
	chatConnsPerAddr    = 10      // open chats one client address may hold
	chatHellosPerMinute = 30      // hellos (new or resumed conversations) per address
	chatAddrsTracked    = 100_000 // addresses counted at once; past this, new ones wait for idle ones to go
)

type addrLimits struct {
	mu    sync.Mutex
	addrs map[string]*addrState
	swept time.Time
}

type addrState struct {
	conns  int
	hellos *rate.Limiter
	seen   time.Time
}

// connect counts a new chat from addr; false means the address has as many open as it
// may.
func (a *addrLimits) connect(addr string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.state(addr, now)
	if st == nil || st.conns >= chatConnsPerAddr {
		return false
	}
	st.conns++
	return true
}

// disconnect ends a chat that connect counted.
func (a *addrLimits) disconnect(addr string, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if st := a.addrs[addr]; st != nil {
		st.conns--
		st.seen = now
	}
}

// hello spends one of addr's hellos; false means none is left this minute.
func (a *addrLimits) hello(addr string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.state(addr, now)
	return st != nil && st.hellos.AllowN(now, 1)
}

// state finds or starts addr's counters; nil when too many addresses are counted.
func (a *addrLimits) state(addr string, now time.Time) *addrState {
	if st := a.addrs[addr]; st != nil {
		st.seen = now
		return st
	}
	if now.Sub(a.swept) >= time.Minute {
		a.sweep(now)
	}
	if len(a.addrs) >= chatAddrsTracked {
		return nil
	}
	if a.addrs == nil {
		a.addrs = map[string]*addrState{}
	}
	st := &addrState{hellos: rate.NewLimiter(rate.Every(time.Minute/chatHellosPerMinute), chatHellosPerMinute), seen: now}
	a.addrs[addr] = st
	return st
}

// sweep forgets addresses with no open chat that have been quiet for a minute: their
// hello allowance is whole again by then, so forgetting them changes nothing.
func (a *addrLimits) sweep(now time.Time) {
	a.swept = now
	for addr, st := range a.addrs {
		if st.conns == 0 && now.Sub(st.seen) >= time.Minute {
			delete(a.addrs, addr)
		}
	}
}

// clientAddr is what the limits count: an IPv4 address, or an IPv6 /64, which one
// subscriber usually holds whole.
func clientAddr(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a = a.Unmap(); a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}
