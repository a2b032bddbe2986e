package web

// What the web layer tells citizens and senders, in one place. Logs stay in English.
var messages = map[string]string{
	"bad_json":        "请求格式不正确。",
	"bad_signature":   "签名校验失败。",
	"stale":           "请求已过期，请重新发送。",
	"replay":          "重复的请求。",
	"too_large":       "内容过大。",
	"missing_field":   "缺少必要的字段：%s。",
	"unavailable":     "系统繁忙，请稍后再试。",
	"not_found":       "未查到该编号，或查询码不正确。",
	"rate_limited":    "查询过于频繁，请稍后再试。",
	"too_fast":        "发送太快了，请稍等片刻再发。",
	"invalid":         "提交的内容不符合要求。",
	"in_progress":     "该消息正在处理，请稍后重试。",
	"not_configured":  "服务未配置该接口。",
	"internal":        "系统出现问题，请稍后再试。",
	"unknown_event":   "未知的通话事件。",
	"login_required":  "请先登录。",
	"bad_login":       "用户名、密码或动态验证码错误。",
	"login_throttled": "登录失败次数过多，请15分钟后再试。",
	"csrf":            "页面已过期，请刷新后重试。",
	"forbidden":       "您没有权限进行此操作。",
	"empty_call":      "请填写来电人反映的内容。",
	"code_required":   "该账号已启用动态验证码，请输入身份验证器上的 6 位数字。",
	"bad_filter":      "筛选条件不正确。",
	"bad_period":      "统计期间不正确：请用 YYYY-MM-DD 格式，结束日期晚于开始日期，跨度不超过一年。",
}
