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
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// WechatSender sends text through the Official Account's customer-service message API,
// for answers that miss the 5 s of a passive reply. The access token is shared by every
// instance through Redis (sealed): the platform's /cgi-bin/token invalidates the token
// before last each time it is called, so instances that each fetched their own would
// keep knocking each other's out.
//
// Key: web:wechat:token  the access token, sealed and bound to the key name; it lives
// until shortly before the platform's expires_in.
type WechatSender struct {
	base, appID, secret string
	client              *http.Client
	rdb                 redis.UniversalClient
	keys                Sealer
	tokenKey            string
}

// newWechatSender is the sender for the API at base (https://api.weixin.qq.com, or a
// test's loopback server).
func newWechatSender(base, appID, secret string, rdb redis.UniversalClient, keys Sealer, tokenKey string) *WechatSender {
	return &WechatSender{base: strings.TrimSuffix(base, "/"), appID: appID, secret: secret,
		client: &http.Client{Timeout: 10 * time.Second}, rdb: rdb, keys: keys, tokenKey: tokenKey}
}

// tokenMargin is how long before the platform's expiry a token is no longer used.
const tokenMargin = 5 * time.Minute

// Token errors after which a fresh token is fetched: invalid (another fetch replaced it)
// and expired.
const (
	wechatTokenInvalid = 40001
	wechatTokenExpired = 42001
)

// wechatError is the platform's error body, returned by every API on failure.
type wechatError struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

func (e *wechatError) Error() string {
	return fmt.Sprintf("wechat api: errcode %d: %s", e.ErrCode, e.ErrMsg)
}

func (e *wechatError) staleToken() bool {
	return e.ErrCode == wechatTokenInvalid || e.ErrCode == wechatTokenExpired
}

type wechatToken struct {
	wechatError
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

type wechatTextBody struct {
	Content string `json:"content"`
}

// wechatCustomMessage is the body of /cgi-bin/message/custom/send.
type wechatCustomMessage struct {
	ToUser  string         `json:"touser"`
	MsgType string         `json:"msgtype"`
	Text    wechatTextBody `json:"text"`
}

// dropTokenScript forgets the shared token only if it is still the one that failed, so
// an instance does not throw away a token another has just fetched.
//
//	KEYS[1] token; ARGV[1] the sealed token that failed
var dropTokenScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// SendText sends text to openid. A token the platform calls invalid or expired is
// dropped and the message sent once more with a fresh one.
func (w *WechatSender) SendText(ctx context.Context, openid, text string) error {
	body, err := json.Marshal(wechatCustomMessage{ToUser: openid, MsgType: "text", Text: wechatTextBody{Content: text}})
	if err != nil {
		return fmt.Errorf("wechat message: %w", err)
	}
	for try := 0; ; try++ {
		token, sealed, err := w.token(ctx)
		if err != nil {
			return err
		}
		var res wechatError
		if err := w.call(ctx, http.MethodPost, "/cgi-bin/message/custom/send", url.Values{"access_token": {token}}, body, &res); err != nil {
			return err
		}
		if res.ErrCode == 0 {
			return nil
		}
		if !res.staleToken() || try > 0 {
			return &res
		}
		if err := dropTokenScript.Run(ctx, w.rdb, []string{w.tokenKey}, sealed).Err(); err != nil {
			return fmt.Errorf("wechat token: %w", err)
		}
	}
}

// token is the shared access token, fetched and stored when there is none. It also
// gives the token as stored, for dropTokenScript.
func (w *WechatSender) token(ctx context.Context) (token, sealed string, err error) {
	sealed, err = w.rdb.Get(ctx, w.tokenKey).Result()
	switch {
	case err == nil:
		plain, err := w.keys.Open(sealed, w.tokenKey)
		if err == nil {
			return string(plain), sealed, nil
		}
		// A token sealed under a retired key is useless; fetch another.
	case !errors.Is(err, redis.Nil):
		return "", "", fmt.Errorf("wechat token: %w", err)
	}
	var res wechatToken
	q := url.Values{"grant_type": {"client_credential"}, "appid": {w.appID}, "secret": {w.secret}}
	if err := w.call(ctx, http.MethodGet, "/cgi-bin/token", q, nil, &res); err != nil {
		return "", "", err
	}
	if res.ErrCode != 0 || res.AccessToken == "" {
		return "", "", &res.wechatError
	}
	expires := time.Duration(res.ExpiresIn) * time.Second
	ttl := max(expires-tokenMargin, expires/2)
	if ttl <= 0 {
		return res.AccessToken, "", nil // no expiry given: use it once, keep nothing
	}
	if sealed, err = w.keys.Seal([]byte(res.AccessToken), w.tokenKey); err != nil {
		return "", "", fmt.Errorf("wechat token: %w", err)
	}
	if err := w.rdb.Set(ctx, w.tokenKey, sealed, ttl).Err(); err != nil {
		return "", "", fmt.Errorf("wechat token: %w", err)
	}
	return res.AccessToken, sealed, nil
}

// call does one API request and decodes its JSON answer. The URL holds the secret or
// the token, so errors name the path only.
func (w *WechatSender) call(ctx context.Context, method, path string, q url.Values, body []byte, into any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, w.base+path+"?"+q.Encode(), rd)
	if err != nil {
		return fmt.Errorf("wechat %s: bad API base", path)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := w.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("wechat %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("wechat %s: HTTP %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(into); err != nil {
		return fmt.Errorf("wechat %s: %w", path, err)
	}
	return nil
}
