package nlp

import (
	"strings"
	"unicode/utf8"
)

// A complaint is often addressed to someone senior (尊敬的王市长您好, 厅长：您好, 市长热线,
// 向县纪委反映) who is not accused. Taking the addressee as the subject sends the ticket up
// to the wrong level, so posts and units in addressing position are set aside before the
// subject is chosen.

// addressOpeners stand before an addressee: 尊敬的李书记, 致县住建局.
var addressOpeners = []string{"尊敬的", "敬爱的", "亲爱的", "致"}

// addressClosers follow an addressee: 市长您好, 厅长: , 市长热线, 书记信箱.
var addressClosers = []string{"您好", "你好", ":", "同志:", "同志您好", "热线", "信箱", "留言板", "专线", "公开电话", "们好", "好!", "好,", "台鉴"}

// turnedTo: the citizen turned to the post or body (向市长反映, 给书记写信, 请局长关注).
var turnedTo = []string{"向", "给", "请", "致", "恳请", "希望"}

// turnedToVerbs confirm a 向/给 reading: 向市长反映, not 给市长送钱.
var turnedToVerbs = []string{"反映", "写信", "留言", "投诉", "举报", "求助", "汇报", "报告", "呼吁", "关注", "过问", "督促", "主持公道", "做主", "帮忙", "帮助", "解决", "重视"}

// isAddressed reports whether the mention at norm[s:e] is someone written to rather than
// someone complained about. name is the length in bytes of a surname or full name
// standing before a post (王 of 王市长), skipped when looking back.
func isAddressed(norm string, s, e int) bool {
	after := norm[e:]
	after = strings.TrimLeft(after, " ")
	for _, c := range addressClosers {
		if strings.HasPrefix(after, c) {
			return true
		}
	}
	// A list of addressees: 市政府、市交警支队、市安监局: … — the colon closes the list.
	if strings.HasPrefix(after, "、") || strings.HasPrefix(after, "及") || strings.HasPrefix(after, "和") {
		if k := strings.IndexAny(after, ":。!?"); k >= 0 && after[k] == ':' && k < 60 {
			return true
		}
	}
	if strings.HasPrefix(after, "领导") {
		rest := strings.TrimPrefix(after, "领导")
		for _, c := range []string{":", "您好", "你好", "们"} {
			if strings.HasPrefix(rest, c) {
				return true
			}
		}
	}
	before := lastRunes(norm[:s], 6)
	for _, o := range addressOpeners {
		if strings.Contains(before, o) && !strings.ContainsAny(before[strings.LastIndex(before, o):], "。!?,;") {
			return true
		}
	}
	for _, p := range turnedTo {
		if strings.HasSuffix(lastRunes(norm[:s], 3), p) || strings.HasSuffix(norm[:s], p) {
			for _, v := range turnedToVerbs {
				if strings.HasPrefix(after, v) || strings.HasPrefix(strings.TrimPrefix(after, "们"), v) {
					return true
				}
			}
		}
	}
	return false
}

// lastRunes is the end of s, at most n characters.
func lastRunes(s string, n int) string {
	i := len(s)
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return s[i:]
}

// dropAddressedTitles removes posts in addressing position; a surname right before the
// post (王市长) goes with it.
func dropAddressedTitles(norm string, titles []titleMention) []titleMention {
	out := titles[:0:0]
	for _, tm := range titles {
		if !isAddressed(norm, tm.start, tm.end) {
			out = append(out, tm)
		}
	}
	return out
}

// dropAddressedUnits removes bodies in addressing position.
func dropAddressedUnits(norm string, units []unitMention) []unitMention {
	out := units[:0:0]
	for _, u := range units {
		if !isAddressed(norm, u.start, u.end) {
			out = append(out, u)
		}
	}
	return out
}
