package nlp

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Hotline transcripts mark who speaks (接线员：… 来电人：…, or A：… B：…). The operator's
// script (这里是纪委监委举报电话, 实名举报会优先办理) says nothing about the complaint, so the
// operator's turns are blanked in the normalised text before it is read: the subject, the
// signals and the category come from the caller's words only. Blanking keeps every byte
// offset, so evidence still quotes the original text.

// Speaker roles.
const (
	speakerOperator = iota + 1
	speakerCaller
	speakerLetter // A/B or 甲/乙: the role is decided by what the speaker says
)

var speakerMarkers = map[string]int{
	"接线员": speakerOperator, "话务员": speakerOperator, "坐席": speakerOperator, "客服": speakerOperator,
	"值班员": speakerOperator, "受理员": speakerOperator, "工作人员": speakerOperator, "接线人员": speakerOperator,
	"来电人": speakerCaller, "来电者": speakerCaller, "来电群众": speakerCaller, "市民": speakerCaller, "群众": speakerCaller,
	"举报人": speakerCaller, "反映人": speakerCaller, "村民": speakerCaller, "居民": speakerCaller, "用户": speakerCaller,
	"来电": speakerCaller, "A": speakerLetter, "B": speakerLetter, "甲": speakerLetter, "乙": speakerLetter,
}

// operatorCues are what operators say and callers rarely do.
var operatorCues = []string{"这里是", "请问您", "请讲", "请问", "您好", "举报电话", "受理", "记录", "工作日", "优先办理", "留下姓名", "联系方式", "还有什么", "感谢您", "核实"}

type turn struct {
	marker span // the speaker label and its colon
	body   span // what follows, up to the next turn
	label  string
	role   int
}

// findTurns reads the turns of a transcript; nil when the text is not one. A transcript
// needs an operator and a caller, by name or as two letters.
func findTurns(text string) []turn {
	if !strings.ContainsRune(text, '：') && !strings.ContainsRune(text, ':') {
		return nil
	}
	var turns []turn
	for i, r := range text {
		if r != '：' && r != ':' {
			continue
		}
		label, start := markerBefore(text, i)
		if label == "" {
			continue
		}
		end := i + utf8.RuneLen(r)
		if n := len(turns); n > 0 {
			turns[n-1].body.end = start
		}
		turns = append(turns, turn{marker: span{start, end}, body: span{end, len(text)}, label: label, role: speakerMarkers[label]})
	}
	roles := map[int]bool{}
	letters := map[string]bool{}
	for _, t := range turns {
		roles[t.role] = true
		if t.role == speakerLetter {
			letters[t.label] = true
		}
	}
	switch {
	case roles[speakerOperator] && roles[speakerCaller]:
		for i := range turns {
			if turns[i].role == speakerLetter {
				turns[i].role = speakerCaller
			}
		}
		return turns
	case len(letters) == 2 && !roles[speakerOperator] && !roles[speakerCaller] && alternate(turns):
		if assignLetterRoles(text, turns) {
			return turns
		}
	}
	return nil
}

// alternate: the speakers take turns (A, B, A …), as a conversation does.
func alternate(turns []turn) bool {
	for i := 1; i < len(turns); i++ {
		if turns[i].label == turns[i-1].label {
			return false
		}
	}
	return len(turns) >= 2
}

// markerLabels are the speaker labels, longest first, so 来电群众 wins over 群众.
var markerLabels = func() []string {
	out := make([]string, 0, len(speakerMarkers))
	for l := range speakerMarkers {
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b string) int {
		if c := cmp.Compare(len(b), len(a)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return out
}()

// markerBefore finds a speaker label ending right before the colon at i. Speech
// recognition often runs turns together (您有什么事群众：我反映…, 请说B：…), so a label
// needs nothing before it. A transcript still needs both roles, and letters must take
// turns and one of them must sound like an operator (findTurns), which keeps 时间：, a
// letter's 举报人： or 方案A：…方案B：… from being read as turns.
func markerBefore(text string, i int) (string, int) {
	j := i
	for j > 0 && text[j-1] == ' ' {
		j--
	}
	for _, label := range markerLabels {
		if !strings.HasSuffix(text[:j], label) {
			continue
		}
		start := j - len(label)
		if speakerMarkers[label] != speakerLetter || start == 0 {
			return label, start
		}
		// A letter glued to a Latin letter or digit is part of a code (KTVB：, 3A：).
		r, _ := utf8.DecodeLastRuneInString(text[:start])
		if r >= 0x80 || !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return label, start
		}
	}
	return "", 0
}

// assignLetterRoles: the letter whose turns sound more like an operator's is the
// operator; on a tie, whoever speaks first (the operator answers the phone). It reports
// false when neither sounds like an operator: then it is no call.
func assignLetterRoles(text string, turns []turn) bool {
	cues := map[string]int{}
	for _, t := range turns {
		body := text[t.body.start:t.body.end]
		for _, c := range operatorCues {
			cues[t.label] += strings.Count(body, c)
		}
	}
	op := turns[0].label
	for l, n := range cues {
		if n > cues[op] {
			op = l
		}
	}
	if cues[op] == 0 {
		return false
	}
	for i := range turns {
		if turns[i].label == op {
			turns[i].role = speakerOperator
		} else {
			turns[i].role = speakerCaller
		}
	}
	return true
}

// callerWords returns the (normalised) text with the operator's turns and every speaker
// label blanked, byte for byte, so offsets into it are offsets into the text it was
// given. A text with no turns comes back as it is.
func callerWords(text string) string {
	turns := findTurns(text)
	if turns == nil {
		return text
	}
	b := []byte(text)
	for _, t := range turns {
		blank(b, t.marker)
		if t.role == speakerOperator {
			blank(b, t.body)
		}
	}
	return string(b)
}

// blank overwrites a range with a full stop (so the turns around it do not run together)
// and spaces.
func blank(b []byte, s span) {
	for i := s.start; i < s.end; i++ {
		b[i] = ' '
	}
	if s.end-s.start >= len("。") {
		copy(b[s.start:], "。")
	}
}
