package bot

import (
	"fmt"
	"regexp"
	"strings"

	"qingfeng/nlp"
)

// Answers are checked before they are kept: a wrong one gets its reason and the question
// again, so a citizen who misread a question is not filed under the wrong heading.

// phoneProblem reads a phone answer. It returns the number as digits (an international
// one keeps its "+"), or the catalogue key of what is wrong with it: we call back a
// mobile (11 digits from 1), a fixed line with its area code, or an international number.
func phoneProblem(answer string) (number, problem string) {
	p := bare(answer)
	// "我的手机是139-1234-5678": a sentence with one number in it gives that number.
	if found := phoneIn.FindAllString(p, 2); len(found) == 1 && strings.Trim(p, "+0123456789 -()") != "" {
		p = found[0]
	}
	p = strings.Map(func(r rune) rune {
		if strings.ContainsRune(" -()", r) {
			return -1
		}
		return r
	}, p)
	intl := false
	switch {
	case strings.HasPrefix(p, "+86"):
		p = p[3:]
	case strings.HasPrefix(p, "0086"):
		p = p[4:]
	case strings.HasPrefix(p, "+"):
		p, intl = p[1:], true
	}
	if p == "" || strings.IndexFunc(p, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return "", "phone_not_digits"
	}
	switch {
	case intl && (len(p) < 8 || len(p) > 15):
		return "", "phone_intl"
	case intl:
		return "+" + p, ""
	case p[0] == '1' && len(p) != 11:
		return "", "phone_mobile"
	case p[0] == '1':
		return p, ""
	case p[0] != '0' || len(p) < 10 || len(p) > 12:
		return "", "phone_landline"
	}
	return p, ""
}

// phoneIn finds a number written inside a sentence.
var phoneIn = regexp.MustCompile(`\+?\d[\d \-()]{5,}\d`)

// phoneReason words a phone problem for the citizen.
func phoneReason(answer, problem string) string {
	if problem == "phone_mobile" {
		digits := strings.Count(strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return 'd'
			}
			return -1
		}, fold(answer)), "d")
		return fmt.Sprintf(msg(problem), digits)
	}
	return msg(problem)
}

// misplaced reads an answer to the unit or the time question against the other: a time
// answer with no time in it that names a unit, or a unit answer that is only a time, is
// the other question's answer. It returns that question's stage and the value to keep.
func misplaced(stage, text string, res *nlp.Result) (other, value string) {
	if res == nil {
		return "", ""
	}
	when := ""
	for _, sig := range res.Signals {
		if sig.Type == nlp.SignalTime {
			when = sig.Text
			break
		}
	}
	subj := res.Subject
	switch {
	case stage == stageWhen && when == "" && subj.Unit != "":
		return stageUnit, subj.Unit
	case stage == stageUnit && when != "" && subj.Unit == "" && subj.Name == "" && subj.Position == "":
		return stageWhen, text
	}
	return "", ""
}

// misplacedReply keeps a misplaced answer where it belongs when that question is still
// open, or says why it was not taken; either way the question is asked again.
func (e *Engine) misplacedReply(t *turn, text, other, value string) *Reply {
	var note string
	if known(t.get(other)) == "" {
		t.set(other, value)
		note = fmt.Sprintf(msg("moved"), clip(value, 30), fieldNames[other])
	} else {
		note = fmt.Sprintf(msg("misplaced"), clip(text, 30), fieldNames[other], fieldNames[t.Stage])
	}
	r := e.prompt(t)
	r.Messages = append([]Message{{Text: note}}, r.Messages...)
	return r
}
