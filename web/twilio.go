package web

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// twilioSignature is how Twilio-style gateways sign a form post: base64 of
// HMAC-SHA1(auth token, the full URL followed by every parameter name and value, sorted).
func twilioSignature(token, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		for _, v := range form[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// TwilioForm is the part of a Twilio-style SMS post the dialogue needs.
type TwilioForm struct {
	MessageSid, From, To, Body string
}

// ParseTwilio checks a Twilio-style form for what an SMS needs. Percent-escapes decode
// to any bytes, so each value is checked for UTF-8.
func ParseTwilio(form url.Values) (*TwilioForm, *apiError) {
	for _, vs := range form {
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return nil, fail(http.StatusBadRequest, "bad_encoding")
			}
		}
	}
	f := &TwilioForm{MessageSid: form.Get("MessageSid"), From: form.Get("From"), To: form.Get("To"), Body: form.Get("Body")}
	for _, r := range []struct{ name, v string }{{"MessageSid", f.MessageSid}, {"From", f.From}, {"Body", f.Body}} {
		if strings.TrimSpace(r.v) == "" {
			return nil, fail(http.StatusBadRequest, "missing_field", r.name)
		}
	}
	if len(f.MessageSid) > 200 || len(f.From) > 40 {
		return nil, fail(http.StatusBadRequest, "bad_json")
	}
	return f, nil
}

// twiml is the gateway's reply format: one <Message> per segment.
type twiml struct {
	XMLName  xml.Name `xml:"Response"`
	Messages []string `xml:"Message"`
}

// twilioWebhook accepts Twilio-style SMS posts (X-Twilio-Signature) and answers TwiML,
// so common gateways work unchanged. The URL they signed is the public one
// (Config.PublicURL) when the service sits behind a proxy.
func (s *Server) twilioWebhook(c echo.Context) error {
	if s.cfg.TwilioToken == "" {
		return fail(http.StatusServiceUnavailable, "not_configured")
	}
	req := c.Request()
	if err := req.ParseForm(); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	base := s.cfg.PublicURL
	if base == "" {
		base = c.Scheme() + "://" + req.Host
	}
	want := twilioSignature(s.cfg.TwilioToken, strings.TrimSuffix(base, "/")+req.URL.RequestURI(), req.PostForm)
	if !hmac.Equal([]byte(want), []byte(req.Header.Get("X-Twilio-Signature"))) {
		return fail(http.StatusUnauthorized, "bad_signature")
	}
	f, ae := ParseTwilio(req.PostForm)
	if ae != nil {
		return ae
	}
	ans, err := s.answerSMS(req.Context(), "twilio:"+f.MessageSid, f.From, f.Body)
	if err != nil {
		return err
	}
	return c.XML(http.StatusOK, twiml{Messages: ans.Segments})
}
