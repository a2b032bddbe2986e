package web

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"qingfeng/bot"
)

// The WeChat Official Account (公众号) channel. The platform signs every request's URL
// (token, timestamp, nonce); in safe mode it also encrypts the message and signs the
// ciphertext. Text and voice run the same dialogue as every other channel, keyed by a
// keyed hash of the sender's openid. The platform waits 5 s for a passive reply, so a
// dialogue slower than Config.WechatReplyWithin is answered "success" at once and its
// reply sent through the customer-service message API.
//
// Keys (besides the delivery answers of idempotency.go, kind "wechat"):
//
//	web:wechat:contact:<conversation>  the openid, sealed and bound to the key name, for
//	                                   replies that miss the passive window; kept as long
//	                                   as the platform accepts customer-service messages
//	web:wechat:token                   the API's access token (see WechatSender)

// wechatMaxBody bounds a posted message; the platform's are a few hundred bytes.
const wechatMaxBody = 64 << 10

// wechatContactTTL is the platform's window for customer-service messages after the
// citizen last wrote.
const wechatContactTTL = 48 * time.Hour

// Menu keys of the account's custom menu (CLICK events), by their key or their label.
var wechatMenu = map[string]string{
	"REPORT": "report", "我要举报": "report",
	"QUERY": "query", "查询进度": "query",
}

// wechatChannel is the channel's configuration, ready to use.
type wechatChannel struct {
	token  string
	cipher *wechatCipher // nil: safe mode not configured
	sender *WechatSender // nil: replies that miss the passive window are lost (logged)
}

// newWechatChannel reads the channel's settings; a bad AES key leaves safe mode off
// (serve refuses to start with one, so this is for embedders).
func (s *Server) newWechatChannel() wechatChannel {
	w := wechatChannel{token: s.cfg.WechatToken}
	if s.cfg.WechatAESKey != "" {
		key, err := ParseWechatAESKey(s.cfg.WechatAESKey)
		if err != nil || s.cfg.WechatAppID == "" {
			s.log.Error("WeChat safe mode is off: the AES key is invalid or the AppID is missing", "err", err)
		} else {
			w.cipher = &wechatCipher{key: key, appID: s.cfg.WechatAppID}
		}
	}
	if s.cfg.WechatAppID != "" && s.cfg.WechatSecret != "" && s.cfg.Keys != nil {
		w.sender = newWechatSender(s.cfg.WechatAPIBase, s.cfg.WechatAppID, s.cfg.WechatSecret, s.rdb, s.cfg.Keys, s.key("wechat", "token"))
	}
	return w
}

// WechatMessage is a message or event as the platform posts it. In safe mode the posted
// envelope holds only ToUserName and Encrypt, and Encrypt holds the message.
type WechatMessage struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string
	FromUserName string
	CreateTime   int64
	MsgType      string
	Content      string
	MsgID        string `xml:"MsgId"`
	Recognition  string // voice: the platform's speech recognition
	Event        string
	EventKey     string
	Encrypt      string
}

// ParseWechat decodes a posted message (or a decrypted one) and checks what every
// message needs. encoding/xml refuses invalid UTF-8 and unbalanced markup.
func ParseWechat(body []byte) (*WechatMessage, *apiError) {
	var m WechatMessage
	if err := xml.Unmarshal(body, &m); err != nil {
		return nil, &apiError{Status: http.StatusBadRequest, Code: "bad_xml", Msg: messages["bad_xml"], Err: err}
	}
	if m.Encrypt != "" {
		return &m, nil // the envelope of a safe-mode message: the rest is inside
	}
	for _, f := range []struct{ name, v string }{{"ToUserName", m.ToUserName}, {"FromUserName", m.FromUserName}, {"MsgType", m.MsgType}} {
		if strings.TrimSpace(f.v) == "" {
			return nil, fail(http.StatusBadRequest, "missing_field", f.name)
		}
	}
	if len(m.ToUserName) > 64 || len(m.FromUserName) > 64 || len(m.MsgID) > 64 || len(m.EventKey) > 256 {
		return nil, fail(http.StatusBadRequest, "bad_xml")
	}
	return &m, nil
}

// wechatSigned checks the URL signature every request carries, and its freshness: the
// plain-mode signature covers no body, so a captured URL is good for minutes only.
func (s *Server) wechatSigned(c echo.Context) *apiError {
	if s.wechat.token == "" {
		return fail(http.StatusServiceUnavailable, "not_configured")
	}
	q := c.QueryParams()
	ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if err != nil {
		return fail(http.StatusUnauthorized, "bad_signature")
	}
	if d := s.cfg.Now().Sub(time.Unix(ts, 0)); d > maxSkew || d < -maxSkew {
		return fail(http.StatusUnauthorized, "stale")
	}
	if !signatureMatches(wechatSignature(s.wechat.token, q.Get("timestamp"), q.Get("nonce")), q.Get("signature")) {
		return fail(http.StatusUnauthorized, "bad_signature")
	}
	return nil
}

// wechatVerify answers the platform's check of the server URL: a signed request's
// echostr, echoed as it came.
func (s *Server) wechatVerify(c echo.Context) error {
	if ae := s.wechatSigned(c); ae != nil {
		return ae
	}
	return c.String(http.StatusOK, c.QueryParam("echostr"))
}

// wechatWebhook takes a posted message and answers it passively: an XML text reply, or
// "success" when there is nothing to say now.
func (s *Server) wechatWebhook(c echo.Context) error {
	if ae := s.wechatSigned(c); ae != nil {
		return ae
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, wechatMaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		var he *echo.HTTPError
		if errors.As(err, &mbe) || errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge {
			return fail(http.StatusRequestEntityTooLarge, "too_large")
		}
		return fail(http.StatusBadRequest, "bad_xml")
	}
	m, ae := ParseWechat(body)
	if ae != nil {
		return ae
	}
	q := c.QueryParams()
	safe := q.Get("encrypt_type") == "aes"
	if safe {
		if m, ae = s.openWechat(m, q.Get("timestamp"), q.Get("nonce"), q.Get("msg_signature")); ae != nil {
			return ae
		}
	} else if m.Encrypt != "" {
		return fail(http.StatusBadRequest, "bad_xml") // ciphertext without encrypt_type=aes
	}
	text, err := s.answerWechat(c.Request().Context(), m)
	if err != nil {
		return err
	}
	if text == "" {
		return c.String(http.StatusOK, "success")
	}
	reply, err := xml.Marshal(wechatReply{ToUserName: cdata{m.FromUserName}, FromUserName: cdata{m.ToUserName},
		CreateTime: s.cfg.Now().Unix(), MsgType: cdata{"text"}, Content: cdata{text}})
	if err != nil {
		return fmt.Errorf("wechat reply: %w", err)
	}
	if safe {
		if reply, err = s.sealWechat(reply, q.Get("nonce")); err != nil {
			return err
		}
	}
	return c.Blob(http.StatusOK, "application/xml; charset=utf-8", reply)
}

// openWechat checks a safe-mode envelope's message signature and decrypts it.
func (s *Server) openWechat(env *WechatMessage, timestamp, nonce, signature string) (*WechatMessage, *apiError) {
	if s.wechat.cipher == nil {
		return nil, fail(http.StatusServiceUnavailable, "not_configured")
	}
	if env.Encrypt == "" {
		return nil, fail(http.StatusBadRequest, "missing_field", "Encrypt")
	}
	if !signatureMatches(wechatSignature(s.wechat.token, timestamp, nonce, env.Encrypt), signature) {
		return nil, fail(http.StatusUnauthorized, "bad_signature")
	}
	plain, err := s.wechat.cipher.decrypt(env.Encrypt)
	if err != nil {
		return nil, &apiError{Status: http.StatusBadRequest, Code: "bad_cipher", Msg: messages["bad_cipher"], Err: err}
	}
	m, ae := ParseWechat(plain)
	if ae == nil && m.Encrypt != "" {
		return nil, fail(http.StatusBadRequest, "bad_xml") // no envelope inside an envelope
	}
	return m, ae
}

// sealWechat wraps a reply for safe mode, signed as the platform signs its messages.
func (s *Server) sealWechat(reply []byte, nonce string) ([]byte, error) {
	enc, err := s.wechat.cipher.encrypt(reply)
	if err != nil {
		return nil, err
	}
	ts := strconv.FormatInt(s.cfg.Now().Unix(), 10)
	out, err := xml.Marshal(wechatSealedReply{Encrypt: cdata{enc}, MsgSignature: cdata{wechatSignature(s.wechat.token, ts, nonce, enc)},
		TimeStamp: ts, Nonce: cdata{nonce}})
	if err != nil {
		return nil, fmt.Errorf("wechat reply: %w", err)
	}
	return out, nil
}

// cdata is a text element written as CDATA, as the platform writes its own.
type cdata struct {
	Text string `xml:",cdata"`
}

// wechatReply is a passive text reply: to the sender, from the account.
type wechatReply struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   cdata
	FromUserName cdata
	CreateTime   int64
	MsgType      cdata
	Content      cdata
}

// wechatSealedReply is a passive reply in safe mode.
type wechatSealedReply struct {
	XMLName      xml.Name `xml:"xml"`
	Encrypt      cdata
	MsgSignature cdata
	TimeStamp    string
	Nonce        cdata
}

// answerWechat is what a message gets back now; "" means nothing (yet).
func (s *Server) answerWechat(ctx context.Context, m *WechatMessage) (string, error) {
	switch m.MsgType {
	case "text":
		return s.wechatDialogue(ctx, m, m.Content)
	case "voice":
		if strings.TrimSpace(m.Recognition) == "" {
			return messages["wechat_voice_unheard"], nil
		}
		return s.wechatDialogue(ctx, m, m.Recognition)
	case "image":
		return messages["wechat_image"], nil
	case "event":
		switch {
		case m.Event == "subscribe", m.Event == "CLICK" && wechatMenu[m.EventKey] == "report":
			return wechatText([]bot.Message{s.dialogue.Greeting()}), nil
		case m.Event == "CLICK" && wechatMenu[m.EventKey] == "query":
			return messages["wechat_query_help"], nil
		}
		return "", nil // unsubscribe, location, menu links: nothing to say
	}
	return messages["wechat_unsupported"], nil
}

// wechatAnswer is a dialogue step's reply, stored for the platform's retries. Async
// marks one sent through the customer-service API: a retry of it gets "success", not a
// second copy.
type wechatAnswer struct {
	Text  string `json:"text"`
	Async bool   `json:"async,omitempty"`
}

type wechatResult struct {
	ans *wechatAnswer
	err error
}

// wechatDialogue runs the dialogue once per message (its sender and MsgId) and answers
// within the passive window; a later answer goes out through the API.
func (s *Server) wechatDialogue(ctx context.Context, m *WechatMessage, text string) (string, error) {
	id := m.MsgID
	if id == "" {
		id = "t" + strconv.FormatInt(m.CreateTime, 10)
	}
	// The sender is part of the id: a forged post naming another's MsgId must not be
	// handed that citizen's stored reply.
	id = m.FromUserName + ":" + id
	conversation := s.tickets.LookupHash("wechat-session", m.FromUserName)
	results, gone := make(chan wechatResult), make(chan struct{})
	go s.runWechat(context.WithoutCancel(ctx), id, conversation, m.FromUserName, text, results, gone)

	timer := time.NewTimer(s.cfg.WechatReplyWithin)
	defer timer.Stop()
	select {
	case r := <-results:
		switch {
		case inProgress(r.err):
			return "", nil // the delivery in progress answers
		case r.err != nil:
			// An error status would only show the platform's own "cannot serve" notice;
			// nothing was stored, so the citizen is asked to send it again.
			s.log.Error("wechat message failed", "err", r.err)
			return messages["wechat_resend"], nil
		case r.ans.Async:
			return "", nil // it went out through the API already
		}
		return r.ans.Text, nil
	case <-timer.C:
	case <-ctx.Done():
	}
	close(gone)
	return "", nil
}

// runWechat does the dialogue step and hands its answer to the waiting request, or,
// once the request has given up (gone), sends it through the API.
func (s *Server) runWechat(ctx context.Context, id, conversation, openid, text string, results chan<- wechatResult, gone <-chan struct{}) {
	ran := false
	ans, err := once(ctx, s, "wechat", id, func(ctx context.Context) (*wechatAnswer, error) {
		ran = true
		reply, err := s.wechatStep(ctx, conversation, openid, text)
		if err != nil {
			return nil, err
		}
		ans := &wechatAnswer{Text: reply}
		select {
		case results <- wechatResult{ans: ans}:
		case <-gone:
			ans.Async = true // stored so, before it is sent: a retry must not send it again
		}
		return ans, nil
	})
	if ran && err == nil {
		if ans.Async && ans.Text != "" { // "" when the message went to staff
			s.sendWechatLate(ctx, conversation, ans.Text)
		}
		return
	}
	select {
	case results <- wechatResult{ans: ans, err: err}:
	case <-gone:
		if err != nil && !inProgress(err) {
			s.log.Error("wechat message failed after the passive window", "err", err)
			s.sendWechatLate(ctx, conversation, messages["wechat_resend"])
		}
	}
}

// inProgress is once's answer while another delivery of the same message is at work.
func inProgress(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.Code == "in_progress"
}

// wechatStep keeps the sender's openid (sealed) for late replies, then runs the dialogue.
func (s *Server) wechatStep(ctx context.Context, conversation, openid, text string) (string, error) {
	key := s.key("wechat", "contact", conversation)
	sealed, err := s.cfg.Keys.Seal([]byte(openid), key)
	if err != nil {
		return "", fmt.Errorf("seal wechat contact: %w", err)
	}
	if err := s.rdb.Set(ctx, key, sealed, wechatContactTTL).Err(); err != nil {
		return "", unavailable(err)
	}
	switch held, err := s.citizenToStaff(ctx, "wechat", conversation, text); {
	case err != nil:
		return "", err
	case held: // a person has the conversation: the bot stays quiet, staff answer through the API
		return "", nil
	}
	reply, err := s.dialogue.Handle(ctx, "wechat", conversation, text)
	if err != nil {
		return "", err
	}
	if reply.Ticket != "" {
		s.metrics.ticketCreated("wechat")
	}
	if reply.Handoff {
		if err := s.askedForPerson(ctx, "wechat", conversation, "", text, reply); err != nil {
			return "", err
		}
	}
	return wechatText(reply.Messages), nil
}

// wechatText writes the bot's messages as one text, with the quick replies a web page
// would show as buttons.
func wechatText(msgs []bot.Message) string {
	var b strings.Builder
	for i, m := range msgs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(m.Text)
		if len(m.Options) > 0 {
			b.WriteByte('\n')
			fmt.Fprintf(&b, messages["wechat_options"], strings.Join(m.Options, "／"))
		}
	}
	return b.String()
}

// wechatLateTries is how often a late reply is tried before it is given up (and logged).
const wechatLateTries = 3

// sendWechatLate sends a reply that missed the passive window, trying again on failure.
func (s *Server) sendWechatLate(ctx context.Context, conversation, text string) {
	wait := time.Second
	for try := 1; ; try++ {
		err := s.SendWechat(ctx, conversation, text)
		if err == nil {
			return
		}
		var we *wechatError
		if try == wechatLateTries || errors.As(err, &we) || errors.Is(err, errNoWechatSender) {
			s.log.Error("wechat late reply not delivered", "tries", try, "err", err)
			return
		}
		time.Sleep(wait)
		wait *= 2
	}
}

var errNoWechatSender = errors.New("wechat: customer-service API not configured (QINGFENG_WECHAT_APPID, QINGFENG_WECHAT_SECRET)")

// SendWechat sends text to the WeChat citizen of a conversation (the dialogue's key),
// through the customer-service message API. The platform accepts these for 48 h after
// the citizen last wrote; after that the contact is gone and this fails.
func (s *Server) SendWechat(ctx context.Context, conversation, text string) error {
	if s.wechat.sender == nil {
		return errNoWechatSender
	}
	key := s.key("wechat", "contact", conversation)
	sealed, err := s.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return errors.New("wechat: no contact kept for this conversation")
	}
	if err != nil {
		return fmt.Errorf("wechat contact: %w", err)
	}
	openid, err := s.cfg.Keys.Open(sealed, key)
	if err != nil {
		return fmt.Errorf("wechat contact: %w", err)
	}
	return s.wechat.sender.SendText(ctx, string(openid), text)
}
