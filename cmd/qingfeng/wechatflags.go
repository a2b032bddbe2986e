package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"

	"qingfeng/web"
)

// wechatFlags configure the WeChat Official Account channel (README, "Configuration").
// The secrets are better given in the environment: a command line is visible to every
// user of the machine.
type wechatFlags struct {
	token, aesKey, appID, secret, apiBase string
}

func (w *wechatFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&w.token, "wechat-token", os.Getenv("QINGFENG_WECHAT_TOKEN"), "WeChat Official Account server token; the WeChat webhook answers 503 without it; env QINGFENG_WECHAT_TOKEN")
	fs.StringVar(&w.aesKey, "wechat-aes-key", os.Getenv("QINGFENG_WECHAT_AES_KEY"), "WeChat EncodingAESKey (43 characters) for safe mode; env QINGFENG_WECHAT_AES_KEY")
	fs.StringVar(&w.appID, "wechat-appid", os.Getenv("QINGFENG_WECHAT_APPID"), "WeChat AppID; env QINGFENG_WECHAT_APPID")
	fs.StringVar(&w.secret, "wechat-secret", os.Getenv("QINGFENG_WECHAT_SECRET"), "WeChat AppSecret, for replies sent after the 5 s window; env QINGFENG_WECHAT_SECRET")
	fs.StringVar(&w.apiBase, "wechat-api-base", envOr("QINGFENG_WECHAT_API_BASE", "https://api.weixin.qq.com"), "WeChat API base URL; env QINGFENG_WECHAT_API_BASE")
}

// apply checks the settings and puts them in cfg; a half-configured channel is refused
// at start rather than discovered on the first message.
func (w *wechatFlags) apply(cfg *web.Config, log *slog.Logger) error {
	if w.aesKey != "" {
		if _, err := web.ParseWechatAESKey(w.aesKey); err != nil {
			return fmt.Errorf("QINGFENG_WECHAT_AES_KEY: %w", err)
		}
		if w.appID == "" {
			return errors.New("QINGFENG_WECHAT_AES_KEY needs QINGFENG_WECHAT_APPID: safe-mode messages are sealed for it")
		}
	}
	if u, err := url.Parse(w.apiBase); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("QINGFENG_WECHAT_API_BASE: want an http(s) URL such as https://api.weixin.qq.com")
	}
	if w.token != "" && (w.appID == "" || w.secret == "") {
		log.Warn("QINGFENG_WECHAT_APPID or QINGFENG_WECHAT_SECRET is not set: WeChat replies slower than 4 s are lost")
	}
	cfg.WechatToken, cfg.WechatAESKey, cfg.WechatAppID, cfg.WechatSecret, cfg.WechatAPIBase = w.token, w.aesKey, w.appID, w.secret, w.apiBase
	return nil
}
