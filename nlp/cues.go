package nlp

import "strings"

// Whether a text is in scope turns on who does what: a public body or a post named as
// the one that refused, took or covered up (住建局一直不给办, 所长收了钱) accuses; the same
// body asked to act (请住建局督促开发商) does not. Words alone cannot tell the two apart,
// so the gate also counts these two shapes.

// agentEnds are the endings of words that name a public body or one of its people.
var agentEnds = []string{"局", "所", "政府", "委", "办", "中心", "院", "站", "队", "村委会", "居委会", "街道", "部门", "领导", "干部", "书记", "主任", "局长", "所长", "镇长", "乡长", "科长", "站长", "队长", "院长", "校长", "村长", "支书", "民警", "城管", "工作人员", "执法人员"}

// wrongdoing are what an accused body or official is said to have done.
var wrongdoing = []string{"不作为", "不管", "不给", "不予", "不办", "不理", "不处理", "不回复", "拒绝", "推诿", "推脱", "踢皮球", "敷衍", "拖", "迟迟", "至今未", "一直没", "收了", "收取", "索要", "要钱", "吃拿", "违规", "违法", "滥用", "擅自", "强行", "强制", "截留", "克扣", "挪用", "侵占", "私分", "贪", "骗取", "虚报", "造假", "弄虚作假", "包庇", "充当", "保护伞", "打压", "威胁", "辱骂", "刁难", "为难", "视而不见", "失职", "渎职", "瞒报", "勾结", "受贿", "行贿", "安排亲属", "优亲厚友", "乱收费", "乱罚款", "吃喝", "公款", "脱岗", "上班时间"}

// requests ask a body to act, or ask a question: the shape of service requests and
// policy questions.
var requests = []string{"请求", "建议", "希望", "恳请", "呼吁", "能否", "可否", "是否可以", "请问", "咨询", "请相关部门", "请有关部门", "请政府", "尽快", "帮忙", "帮助解决", "感谢", "谢谢", "如何办理", "怎么办理", "需要什么", "什么时候"}

// Kinds of cue in the cue dictionary.
const (
	cueDeed = iota
	cueRequest
)

// newCueTrie builds the cue dictionary the shared term walk reads.
func newCueTrie() *runeTrie {
	t := newRuneTrie()
	for _, w := range wrongdoing {
		t.add(w, termHit{cat: cueDeed})
	}
	for _, w := range requests {
		t.add(w, termHit{cat: cueRequest})
	}
	return &t
}

// accuseReach is how far (bytes, about 12 characters) after an agent its deed may stand.
const accuseReach = 36

// accusations counts the agents (a public body or one of its people) followed within
// accuseReach by a word of wrongdoing. deeds are where those words start, in order.
func accusations(toks []Token, deeds []int) int {
	n, k := 0, 0
	for i := range toks {
		t := &toks[i]
		if len(deeds) == k {
			break
		}
		if !isAgent(t.Text) {
			continue
		}
		for k < len(deeds) && deeds[k] < t.End {
			k++
		}
		if k < len(deeds) && deeds[k]-t.End < accuseReach {
			n++
		}
	}
	return n
}

// agentLast holds the last characters of agentEnds, so most words are refused at once.
var agentLast = func() (set runeSet) {
	for _, e := range agentEnds {
		set.add(lastRune(e))
	}
	return set
}()

func isAgent(w string) bool {
	if len(w) < 6 || !agentLast.has(lastRune(w)) { // one character names no body
		return false
	}
	for _, e := range agentEnds {
		if strings.HasSuffix(w, e) {
			return true
		}
	}
	return false
}
