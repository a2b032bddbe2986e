package nlp

import (
	"strings"
	"unicode/utf8"
)

// Some signal phrases mean what they say only in context: 我叫张某 names the reporter,
// 把我叫到旁边 does not; 第三次反映 is a repeat, 第三次去镇里 is a visit. A count of people is
// "mass" only when those people are the ones affected or complaining, not members counted
// or a ranking. And a signature (举报人：…) says real name or anonymous by what follows it.

// signatureType is the pseudo-type of signature markers in signals.yaml; what follows
// the marker decides the real signal.
const signatureType = "signature"

// phraseHolds checks the context of a phrase found at norm[start:end].
func phraseHolds(norm, typ string, start, end int) bool {
	before, after := norm[:start], norm[end:]
	switch typ {
	case SignalRealName:
		// 把我叫到旁边, 让我叫人: 叫 there is "call", not "be named".
		for _, p := range []string{"把", "被", "让", "给", "将", "喊"} {
			if strings.HasSuffix(before, p) {
				return false
			}
		}
		if strings.HasSuffix(norm[start:end], "叫") {
			r, _ := utf8.DecodeRuneInString(after)
			if strings.ContainsRune("到去来过住醒上下了他她人们着", r) {
				return false
			}
		}
	case SignalRepeatClaim:
		// 第三次 and 又一次 count reports only when a report follows (第三次反映, 又一次打
		// 12345), not visits (第三次去镇里).
		p := norm[start:end]
		if strings.HasPrefix(p, "第") || p == "又一次" {
			return startsWithin(after, 12, reportVerbs)
		}
	}
	return true
}

// reportVerbs are ways of reporting to an authority.
var reportVerbs = []string{"反映", "举报", "投诉", "信访", "上访", "写信", "来信", "留言", "打12345", "打12388", "打电话", "拨打", "致电", "打市长热线", "向"}

// startsWithin reports whether one of words starts within the first n bytes of s.
func startsWithin(s string, n int, words []string) bool {
	if len(s) > n {
		s = s[:n]
	}
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// signature reads what follows a signature marker (举报人：, 联系人：) ending at
// norm[:end]: a name or a phone number is a real name; 匿名 or 知情群众 is anonymity; ""
// when nothing follows. The signal quotes the marker only, never the name after it.
func signature(norm string, end int) string {
	body := lastRunesFront(strings.TrimLeft(norm[end:], " :"), 10)
	if stop := strings.IndexAny(body, "。,;!?、 :"); stop >= 0 {
		body = body[:stop]
	}
	switch {
	case body == "":
		return ""
	case containsAny(body, "匿名", "不具名", "知情", "群众", "村民", "一群", "暂不", "不便", "不留"):
		return SignalAnonymous
	case hasDigits(body, 7) || strings.Contains(body, "*") || utf8.RuneCountInString(body) <= 4:
		return SignalRealName
	}
	return ""
}

// lastRunesFront is the start of s, at most n characters.
func lastRunesFront(s string, n int) string {
	i := 0
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

func containsAny(s string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// hasDigits reports whether s holds at least n ASCII digits (a phone number).
func hasDigits(s string, n int) bool {
	c := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			c++
		}
	}
	return c >= n
}

// isMassCount decides whether a count of people at norm[start:numEnd], its counting word
// ending at end, is people affected or complaining together (三十多户, 我们二十多个村民)
// rather than a ranking, a membership or a phone number.
func isMassCount(norm string, start, numEnd, end int) bool {
	before := norm[:start]
	if strings.HasSuffix(before, "第") || strings.HasSuffix(lastRunes(before, 4), "排名") || strings.HasSuffix(before, "编号") {
		return false
	}
	// A long run of digits is a phone or an id, not a crowd.
	if hasDigits(norm[start:numEnd], 5) {
		return false
	}
	word := norm[numEnd:end]
	if word == "家" && strings.HasPrefix(norm[end:], "万户") {
		return false // 千家万户 is a saying, not a count
	}
	if word == "户" || word == "家" {
		return true
	}
	after := strings.TrimPrefix(norm[end:], "的")
	for _, w := range affectedPeople {
		if strings.HasPrefix(after, w) {
			return true
		}
	}
	return startsWithin(lastRunes(before, 6), 18, massLeads)
}

// affectedPeople are who a mass complaint is made by or for.
var affectedPeople = []string{"村民", "群众", "业主", "居民", "农民工", "工人", "职工", "老人", "农户", "家长", "学生", "乘客", "住户", "商户", "受害", "老百姓", "户主", "租户", "考生", "病人", "患者", "退休"}

// massLeads stand shortly before a count of people taking part or affected.
var massLeads = []string{"涉及", "影响", "受害", "联名", "集体", "一起", "我们", "全村", "共有", "多达", "近", "上", "组织", "带着", "聚集", "围堵"}
