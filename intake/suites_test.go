package intake

import (
	"context"
	"testing"
)

// The hash suite is what the namespace started with, whatever the setting says later;
// a namespace an older build used keeps the aes hashes it has.
func TestPinHashSuite(t *testing.T) {
	c, older := connect(t, openRealRedis(t)), connect(t, openRealRedis(t))
	ctx := context.Background()
	for i, tt := range []struct {
		want, got Suite
	}{{SuiteSM, SuiteSM}, {SuiteAES, SuiteSM}, {SuiteSM, SuiteSM}} {
		if got, err := PinHashSuite(ctx, c.rdb, c.ns, tt.want); err != nil || got != tt.got {
			t.Errorf("start %d with %s: %s, %v; want %s", i+1, tt.want, got, err, tt.got)
		}
	}
	if _, _, err := testStore(t, older).Create(ctx, sampleTicket("sms:old"), "gw", RoleSystem); err != nil {
		t.Fatal(err)
	}
	if got, err := PinHashSuite(ctx, older.rdb, older.ns, SuiteSM); err != nil || got != SuiteAES {
		t.Errorf("a namespace an older build used, started with sm: %s, %v; want aes", got, err)
	}
}
