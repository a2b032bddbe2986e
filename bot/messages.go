package bot

// The catalogue of everything the bot says. Keys are stable; wording is changed here
// and nowhere else.
var catalogue = map[string]string{
	"welcome":            "您好，这里是清风信访举报平台。请描述您要反映的问题：谁、在哪个单位、做了什么。随时回复“重新开始”可从头再来，回复“转人工”可转接工作人员。",
	"ask_unit":           "请问被反映人在哪个单位？（例如：县住建局、城关镇派出所）不清楚可回复“不知道”。",
	"ask_who":            "请问被反映人的姓名或职务是什么？不清楚可回复“不知道”。",
	"ask_when":           "这件事大概发生在什么时候？（例如：去年十月、上周三）不记得可回复“不记得”。",
	"ask_evidence":       "您是否有证据（照片、录音、票据、聊天记录等）？请简要说明，没有可回复“没有”。",
	"ask_identity":       "您希望实名还是匿名反映？实名反映优先办理，并会告知受理和办理结果；匿名反映请记好查询码。",
	"ask_name":           "请告诉我们您的姓名，我们将依法为您保密。",
	"ask_phone":          "请留下您的联系电话（手机号，或带区号的固定电话），便于告知办理情况。不便留电话可回复“不留”。",
	"phone_not_digits":   "没能认出电话号码：请只填数字，例如 13912345678。",
	"phone_mobile":       "手机号应为11位数字，您填了%d位。",
	"phone_landline":     "固定电话请连同区号填写，例如 0571-87654321。",
	"phone_intl":         "国际号码应为“+”加国家代码，共8到15位数字。",
	"moved":              "已把“%s”记为%s。",
	"misplaced":          "“%s”看起来是%s，不是%s。",
	"choices":            "\n回复序号或名称：%s",
	"welcome_back":       "您好，我们接着来。",
	"not_yet":            "还有几个问题，回答完就可以确认提交。",
	"out_of_scope_again": "如仍要提交，请回复“仍要提交”；如要重新描述，请回复“重新开始”。",
	"ask_change":         "请问要修改哪一项？",
	"ask_describe_more":  "请再多说一些：具体是什么事？",
	"corrected":          "已更正。",
	"confirm":            "请核对：\n问题：%s\n被反映人：%s\n单位：%s\n时间：%s\n证据：%s\n方式：%s%s\n确认无误请回复“确认”，需要修改请回复“修改”。",
	"done":               "已登记。编号：%s，查询码：%s。请妥善保存，凭编号和查询码可查询进度或补充材料（回复：查询 编号 查询码）。",
	"out_of_scope":       "您反映的事项看起来属于一般社会事务，没有反映公职人员或公权力机关的违纪违法问题，不属于纪检监察机关受理范围。建议向%s反映%s。如您要反映的是公职人员不作为、乱作为等问题，请补充说明；如仍要提交，请回复“仍要提交”。",
	"transfer_phone":     "（电话%s）",
	"emergency":          "如遇紧急情况或人身安全受到威胁，请立即拨打110报警、120急救。我们已将您的反映标记为紧急，会优先处理。",
	"handoff":            "已为您转接人工，工作人员会尽快与您联系。您也可以继续留言。",
	"restart":            "好的，我们重新开始。",
	"retry_later":        "系统繁忙，请稍后再试，您刚才的内容没有丢失。",
	"status":             "编号%s：%s（更新于%s）。",
	"status_reply":       "办理答复：%s",
	"not_found":          "未查到该编号，或查询码不正确。",
	"supplemented":       "已收到您对%s的补充材料。",
	"too_long":           "内容太长了，请分几次发送，每次不超过%d字。",
	"empty":              "没有收到内容，请重新输入。",
	"already_done":       "您的反映已登记（编号%s）。如需反映新的问题，请回复“重新开始”。",
	"confirm_phone":      "\n电话：%s",
	"phone_this":         "本机号码",
	"phone_none":         "未留",
	"unknown":            "不详",
	"anonymous":          "匿名",
	"real_name":          "实名",
	"none":               "无",
}

// StatusName is a ticket status as the public reads it.
func StatusName(status string) string { return statusNames[status] }

// statusNames are the statuses as the public reads them.
var statusNames = map[string]string{
	"received": "待受理", "accepted": "已受理", "rejected": "不予受理", "routed": "已分办",
	"in_progress": "办理中", "reported": "已报结，审核中", "concluded": "已办结", "returned": "重新办理中",
	"replied": "已反馈", "closed": "已归档", "merged": "已并案办理", "reopened": "重新办理中",
}

// Words the citizen may use. Matched after trimming punctuation.
var (
	wordsRestart   = []string{"重新开始", "重来", "从头开始"}
	wordsHandoff   = []string{"转人工", "人工", "人工服务", "找人工"}
	wordsConfirm   = []string{"确认", "是", "是的", "对", "没问题", "提交", "确认提交"}
	wordsChange    = []string{"修改", "改", "不对", "有误"}
	wordsUnknown   = []string{"不知道", "不清楚", "不记得", "忘了", "不详"}
	wordsNone      = []string{"没有", "无", "没", "暂无"}
	wordsAnonymous = []string{"匿名", "匿名反映"}
	wordsRealName  = []string{"实名", "实名反映"}
	wordsProceed   = []string{"仍要提交", "继续提交", "还是要提交"}
	wordsGreeting  = []string{"你好", "您好", "你好呀", "您好呀", "在吗", "在不在", "哈喽", "嗨", "hello", "hi"}
	wordsSubmit    = []string{"确认", "确认提交", "提交", "确定"}
	wordsNoPhone   = []string{"不留", "不留电话", "不方便", "不方便留", "不便留", "不想留", "没有", "无", "暂无"}
	changeLead     = []string{"修改", "不是", "改"}
	correctionLead = []string{"不是，", "不是,", "不是", "不对，", "不对,", "错了，", "错了,"}
)

// changeOptions are the parts of a report the citizen may change, in the summary's
// order; the menu shows the labels, and the other words for them are accepted too.
var changeOptions = []struct {
	label   string
	aliases []string
	stage   string
}{
	{"问题", []string{"问题描述", "描述", "内容"}, stageDescribe},
	{"被反映人", []string{"姓名职务", "姓名或职务", "职务"}, stageWho},
	{"单位", nil, stageUnit},
	{"时间", nil, stageWhen},
	{"证据", nil, stageEvidence},
	{"实名或匿名", []string{"方式", "实名", "匿名"}, stageIdentity},
}

// fieldNames name the parts of a report in a reason.
var fieldNames = map[string]string{stageUnit: "单位", stageWhen: "时间"}
