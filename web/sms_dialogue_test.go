package web

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// Over SMS the gateway tells the sender's number: a real-name reporter is not asked for
// it, and the ticket can call them back on it.
func TestSMSRealNameIsNotAskedForItsNumber(t *testing.T) {
	e := newEnv(t)
	from := "13800138111"
	var reply string
	for i, text := range []string{"我们村的低保名额都给了有关系的人，真正困难的人评不上。", "村委会", "村支书王某", "去年十月", "没有", "实名", "李秀英", "确认"} {
		code, out := e.post(t, "/api/v1/webhooks/sms", SMSMessage{MessageID: fmt.Sprintf("rn-%d", i), From: from, To: "12388", Text: text}, 0)
		if code != http.StatusOK {
			t.Fatalf("%q: %d %v", text, code, out)
		}
		reply, _ = out["reply"].(string)
		if strings.Contains(reply, "联系电话") {
			t.Fatalf("after %q the SMS asks for a phone: %q", text, reply)
		}
		if text == "李秀英" && !strings.Contains(reply, "电话：本机号码") {
			t.Errorf("the summary does not say the reply goes to this number: %q", reply)
		}
	}
	number := regexp.MustCompile(`QF-\d{8}-\d{6,9}`).FindString(reply)
	tk, err := e.store.Get(context.Background(), number)
	if err != nil || !tk.RealName || tk.PhoneHash != e.site.tickets.LookupHash("phone", from) {
		t.Fatalf("ticket %q of %q: %+v, %v", number, reply, tk, err)
	}
}
