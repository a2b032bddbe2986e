package web

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestTwilioStyleSMS(t *testing.T) {
	e := newEnv(t)
	// newEnv has no Twilio token: the route says so.
	resp, err := http.PostForm(e.srv.URL+"/api/v1/webhooks/sms/twilio", url.Values{"Body": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("without a token: %d", resp.StatusCode)
	}
}

func TestTwilioSignatureAndTwiML(t *testing.T) {
	e := newEnvWith(t, func(c *Config) { c.TwilioToken = "twilio-token" })
	post := func(form url.Values, sig string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/webhooks/sms/twilio", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	form := url.Values{"MessageSid": {"SM1"}, "From": {"+8613800000000"}, "To": {"12388"}, "Body": {"县交警大队民警收钱放车，不开罚单。"}}
	sig := twilioSignature("twilio-token", e.srv.URL+"/api/v1/webhooks/sms/twilio", form)
	code, body := post(form, sig)
	if code != 200 || !strings.Contains(body, "<Response><Message>") || !strings.Contains(body, "什么时候") {
		t.Fatalf("TwiML: %d %s", code, body)
	}
	// The same message again (Twilio retries): the same answer, not a second step.
	if code, again := post(form, sig); code != 200 || again != body {
		t.Errorf("retry: %d %s", code, again)
	}
	if code, _ := post(form, "forged"); code != http.StatusUnauthorized {
		t.Errorf("forged signature: %d", code)
	}
	bad := url.Values{"MessageSid": {"SM3"}, "From": {"+8613800000000"}, "Body": {"局长\xff收钱"}}
	if code, body := post(bad, twilioSignature("twilio-token", e.srv.URL+"/api/v1/webhooks/sms/twilio", bad)); code != http.StatusBadRequest || !strings.Contains(body, "bad_encoding") {
		t.Errorf("invalid UTF-8: %d %s", code, body)
	}
	empty := url.Values{"MessageSid": {"SM2"}, "From": {"+86138"}}
	if code, _ := post(empty, twilioSignature("twilio-token", e.srv.URL+"/api/v1/webhooks/sms/twilio", empty)); code != http.StatusBadRequest {
		t.Errorf("no body: %d", code)
	}
}

func FuzzParseTwilio(f *testing.F) {
	f.Add("MessageSid=SM1&From=%2B86138&Body=hi")
	f.Add("Body=%ff%fe")
	f.Fuzz(func(t *testing.T, q string) {
		form, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		tf, ae := ParseTwilio(form)
		if (tf == nil) == (ae == nil) {
			t.Fatal("want exactly one of form and error")
		}
	})
}
