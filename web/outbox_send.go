package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// OutMessage is one notice as a sender sends it; the generic gateway gets it as JSON.
type OutMessage struct {
	ID   string `json:"id"`   // the notice's id: the gateway's idempotency key
	To   string `json:"to"`   // a phone number, or (WeChat) the conversation
	Text string `json:"text"` // what the reporter reads
}

// NoticeSender sends notices on one channel. An error wrapped in permanent is not
// worth another try (a number the gateway refuses, a sender not configured); any other
// is tried again later.
type NoticeSender interface {
	Send(ctx context.Context, m OutMessage) (providerID string, err error)
	Name() string // for the notice record: gateway, twilio, wechat
}

// senderClient keeps enough connections open for a batch of notices sent side by side
// (the default keeps two, and would open a connection for nearly every send).
func senderClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Timeout: 15 * time.Second, Transport: tr}
}

// permanent marks a failure that another try would not mend.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// retryable says whether an HTTP status is worth another try: the other side is busy,
// down or asks us to slow down; any other refusal is about the message.
func retryable(status int) bool {
	return status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout
}

// httpFailure is the error of a refused request; its text names the status only (a
// gateway's body may quote the number).
func httpFailure(who string, status int, detail string) error {
	err := fmt.Errorf("%s: HTTP %d%s", who, status, detail)
	if retryable(status) {
		return err
	}
	return permanent{err}
}

// transportFailure strips the URL from a client error: it may hold credentials.
func transportFailure(who string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("%s: %w", who, err)
}

// GatewaySender posts {"id","to","text"} to a generic SMS gateway
// (QINGFENG_SMS_SEND_URL), signed like our own webhooks: X-Qingfeng-Timestamp and
// X-Qingfeng-Signature, "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body),
// secret QINGFENG_SMS_SEND_SECRET. Any 2xx is taken; the gateway answers a repeated id
// without sending it again. Receipts come back at POST /api/v1/webhooks/sms/status.
type GatewaySender struct {
	url    string
	secret []byte
	client *http.Client
	now    func() time.Time
}

// NewGatewaySender posts to url, signing with secret.
func NewGatewaySender(url string, secret []byte) *GatewaySender {
	return &GatewaySender{url: url, secret: secret, client: senderClient(), now: time.Now}
}

func (g *GatewaySender) Name() string { return "gateway" }

func (g *GatewaySender) Send(ctx context.Context, m OutMessage) (string, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return "", permanent{fmt.Errorf("gateway: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url, bytes.NewReader(body))
	if err != nil {
		return "", permanent{errors.New("gateway: bad QINGFENG_SMS_SEND_URL")}
	}
	ts := strconv.FormatInt(g.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-Qingfeng-Timestamp", ts)
	req.Header.Set("X-Qingfeng-Signature", Sign(g.secret, ts, body))
	resp, err := g.client.Do(req)
	if err != nil {
		return "", transportFailure("gateway", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return "", httpFailure("gateway", resp.StatusCode, "")
	}
	return "", nil
}

// TwilioSender sends through Twilio's Messages REST API
// (POST {base}/2010-04-01/Accounts/{sid}/Messages.json, HTTP basic auth with the
// account SID and auth token), from a number or a Messaging Service (MG…). Twilio has
// no idempotency key for messages: the notice record's sent marker is what keeps a send
// from being repeated.
type TwilioSender struct {
	base, sid, token, from string
	client                 *http.Client
}

// DefaultTwilioAPI is Twilio's API base.
const DefaultTwilioAPI = "https://api.twilio.com"

// NewTwilioSender sends from from (a number, or a Messaging Service SID) through the
// API at base (DefaultTwilioAPI, or a test's loopback server).
func NewTwilioSender(base, sid, token, from string) *TwilioSender {
	return &TwilioSender{base: strings.TrimSuffix(base, "/"), sid: sid, token: token, from: from, client: senderClient()}
}

func (t *TwilioSender) Name() string { return "twilio" }

// twilioMessage is what Twilio answers about a message, or about a refusal.
type twilioMessage struct {
	SID  string `json:"sid"`
	Code int    `json:"code"`
}

func (t *TwilioSender) Send(ctx context.Context, m OutMessage) (string, error) {
	form := url.Values{"To": {m.To}, "Body": {m.Text}}
	if strings.HasPrefix(t.from, "MG") {
		form.Set("MessagingServiceSid", t.from)
	} else {
		form.Set("From", t.from)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.base+"/2010-04-01/Accounts/"+url.PathEscape(t.sid)+"/Messages.json",
		strings.NewReader(form.Encode()))
	if err != nil {
		return "", permanent{errors.New("twilio: bad QINGFENG_TWILIO_API_BASE")}
	}
	req.SetBasicAuth(t.sid, t.token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := t.client.Do(req)
	if err != nil {
		return "", transportFailure("twilio", err)
	}
	defer resp.Body.Close()
	var res twilioMessage
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&res) // a refusal's body may not be JSON
	if resp.StatusCode/100 != 2 {
		detail := ""
		if res.Code != 0 {
			detail = fmt.Sprintf(" (error %d)", res.Code) // Twilio's message may quote the number: not kept
		}
		return "", httpFailure("twilio", resp.StatusCode, detail)
	}
	return res.SID, nil
}

// wechatNotices sends WeChat notices through the Official Account's customer-service
// message API (Server.SendWechat), to the conversation the report came from. The
// platform takes these only within 48 h of the citizen's last message: later, the
// contact is gone and the notice is a dead letter for staff to follow up.
type wechatNotices struct{ s *Server }

func (w wechatNotices) Name() string { return "wechat" }

func (w wechatNotices) Send(ctx context.Context, m OutMessage) (string, error) {
	n, err := w.s.rdb.Exists(ctx, w.s.key("wechat", "contact", m.To)).Result()
	if err != nil {
		return "", fmt.Errorf("wechat contact: %w", err)
	}
	if n == 0 {
		return "", permanent{errors.New("wechat: the citizen has not written within 48 h; the platform takes no message")}
	}
	err = w.s.SendWechat(ctx, m.To, m.Text)
	var we *wechatError
	switch {
	case err == nil:
		return "", nil
	case errors.Is(err, errNoWechatSender):
		return "", permanent{err}
	case errors.As(err, &we) && we.ErrCode != wechatBusy:
		return "", permanent{err}
	}
	return "", err
}

// wechatBusy is the platform's "system busy, try later".
const wechatBusy = -1
