package main

import (
	"log/slog"
	"strings"
	"testing"

	"qingfeng/web"
)

// A half-configured WeChat channel stops serve at start, naming the variable.
func TestWechatFlags(t *testing.T) {
	const key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	for _, tc := range []struct {
		name    string
		flags   wechatFlags
		wantErr string
	}{
		{"plain mode", wechatFlags{token: "t", apiBase: "https://api.weixin.qq.com"}, ""},
		{"safe mode", wechatFlags{token: "t", aesKey: key, appID: "wx1", secret: "s", apiBase: "http://127.0.0.1:9"}, ""},
		{"short AES key", wechatFlags{token: "t", aesKey: key[:42], appID: "wx1", apiBase: "https://api.weixin.qq.com"}, "QINGFENG_WECHAT_AES_KEY"},
		{"AES key without AppID", wechatFlags{token: "t", aesKey: key, apiBase: "https://api.weixin.qq.com"}, "QINGFENG_WECHAT_APPID"},
		{"API base not a URL", wechatFlags{token: "t", apiBase: "api.weixin.qq.com"}, "QINGFENG_WECHAT_API_BASE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := web.DefaultConfig()
			err := tc.flags.apply(&cfg, slog.New(slog.DiscardHandler))
			if tc.wantErr == "" {
				if err != nil || cfg.WechatToken != tc.flags.token || cfg.WechatAESKey != tc.flags.aesKey || cfg.WechatAPIBase != tc.flags.apiBase {
					t.Errorf("err %v, config %+v", err, cfg)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err %v, want one naming %s", err, tc.wantErr)
			}
		})
	}
}
