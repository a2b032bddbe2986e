package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"qingfeng/intake"
	"qingfeng/internal/redistest"
	"qingfeng/internal/testkit"
)

// qingfeng reseal seals a ticket an older build wrote in the clear, with the service's
// key, and finds nothing to do the second time; without a key it refuses.
func TestResealCommand(t *testing.T) {
	ctx := context.Background()
	rdb := redistest.Client(t)
	ns := redistest.Namespace(t, rdb)
	o, _ := intake.LoadOutcomes(nil)
	old := intake.NewStore(rdb, ns, o, time.Now) // an older build: no keyring
	tk, _, err := old.Create(ctx, intake.Ticket{Source: "sms:1", Channel: "sms", Text: "我叫王建国，举报村支书。"}, "gw", intake.RoleSystem)
	if err != nil {
		t.Fatal(err)
	}
	flags := []string{"reseal", "-redis", redistest.URL(), "-namespace", ns}
	t.Setenv("QINGFENG_KEY_FILE", "")
	t.Setenv("QINGFENG_DATA_DIR", t.TempDir())
	t.Setenv("QINGFENG_SECRET_KEY", "")
	var out, errOut bytes.Buffer
	if code := run(ctx, flags, nil, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "QINGFENG_SECRET_KEY") {
		t.Errorf("without a key: exit %d, %s", code, errOut.String())
	}
	t.Setenv("QINGFENG_SECRET_KEY", testkit.SecretKey)
	for _, want := range []string{"1 tickets read, 1 sealed anew", "1 tickets read, 0 sealed anew"} {
		out.Reset()
		if code := run(ctx, flags, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), want) {
			t.Errorf("reseal: exit %d, %q %s; want %q", code, out.String(), errOut.String(), want)
		}
	}
	if text := rdb.HGet(ctx, "qf:{"+ns+"}:t:"+tk.ID, "text").Val(); !intake.IsSealed(text) || strings.Contains(text, "王建国") {
		t.Errorf("stored text after reseal: %q", text)
	}
}
