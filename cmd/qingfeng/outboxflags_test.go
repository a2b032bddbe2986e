package main

import (
	"log/slog"
	"strings"
	"testing"
)

// A half-configured outbox stops serve at start, naming the variable; a whole one
// picks its SMS sender.
func TestOutboxFlags(t *testing.T) {
	base := outboxFlags{run: true, twilioBase: "https://api.twilio.com", quiet: "22:00-08:00", tries: "8"}
	with := func(f func(*outboxFlags)) outboxFlags { o := base; f(&o); return o }
	for _, tc := range []struct {
		name    string
		flags   outboxFlags
		env     map[string]string
		sender  string // the SMS sender's name, "" for none
		wantErr string
	}{
		{"no SMS sender", base, nil, "", ""},
		{"gateway", with(func(o *outboxFlags) { o.smsURL = "http://127.0.0.1:9/sms" }), map[string]string{"QINGFENG_SMS_SEND_SECRET": "s"}, "gateway", ""},
		{"twilio", with(func(o *outboxFlags) { o.twilioSID, o.twilioFrom = "AC1", "+15005550006" }), map[string]string{"QINGFENG_TWILIO_TOKEN": "t"}, "twilio", ""},
		{"gateway without secret", with(func(o *outboxFlags) { o.smsURL = "http://127.0.0.1:9/sms" }), nil, "", "QINGFENG_SMS_SEND_SECRET"},
		{"gateway not a URL", with(func(o *outboxFlags) { o.smsURL = "127.0.0.1:9" }), map[string]string{"QINGFENG_SMS_SEND_SECRET": "s"}, "", "QINGFENG_SMS_SEND_URL"},
		{"two senders", with(func(o *outboxFlags) { o.smsURL, o.twilioSID = "http://127.0.0.1:9/sms", "AC1" }), nil, "", "choose one"},
		{"twilio without sender", with(func(o *outboxFlags) { o.twilioSID = "AC1" }), map[string]string{"QINGFENG_TWILIO_TOKEN": "t"}, "", "QINGFENG_TWILIO_FROM"},
		{"bad quiet hours", with(func(o *outboxFlags) { o.quiet = "22-8" }), nil, "", "QINGFENG_QUIET_HOURS"},
		{"no tries", with(func(o *outboxFlags) { o.tries = "0" }), nil, "", "QINGFENG_NOTICE_TRIES"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"QINGFENG_SMS_SEND_SECRET", "QINGFENG_TWILIO_TOKEN"} {
				t.Setenv(k, tc.env[k])
			}
			box, err := tc.flags.outbox(nil, nil, slog.New(slog.DiscardHandler))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("err %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := box.SMSSender(); got != tc.sender {
				t.Errorf("SMS sender %q, want %q", got, tc.sender)
			}
		})
	}
}
