package web

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"qingfeng/bot"
	"qingfeng/internal/testkit"
)

const (
	wxToken   = "wechat-token-for-tests"
	wxAppID   = "wx0123456789abcdef"
	wxSecret  = "wechat-app-secret"
	wxAESKey  = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	wxAccount = "gh_0123456789ab"
)

// countingDialogue is the real dialogue, counted, and as slow (or as broken) as a test
// needs.
type countingDialogue struct {
	Dialogue
	steps   atomic.Int32
	delay   time.Duration
	failing atomic.Bool // the store is down
}

func (d *countingDialogue) Handle(ctx context.Context, channel, key, text string) (*bot.Reply, error) {
	d.steps.Add(1)
	time.Sleep(d.delay)
	if d.failing.Load() {
		return nil, bot.ErrUnavailable
	}
	return d.Dialogue.Handle(ctx, channel, key, text)
}

// fakeWechatAPI stands in for api.weixin.qq.com on loopback: it issues tokens, refuses
// any but the latest, and records customer-service messages.
type fakeWechatAPI struct {
	srv    *httptest.Server
	mu     sync.Mutex
	tokens int    // tokens issued
	reject []int  // errcodes to answer the next sends with, in turn
	latest string // the only token accepted
	sent   chan wechatCustomMessage
}

func newFakeWechatAPI(t *testing.T) *fakeWechatAPI {
	t.Helper()
	api := &fakeWechatAPI{sent: make(chan wechatCustomMessage, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/token", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("grant_type") != "client_credential" || q.Get("appid") != wxAppID || q.Get("secret") != wxSecret {
			fmt.Fprint(w, `{"errcode":40013,"errmsg":"invalid appid"}`)
			return
		}
		api.mu.Lock()
		defer api.mu.Unlock()
		api.tokens++
		api.latest = fmt.Sprintf("token-%d", api.tokens)
		fmt.Fprintf(w, `{"access_token":%q,"expires_in":7200}`, api.latest)
	})
	mux.HandleFunc("POST /cgi-bin/message/custom/send", func(w http.ResponseWriter, r *http.Request) {
		api.mu.Lock()
		defer api.mu.Unlock()
		if r.URL.Query().Get("access_token") != api.latest {
			fmt.Fprint(w, `{"errcode":40001,"errmsg":"invalid credential"}`)
			return
		}
		if len(api.reject) > 0 {
			fmt.Fprintf(w, `{"errcode":%d,"errmsg":"refused"}`, api.reject[0])
			api.reject = api.reject[1:]
			return
		}
		var m wechatCustomMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		api.sent <- m
		fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
	})
	api.srv = httptest.NewServer(mux)
	t.Cleanup(api.srv.Close)
	return api
}

func (a *fakeWechatAPI) issued() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tokens
}

// newWechatEnv is the real server, dialogue and Redis, with the WeChat channel set up
// against a loopback API.
func newWechatEnv(t *testing.T, delay time.Duration, tune func(*Config)) (*env, *countingDialogue, *fakeWechatAPI) {
	t.Helper()
	k := testkit.New(t)
	api := newFakeWechatAPI(t)
	cfg := DefaultConfig()
	cfg.Namespace, cfg.WebhookSecret, cfg.Keys = k.NS, secret, k.Keys
	cfg.WechatToken, cfg.WechatAESKey, cfg.WechatAppID, cfg.WechatSecret, cfg.WechatAPIBase = wxToken, wxAESKey, wxAppID, wxSecret, api.srv.URL
	tune(&cfg)
	d := &countingDialogue{Dialogue: bot.New(k.Intake, k.Analyzer, bot.NewRedisSessions(k.Redis, k.NS, time.Hour, k.Keys)), delay: delay}
	s := New(k.Intake, d, k.Redis, slog.New(slog.DiscardHandler), cfg)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &env{site: s, srv: srv, store: k.Store, rdb: k.Redis, ns: k.NS}, d, api
}

// wxQuery is the query string the platform signs, at time ts.
func wxQuery(ts int64, nonce string) url.Values {
	stamp := strconv.FormatInt(ts, 10)
	return url.Values{"timestamp": {stamp}, "nonce": {nonce}, "signature": {wechatSignature(wxToken, stamp, nonce)}}
}

// wxMessage is a message as the platform posts it; fields is the XML after the sender.
func wxMessage(openid string, fields string) []byte {
	return []byte(fmt.Sprintf(`<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime>%s</xml>`,
		wxAccount, openid, time.Now().Unix(), fields))
}

func wxText(openid, msgID, content string) []byte {
	return wxMessage(openid, fmt.Sprintf(`<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%s</MsgId>`, content, msgID))
}

func (e *env) wechat(t *testing.T, method string, q url.Values, body []byte) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+"/api/v1/webhooks/wechat?"+q.Encode(), bytes.NewReader(body))
	req.Header.Set("Content-Type", "text/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// wxReply is a passive text reply as the platform reads it.
type wxReply struct {
	ToUserName, FromUserName, MsgType, Content string
	CreateTime                                 int64
}

func parseReply(t *testing.T, body string) wxReply {
	t.Helper()
	var r wxReply
	if err := xml.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("reply is not XML: %v: %s", err, body)
	}
	return r
}

func TestWechatVerification(t *testing.T) {
	e, _, _ := newWechatEnv(t, 0, func(*Config) {})
	bare, _, _ := newWechatEnv(t, 0, func(c *Config) { c.WechatToken = "" })
	now := time.Now().Unix()
	forged := wxQuery(now, "n1")
	forged.Set("signature", wechatSignature("another-token", forged.Get("timestamp"), "n1"))
	for _, tc := range []struct {
		name string
		env  *env
		q    url.Values
		code int
		body string
	}{
		{"signed", e, wxQuery(now, "n1"), 200, "5316290373948204523"},
		{"forged", e, forged, 401, "签名校验失败"},
		{"unsigned", e, url.Values{"timestamp": {strconv.FormatInt(now, 10)}, "nonce": {"n1"}}, 401, "签名校验失败"},
		{"stale", e, wxQuery(now-3600, "n1"), 401, "请求已过期"},
		{"no token configured", bare, wxQuery(now, "n1"), 503, "服务未配置"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.Set("echostr", "5316290373948204523")
			code, body, h := tc.env.wechat(t, http.MethodGet, tc.q, nil)
			if code != tc.code || !strings.Contains(body, tc.body) {
				t.Fatalf("%d %s, want %d %s", code, body, tc.code, tc.body)
			}
			if code == 200 && (body != "5316290373948204523" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain")) {
				t.Errorf("echo: %q as %s", body, h.Get("Content-Type"))
			}
		})
	}
}

// A plain-mode text message gets an XML text reply to the sender, from the account,
// carrying what the dialogue answered.
func TestWechatPlainTextReply(t *testing.T) {
	e, d, _ := newWechatEnv(t, 0, func(*Config) {})
	openid := "oQF0testPlainOpenID000000001"
	code, body, h := e.wechat(t, http.MethodPost, wxQuery(time.Now().Unix(), "n2"), wxText(openid, "1001", "县交警大队民警收钱放车，不开罚单。"))
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/xml") {
		t.Fatalf("%d %s %s", code, h.Get("Content-Type"), body)
	}
	r := parseReply(t, body)
	if r.ToUserName != openid || r.FromUserName != wxAccount || r.MsgType != "text" || time.Since(time.Unix(r.CreateTime, 0)) > time.Minute {
		t.Errorf("addressed wrongly: %+v", r)
	}
	if !strings.Contains(r.Content, "什么时候") {
		t.Errorf("reply is not the dialogue's next question: %q", r.Content)
	}
	if d.steps.Load() != 1 {
		t.Errorf("%d dialogue steps, want 1", d.steps.Load())
	}
}

// What is not a good message is refused before the dialogue sees it. The server-wide
// body limit is raised so that the channel's own is what refuses a large body.
func TestWechatRejects(t *testing.T) {
	e, d, _ := newWechatEnv(t, 0, func(c *Config) { c.MaxBody = 1 << 20 })
	now := time.Now().Unix()
	good := wxText("oQF0testRejects", "2001", "你好")
	forged := wxQuery(now, "n3")
	forged.Set("signature", strings.Repeat("0", 40))
	sealed := wxQuery(now, "n3")
	sealed.Set("encrypt_type", "aes")
	sealed.Set("msg_signature", strings.Repeat("0", 40))
	for _, tc := range []struct {
		name      string
		q         url.Values
		body      []byte
		code      int
		errorCode string
	}{
		{"bad signature", forged, good, 401, "bad_signature"},
		{"stale", wxQuery(now-600, "n3"), good, 401, "stale"},
		{"malformed XML", wxQuery(now, "n3"), []byte(`<xml><FromUserName>o1</FromUserName><MsgType>text`), 400, "bad_xml"},
		{"not XML", wxQuery(now, "n3"), []byte(`{"text":"hi"}`), 400, "bad_xml"},
		{"invalid UTF-8", wxQuery(now, "n3"), wxText("oQF0testRejects", "2002", "局长\xff收钱"), 400, "bad_xml"},
		{"no sender", wxQuery(now, "n3"), []byte(`<xml><ToUserName>gh</ToUserName><MsgType>text</MsgType><Content>hi</Content></xml>`), 400, "missing_field"},
		{"too large", wxQuery(now, "n3"), wxText("oQF0testRejects", "2003", strings.Repeat("贪", 70<<10/3)), 413, "too_large"},
		{"bad message signature", sealed, []byte(`<xml><ToUserName>gh</ToUserName><Encrypt>QUJD</Encrypt></xml>`), 401, "bad_signature"},
		{"ciphertext without encrypt_type", wxQuery(now, "n3"), []byte(`<xml><ToUserName>gh</ToUserName><Encrypt>QUJD</Encrypt></xml>`), 400, "bad_xml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, _ := e.wechat(t, http.MethodPost, tc.q, tc.body)
			var out map[string]string
			_ = json.Unmarshal([]byte(body), &out)
			if code != tc.code || out["error"] != tc.errorCode || out["message"] == "" {
				t.Errorf("%d %s, want %d %s with a message", code, body, tc.code, tc.errorCode)
			}
		})
	}
	if n := d.steps.Load(); n != 0 {
		t.Errorf("%d dialogue steps for refused messages", n)
	}
}

// The platform's published safe-mode example decrypts to its message, and its signature
// checks: the crypto is the platform's, not merely self-consistent.
func TestWechatCryptoOfficialVector(t *testing.T) {
	const (
		token     = "QDG6eK"
		aesKey    = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
		appID     = "wx5823bf96d3bd56c7"
		timestamp = "1409659813"
		nonce     = "1372623149"
		signature = "477715d11cdb4164915debcba66cb864d751f3e6"
		encrypted = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
	)
	if got := wechatSignature(token, timestamp, nonce, encrypted); got != signature {
		t.Errorf("message signature %s, want %s", got, signature)
	}
	key, err := ParseWechatAESKey(aesKey)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := (&wechatCipher{key: key, appID: appID}).decrypt(encrypted)
	if err != nil {
		t.Fatal(err)
	}
	m, ae := ParseWechat(plain)
	if ae != nil || m.Content != "hello" || m.MsgID != "4561255354251345929" {
		t.Errorf("decrypted %+v %v: %s", m, ae, plain)
	}
	if _, err := (&wechatCipher{key: key, appID: "wx-another-account"}).decrypt(encrypted); err == nil {
		t.Error("a message sealed for another AppID was opened")
	}
	for _, bad := range []string{"", "abc", strings.Repeat("x", 43) + "!", aesKey + "A"} {
		if _, err := ParseWechatAESKey(bad); err == nil {
			t.Errorf("AES key %q accepted", bad)
		}
	}
}

// Safe mode: a message encrypted as the platform does is answered with an encrypted,
// signed reply that decrypts to the reply for the sender.
func TestWechatSafeModeRoundTrip(t *testing.T) {
	e, d, _ := newWechatEnv(t, 0, func(*Config) {})
	key, _ := ParseWechatAESKey(wxAESKey)
	platform := &wechatCipher{key: key, appID: wxAppID}
	openid := "oQF0testSafeModeOpenID00001"
	seal := func(plain []byte, appID string) (url.Values, []byte) {
		enc, err := (&wechatCipher{key: key, appID: appID}).encrypt(plain)
		if err != nil {
			t.Fatal(err)
		}
		q := wxQuery(time.Now().Unix(), "n4")
		q.Set("encrypt_type", "aes")
		q.Set("openid", openid)
		q.Set("msg_signature", wechatSignature(wxToken, q.Get("timestamp"), "n4", enc))
		return q, []byte(fmt.Sprintf(`<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>`, wxAccount, enc))
	}

	q, body := seal(wxText(openid, "3001", "县交警大队民警收钱放车，不开罚单。"), wxAppID)
	code, out, _ := e.wechat(t, http.MethodPost, q, body)
	if code != 200 {
		t.Fatalf("%d %s", code, out)
	}
	var env struct{ Encrypt, MsgSignature, TimeStamp, Nonce string }
	if err := xml.Unmarshal([]byte(out), &env); err != nil || env.Encrypt == "" {
		t.Fatalf("not a sealed reply: %v %s", err, out)
	}
	if strings.Contains(out, openid) || strings.Contains(out, "什么时候") {
		t.Errorf("sealed reply shows its content: %s", out)
	}
	if env.MsgSignature != wechatSignature(wxToken, env.TimeStamp, env.Nonce, env.Encrypt) {
		t.Error("reply signature does not check")
	}
	plain, err := platform.decrypt(env.Encrypt)
	if err != nil {
		t.Fatal(err)
	}
	r := parseReply(t, string(plain))
	if r.ToUserName != openid || r.FromUserName != wxAccount || !strings.Contains(r.Content, "什么时候") {
		t.Errorf("decrypted reply %+v", r)
	}

	// Sealed for another account, or signed over another ciphertext: refused.
	q, body = seal(wxText(openid, "3002", "你好"), "wx-another-account")
	if code, out, _ := e.wechat(t, http.MethodPost, q, body); code != 400 || !strings.Contains(out, "bad_cipher") {
		t.Errorf("another AppID: %d %s", code, out)
	}
	q, body = seal(wxText(openid, "3003", "你好"), wxAppID)
	q.Set("msg_signature", wechatSignature(wxToken, q.Get("timestamp"), "n4", "another"))
	if code, out, _ := e.wechat(t, http.MethodPost, q, body); code != 401 || !strings.Contains(out, "bad_signature") {
		t.Errorf("message signature over another ciphertext: %d %s", code, out)
	}
	if n := d.steps.Load(); n != 1 {
		t.Errorf("%d dialogue steps, want 1", n)
	}
}

// The platform retries a message it got no answer to; the retry gets the same reply and
// the dialogue does not take the text a second time.
func TestWechatRetryRunsTheDialogueOnce(t *testing.T) {
	e, d, _ := newWechatEnv(t, 0, func(*Config) {})
	openid := "oQF0testRetryOpenID00000001"
	msg := wxText(openid, "4001", "县交警大队民警收钱放车，不开罚单。")
	_, first, _ := e.wechat(t, http.MethodPost, wxQuery(time.Now().Unix(), "n5"), msg)
	for i := 0; i < 3; i++ {
		code, again, _ := e.wechat(t, http.MethodPost, wxQuery(time.Now().Unix(), "n5"), msg)
		if code != 200 || parseReply(t, again).Content != parseReply(t, first).Content {
			t.Errorf("retry %d: %d %s, want %s", i+1, code, again, first)
		}
	}
	if n := d.steps.Load(); n != 1 {
		t.Errorf("%d dialogue steps for one message retried, want 1", n)
	}
	// Another sender naming the same MsgId is another message, not a way to read the
	// first sender's reply.
	_, other, _ := e.wechat(t, http.MethodPost, wxQuery(time.Now().Unix(), "n5"), wxText("oQF0testRetryOther", "4001", "你好"))
	if r := parseReply(t, other); r.ToUserName != "oQF0testRetryOther" || r.Content == parseReply(t, first).Content {
		t.Errorf("a forged MsgId got %+v", r)
	}
}

// A dialogue slower than the passive window: "success" at once, and the reply through
// the customer-service API, with a token refreshed when the platform calls it invalid.
// A retry of the message sends nothing more.
func TestWechatSlowDialogueRepliesThroughTheAPI(t *testing.T) {
	const delay = 1500 * time.Millisecond
	e, d, api := newWechatEnv(t, delay, func(c *Config) { c.WechatReplyWithin = 200 * time.Millisecond })
	api.mu.Lock()
	api.reject = []int{wechatTokenExpired}
	api.mu.Unlock()
	openid := "oQF0testSlowOpenID000000001"
	msg := wxText(openid, "5001", "县交警大队民警收钱放车，不开罚单。")
	start := time.Now()
	code, body, _ := e.wechat(t, http.MethodPost, wxQuery(time.Now().Unix(), "n6"), msg)
	if code != 200 || body != "success" || time.Since(start) >= delay {
		t.Fatalf("passive answer: %d %q after %s", code, body, time.Since(start))
	}
	select {
	case m := <-api.sent:
		if m.ToUser != openid || m.MsgType != "text" || !strings.Contains(m.Text.Content, "什么时候") {
			t.Errorf("sent %+v", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no customer-service message")
	}
	if n := api.issued(); n != 2 {
		t.Errorf("%d tokens fetched, want 2 (one refused as expired)", n)
	}
	code, body, _ = e.wechat(t, http.MethodPost, wxQuery(time.Now().Unix(), "n6"), msg)
	if code != 200 || body != "success" {
		t.Errorf("retry of a message answered late: %d %q", code, body)
	}
	select {
	case m := <-api.sent:
		t.Errorf("sent twice: %+v", m)
	case <-time.After(delay + 500*time.Millisecond):
	}
	if n := d.steps.Load(); n != 1 {
		t.Errorf("%d dialogue steps, want 1", n)
	}
}

// A retry that comes while the first delivery is still at work gets "success" at once
// (the first answers), not an error the platform would show the citizen.
func TestWechatRetryDuringWork(t *testing.T) {
	e, d, _ := newWechatEnv(t, time.Second, func(*Config) {})
	msg := wxText("oQF0testBusyOpenID", "4501", "县交警大队民警收钱放车，不开罚单。")
	first := make(chan string, 1)
	go func() {
		_, body, _ := e.wechat(t, http.MethodPost, wxQuery(time.Now().Unix(), "n9"), msg)
		first <- body
	}()
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	code, body, _ := e.wechat(t, http.MethodPost, wxQuery(time.Now().Unix(), "n9"), msg)
	if code != 200 || body != "success" || time.Since(start) > 500*time.Millisecond {
		t.Errorf("retry during work: %d %q after %s", code, body, time.Since(start))
	}
	if r := parseReply(t, <-first); !strings.Contains(r.Content, "什么时候") {
		t.Errorf("first delivery: %+v", r)
	}
	if n := d.steps.Load(); n != 1 {
		t.Errorf("%d dialogue steps, want 1", n)
	}
}

// When the dialogue fails, the citizen is asked to send the message again: in the
// passive reply, or through the API when the failure came after the window. Nothing is
// stored, so the message sent again is answered.
func TestWechatFailedStepAsksToResend(t *testing.T) {
	for _, tc := range []struct {
		name  string
		delay time.Duration
	}{{"within the window", 0}, {"after the window", 800 * time.Millisecond}} {
		t.Run(tc.name, func(t *testing.T) {
			e, d, api := newWechatEnv(t, tc.delay, func(c *Config) { c.WechatReplyWithin = 300 * time.Millisecond })
			d.failing.Store(true)
			msg := wxText("oQF0testFailOpenID", "8001", "县交警大队民警收钱放车，不开罚单。")
			// answer is what the citizen is told: the passive reply, or what the API got.
			answer := func() string {
				code, body, _ := e.wechat(t, http.MethodPost, wxQuery(time.Now().Unix(), "n10"), msg)
				if code != 200 {
					t.Fatalf("%d %s", code, body)
				}
				if tc.delay == 0 {
					return parseReply(t, body).Content
				}
				select {
				case m := <-api.sent:
					return m.Text.Content
				case <-time.After(10 * time.Second):
					t.Fatal("nothing sent")
				}
				return ""
			}
			if got := answer(); got != messages["wechat_resend"] {
				t.Errorf("told %q, want %q", got, messages["wechat_resend"])
			}
			d.failing.Store(false)
			if got := answer(); !strings.Contains(got, "什么时候") {
				t.Errorf("the message sent again got %q", got)
			}
			if n := d.steps.Load(); n != 2 {
				t.Errorf("%d dialogue steps, want 2 (the failed one and the one sent again)", n)
			}
		})
	}
}

// The customer-service sender keeps one token for every send, takes a fresh one when
// the platform calls it invalid or expired, and reports any other refusal.
func TestWechatSenderTokens(t *testing.T) {
	for _, tc := range []struct {
		name    string
		reject  []int
		tokens  int
		wantErr bool
	}{
		{"cached", nil, 1, false},
		{"invalid token", []int{wechatTokenInvalid}, 2, false},
		{"expired token", []int{wechatTokenExpired}, 2, false},
		{"refused twice", []int{wechatTokenExpired, wechatTokenExpired}, 2, true},
		{"outside the 48 h window", []int{45015}, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _, api := newWechatEnv(t, 0, func(*Config) {})
			ctx := context.Background()
			w := e.site.wechat.sender
			if err := w.SendText(ctx, "oQF0testSender", "第一条"); err != nil {
				t.Fatal(err)
			}
			<-api.sent
			api.mu.Lock()
			api.reject = tc.reject
			api.mu.Unlock()
			err := w.SendText(ctx, "oQF0testSender", "第二条")
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if n := api.issued(); n != tc.tokens {
				t.Errorf("%d tokens fetched, want %d", n, tc.tokens)
			}
			stored, _ := e.rdb.Get(ctx, e.site.key("wechat", "token")).Result()
			if strings.Contains(stored, "token-") {
				t.Errorf("access token stored in the clear: %s", stored)
			}
		})
	}
}

// Every kind of message gets its answer: the menu, the follow, a photo, speech.
func TestWechatMessageKinds(t *testing.T) {
	e, d, _ := newWechatEnv(t, 0, func(*Config) {})
	welcome := e.site.dialogue.Greeting().Text
	for i, tc := range []struct {
		name, fields, want string
		dialogue           bool
	}{
		{"follow", `<MsgType>event</MsgType><Event>subscribe</Event>`, welcome, false},
		{"menu 我要举报", `<MsgType>event</MsgType><Event>CLICK</Event><EventKey>REPORT</EventKey>`, welcome, false},
		{"menu 查询进度", `<MsgType>event</MsgType><Event>CLICK</Event><EventKey>查询进度</EventKey>`, messages["wechat_query_help"], false},
		{"photo", `<MsgType>image</MsgType><PicUrl>http://mmbiz.qpic.cn/x</PicUrl><MediaId>m1</MediaId><MsgId>6001</MsgId>`, messages["wechat_image"], false},
		{"speech", `<MsgType>voice</MsgType><MediaId>m2</MediaId><Format>amr</Format><Recognition>县交警大队民警收钱放车，不开罚单。</Recognition><MsgId>6002</MsgId>`, "什么时候", true},
		{"speech unheard", `<MsgType>voice</MsgType><MediaId>m3</MediaId><Format>amr</Format><Recognition></Recognition><MsgId>6003</MsgId>`, messages["wechat_voice_unheard"], false},
		{"video", `<MsgType>video</MsgType><MediaId>m4</MediaId><MsgId>6004</MsgId>`, messages["wechat_unsupported"], false},
		{"unfollow", `<MsgType>event</MsgType><Event>unsubscribe</Event>`, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := d.steps.Load()
			openid := "oQF0testKinds" + strconv.Itoa(i)
			code, body, _ := e.wechat(t, http.MethodPost, wxQuery(time.Now().Unix(), "n7"), wxMessage(openid, tc.fields))
			if code != 200 {
				t.Fatalf("%d %s", code, body)
			}
			if tc.want == "" {
				if body != "success" {
					t.Errorf("answered %q, want success", body)
				}
				return
			}
			if r := parseReply(t, body); r.ToUserName != openid || !strings.Contains(r.Content, tc.want) {
				t.Errorf("reply %+v, want %q", r, tc.want)
			}
			if ran := d.steps.Load() > before; ran != tc.dialogue {
				t.Errorf("dialogue ran: %v, want %v", ran, tc.dialogue)
			}
		})
	}
}

// A whole report over WeChat files a ticket, and Redis never holds the openid in the
// clear: not in a key name, not in any value.
func TestWechatReportKeepsNoOpenIDInTheClear(t *testing.T) {
	e, _, _ := newWechatEnv(t, 0, func(*Config) {})
	openid := "oQF0testClearOpenIDzz9876543"
	var last wxReply
	for i, text := range []string{"县交警大队的民警拦车罚款不开票，一次要两百块，不给就扣车。", "上周五", "没有", "匿名", "确认"} {
		code, body, _ := e.wechat(t, http.MethodPost, wxQuery(time.Now().Unix(), "n8"), wxText(openid, strconv.Itoa(7000+i), text))
		if code != 200 {
			t.Fatalf("%q: %d %s", text, code, body)
		}
		last = parseReply(t, body)
	}
	if !strings.Contains(last.Content, "编号") || e.count(t) != 1 {
		t.Fatalf("no ticket: %q, %d tickets", last.Content, e.count(t))
	}
	// The openid is kept, sealed, for replies that come later.
	conversation := e.site.tickets.LookupHash("wechat-session", openid)
	if _, err := e.rdb.Get(context.Background(), e.site.key("wechat", "contact", conversation)).Result(); err != nil {
		t.Errorf("no contact kept for late replies: %v", err)
	}
	for k, v := range e.everything(t) {
		if strings.Contains(k, openid) || strings.Contains(v, openid) {
			t.Errorf("%s holds the openid in the clear: %.200s", k, v)
		}
	}
}

// everything is every key of the test's namespace with its value, whatever its type.
func (e *env) everything(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := e.namespaceDump(t, "*")
	for k, v := range out {
		if v != `"(other type)"` {
			continue
		}
		var val any
		switch typ := e.rdb.Type(ctx, k).Val(); typ {
		case "set":
			val = e.rdb.SMembers(ctx, k).Val()
		case "zset":
			val = e.rdb.ZRangeWithScores(ctx, k, 0, -1).Val()
		case "stream":
			val = e.rdb.XRange(ctx, k, "-", "+").Val()
		default:
			t.Fatalf("%s: type %s not read", k, typ)
		}
		raw, _ := json.Marshal(val)
		out[k] = string(raw)
	}
	return out
}

// Whatever a sender posts, the parser answers a message or an error, never a panic.
func FuzzParseWechat(f *testing.F) {
	f.Add([]byte(`<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>`))
	f.Add([]byte(`<xml><ToUserName>gh</ToUserName><Encrypt>QUJD</Encrypt></xml>`))
	f.Add([]byte(`<xml><CreateTime>x</CreateTime></xml>`))
	f.Add([]byte("<xml>\xff</xml>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, ae := ParseWechat(body)
		if (m == nil) == (ae == nil) {
			t.Fatal("want exactly one of message and error")
		}
	})
}

// Any ciphertext decrypts to what was sealed, or is refused; never a panic.
func FuzzWechatDecrypt(f *testing.F) {
	key, _ := ParseWechatAESKey(wxAESKey)
	c := &wechatCipher{key: key, appID: wxAppID}
	f.Add("", []byte("<xml/>"))
	f.Add("QUJD", []byte{})
	f.Add(strings.Repeat("A", 64), []byte("你好"))
	f.Fuzz(func(t *testing.T, encoded string, msg []byte) {
		_, _ = c.decrypt(encoded)
		enc, err := c.encrypt(msg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.decrypt(enc)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("round trip: %v %q, want %q", err, got, msg)
		}
	})
}
