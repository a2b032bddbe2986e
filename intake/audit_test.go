package intake

import (
	"testing"
	"time"
)

func sampleChain(id string) []AuditEntry {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var chain []AuditEntry
	add := func(actor string, role Role, a Action, from, to Status, note string) {
		var prev *AuditEntry
		if len(chain) > 0 {
			prev = &chain[len(chain)-1]
		}
		chain = append(chain, NextAudit(id, prev, at.Add(time.Duration(len(chain))*time.Hour), actor, role, a, from, to, note))
	}
	add("hotline-7", RoleOperator, "create", "", StatusReceived, "来电登记")
	add("intake-1", RoleIntake, ActAccept, StatusReceived, StatusAccepted, "")
	add("intake-1", RoleIntake, ActRoute, StatusAccepted, StatusRouted, "交办 县纪委第二室")
	add("handler-3", RoleHandler, ActStart, StatusRouted, StatusInProgress, "")
	return chain
}

func TestAuditChainVerifies(t *testing.T) {
	chain := sampleChain("T1")
	if i, err := VerifyChain("T1", chain, chain[len(chain)-1].Hash); i != -1 || err != nil {
		t.Fatalf("intact chain: %d, %v", i, err)
	}
	if i, err := VerifyChain("T1", nil, ""); i != -1 || err != nil {
		t.Fatalf("empty chain: %d, %v", i, err)
	}
}

func TestAuditChainDetectsTampering(t *testing.T) {
	id := "T1"
	tests := []struct {
		name   string
		tamper func([]AuditEntry) ([]AuditEntry, string)
		bad    int
	}{
		{"a note edited", func(c []AuditEntry) ([]AuditEntry, string) {
			c[2].Note = "直办"
			return c, c[3].Hash
		}, 2},
		{"an entry edited and its hash recomputed", func(c []AuditEntry) ([]AuditEntry, string) {
			c[1].Actor = "someone-else"
			c[1].Hash = c[1].digest(id)
			return c, c[3].Hash
		}, 2},
		{"an entry removed", func(c []AuditEntry) ([]AuditEntry, string) {
			return append(c[:1:1], c[2:]...), c[3].Hash
		}, 1},
		{"two entries swapped", func(c []AuditEntry) ([]AuditEntry, string) {
			c[1], c[2] = c[2], c[1]
			return c, c[3].Hash
		}, 1},
		{"the last entry cut off", func(c []AuditEntry) ([]AuditEntry, string) {
			return c[:3], c[3].Hash
		}, 3},
		{"a time moved", func(c []AuditEntry) ([]AuditEntry, string) {
			c[0].At = c[0].At.Add(-24 * time.Hour)
			return c, c[3].Hash
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chain, head := tt.tamper(sampleChain(id))
			i, err := VerifyChain(id, chain, head)
			if err == nil || i != tt.bad {
				t.Errorf("VerifyChain = %d, %v; want entry %d reported", i, err, tt.bad)
			}
		})
	}
	// A whole chain moved to another ticket does not verify either.
	chain := sampleChain(id)
	if _, err := VerifyChain("T2", chain, chain[3].Hash); err == nil {
		t.Error("a chain verified under another ticket's id")
	}
}
