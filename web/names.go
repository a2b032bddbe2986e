package web

import "qingfeng/intake"

// The names staff read for the codes that tickets, routing and accounts keep, in one
// catalogue: the console gets it from /staff/api/vocab ("names", by kind) and the export
// labels its cells with it. Categories, ranks and bodies are named by their own data
// files; a code without a name is shown as it is.

// statusNames are the statuses as staff read them (finer than the public's names).
var statusNames = map[intake.Status]string{
	intake.StatusReceived: "待受理", intake.StatusAccepted: "已受理", intake.StatusRouted: "已分办",
	intake.StatusInProgress: "办理中", intake.StatusReported: "已报结待审核", intake.StatusReturned: "退回重办",
	intake.StatusConcluded: "已办结", intake.StatusReplied: "已答复", intake.StatusReopened: "重新办理",
	intake.StatusRejected: "不予受理", intake.StatusMerged: "已并案", intake.StatusClosed: "已归档",
}

var (
	modeNames    = map[string]string{"direct": "直办", "assigned": "交办", "transferred": "转办", "supervised": "督办"}
	channelNames = map[string]string{"web": "网页", "sms": "短信", "hotline": "热线", "wechat": "微信"}

	// actionNames: the moves and the other entries of a ticket's history.
	actionNames = map[string]string{
		"accept": "受理", "reject": "不予受理", "merge": "并案", "route": "分办", "send_back": "退单",
		"start": "开始办理", "report": "报结", "conclude": "审核办结", "return": "退回重办", "escalate": "转为督办",
		"reply": "答复举报人", "follow_up": "回访", "close": "归档", "reopen": "重新办理",
		"create": "登记", "view_identity": "查看举报人身份", "supplement": "补充材料", "correct": "更正",
		"evidence": "补充证据文件", "view_evidence": "查看证据文件",
	}

	// signalNames: what the analysis notices in a complaint (nlp/signals.go).
	signalNames = map[string]string{
		"real_name": "实名", "anonymous": "匿名", "threat": "扬言威胁", "danger_to_life": "危及人身安全",
		"mass": "群体性", "media": "媒体曝光", "money": "金额", "time": "时间", "place": "地点",
		"casualty": "人员伤亡", "repeat_claim": "曾反映过", "count": "人数",
	}

	// ruleNames: the routing rules of nlp/data/routing.yaml, by the name a ticket records.
	ruleNames = map[string]string{
		"out_of_scope":         "非纪检监察事项，转有关部门",
		"above_authority":      "超出本级管辖权限，报送上级",
		"corruption_or_senior": "贪污贿赂或县处级以上干部，直接办理",
		"repeat_mass_threat":   "重复举报、群体性、扬言或危及生命、媒体曝光，挂牌督办",
		"default_assigned":     "交由监督被反映单位的机关办理",
	}

	roleNames = map[string]string{
		"operator": "接线员", "intake": "信访室", "handler": "承办单位", "leader": "领导", "admin": "管理员",
		"system": "系统", "reporter": "举报人",
	}

	levelNames = map[string]string{"red": "红色预警（已逾期）", "orange": "橙色预警", "yellow": "黄色预警"}

	// accountActionNames: the entries of the admin trail (staff/trail.go).
	accountActionNames = map[string]string{
		"create": "新建账号", "role": "修改角色", "password_reset": "重置密码", "password_change": "本人修改密码",
		"totp_enrol": "开启动态验证码", "totp_remove": "关闭动态验证码", "disable": "停用账号", "enable": "启用账号",
	}

	// trailDetailNames: what the admin trail's entries add, each part of their details
	// (staff/changes.go, staff/totp.go; role and body are named by their own kinds).
	trailDetailNames = map[string]string{
		"sessions ended": "其登录已全部失效",
		"one-time password to be changed at next login": "临时密码须在下次登录时改为本人密码",
		"first authenticator":                           "首次绑定身份验证器",
		"replaces the earlier authenticator":            "替换原有的身份验证器",
	}
)

// consoleNames is the catalogue as the console reads it: kind, then code.
func consoleNames() map[string]any {
	return map[string]any{"status": statusNames, "mode": modeNames, "channel": channelNames, "action": actionNames,
		"signal": signalNames, "rule": ruleNames, "role": roleNames, "level": levelNames, "account_action": accountActionNames, "trail_detail": trailDetailNames}
}

// statusTabs are the statuses in which role has a move to make (intake.Allowed), in
// the queue's order: the tabs its queue shows. An operator has none.
func statusTabs(role intake.Role) []intake.Status {
	tabs := []intake.Status{}
	for _, st := range intake.Statuses {
		if len(intake.Allowed(st, role)) > 0 {
			tabs = append(tabs, st)
		}
	}
	return tabs
}
