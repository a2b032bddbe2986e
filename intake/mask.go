package intake

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"qingfeng/nlp"
)

// A reporter may type their own phone, ID or bank card number into the complaint. Those
// are masked wherever the text is shown to staff, whatever their role: seeing them is
// seeing who reported, which only the intake office and leaders may do, and only through
// the view that is recorded (RevealIdentity, which also gives the text as typed).

// Masked is a copy of the ticket whose text, reply and analysis have the numbers that
// identify a person masked. Masking keeps every byte offset, so the analysis's evidence
// still points at the same words.
func (t *Ticket) Masked() *Ticket {
	m := *t
	m.Text, m.Reply = MaskIdentifiers(t.Text), MaskIdentifiers(t.Reply)
	m.Analysis = maskAnalysis(t.Analysis)
	return &m
}

// maskAnalysis masks the quotes of the text inside a stored analysis. One that does not
// read as an analysis is left out rather than shown unmasked.
func maskAnalysis(analysis string) string {
	if analysis == "" {
		return ""
	}
	var r nlp.Result
	if err := json.Unmarshal([]byte(analysis), &r); err != nil {
		return ""
	}
	for _, ev := range [][]nlp.Evidence{r.Evidence, r.Scope.Evidence} {
		for i := range ev {
			ev[i].Text = MaskIdentifiers(ev[i].Text)
		}
	}
	for i := range r.Signals {
		r.Signals[i].Text, r.Signals[i].Value = MaskIdentifiers(r.Signals[i].Text), MaskIdentifiers(r.Signals[i].Value)
	}
	r.Route.Note = MaskIdentifiers(r.Route.Note)
	b, err := json.Marshal(&r)
	if err != nil {
		return ""
	}
	return string(b)
}

// digitRun is a run of digits in a text: ASCII or full-width (as a Chinese input method
// types them), an ID number's final X counted in.
type digitRun struct {
	start, end int   // byte range
	digits     []int // byte offset of each digit (or X)
	x          bool  // the run ends in X
}

// runs finds the digit runs of text.
func runs(text string) []digitRun {
	var out []digitRun
	var cur *digitRun
	for i, r := range text {
		d := isDigit(r)
		if x := r == 'X' || r == 'x' || r == 'Ｘ' || r == 'ｘ'; x && cur != nil && !cur.x {
			cur.digits, cur.end, cur.x = append(cur.digits, i), i+utf8.RuneLen(r), true
			continue
		}
		if !d || (cur != nil && cur.x) {
			if cur != nil {
				out = append(out, *cur)
				cur = nil
			}
			if !d {
				continue
			}
		}
		if cur == nil {
			cur = &digitRun{start: i}
		}
		cur.digits, cur.end = append(cur.digits, i), i+utf8.RuneLen(r)
	}
	if cur != nil {
		out = append(out, *cur)
	}
	return out
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

// separators may stand between the groups of a number written in groups (138 1234 5678,
// 6222-0200-1234-5678).
func separator(s string) bool {
	return s == " " || s == "-" || s == "\u00a0" || s == "　" || s == "－"
}

// groupShapes are the ways people group the numbers masked, by the length of each group:
// phones 3-4-4, ID numbers 6-8-4, cards in fours with a shorter tail.
var groupShapes = [][]int{{3, 4, 4}, {6, 8, 4}, {4, 4, 4, 4}, {4, 4, 4, 4, 1}, {4, 4, 4, 4, 2}, {4, 4, 4, 4, 3}}

// MaskIdentifiers masks the numbers that identify a person: mobile phones (138****5678,
// with or without +86), 18-digit ID numbers (the last may be X: 110***********1234) and
// bank card numbers of 16 to 19 digits (6222********5678), written whole or in the usual
// groups. Dates, amounts and other numbers are left alone. Each digit masked becomes an
// asterisk of its own width, so the text keeps its length in bytes.
func MaskIdentifiers(text string) string {
	rs := runs(text)
	if len(rs) == 0 {
		return text
	}
	var mask []int // byte offsets of the digits to mask
	for i := 0; i < len(rs); i++ {
		if n, ok := groupAt(text, rs, i); ok {
			var digits []int
			for _, r := range rs[i : i+n] {
				digits = append(digits, r.digits...)
			}
			if kept, ok := identifier(text, digits, rs[i].start, rs[i+n-1].end); ok {
				mask = append(mask, digits[kept[0]:len(digits)-kept[1]]...)
				i += n - 1
				continue
			}
		}
		if kept, ok := identifier(text, rs[i].digits, rs[i].start, rs[i].end); ok {
			mask = append(mask, rs[i].digits[kept[0]:len(rs[i].digits)-kept[1]]...)
		}
	}
	if len(mask) == 0 {
		return text
	}
	b := []byte(text)
	for _, at := range mask {
		if b[at] < utf8.RuneSelf {
			b[at] = '*'
		} else {
			copy(b[at:], "＊") // full-width digits are three bytes, as is ＊
		}
	}
	return string(b)
}

// groupAt says whether the runs from i on, separated by single separators, form one of
// groupShapes, and how many runs that takes (the longest shape that fits).
func groupAt(text string, rs []digitRun, i int) (int, bool) {
	best := 0
	for _, shape := range groupShapes {
		if i+len(shape) > len(rs) || len(shape) <= best {
			continue
		}
		fits := true
		for j, n := range shape {
			r := rs[i+j]
			if len(r.digits) != n || (j > 0 && !separator(text[rs[i+j-1].end:r.start])) {
				fits = false
				break
			}
		}
		if fits {
			best = len(shape)
		}
	}
	return best, best > 0
}

// identifier says whether digits (their byte offsets in text, the number spanning
// start..end) are a phone, ID or card number, and how many digits to keep shown at the
// front and at the back.
func identifier(text string, digits []int, start, end int) ([2]int, bool) {
	if amount(text, start, end) {
		return [2]int{}, false
	}
	ds := make([]byte, len(digits))
	for i, at := range digits {
		r, _ := utf8.DecodeRuneInString(text[at:])
		switch {
		case r >= '０' && r <= '９':
			ds[i] = byte('0' + r - '０')
		case r < utf8.RuneSelf && r >= '0' && r <= '9':
			ds[i] = byte(r)
		default:
			ds[i] = 'X'
		}
	}
	s := string(ds)
	switch {
	case len(s) == 11 && mobile(s):
		return [2]int{3, 4}, true
	case len(s) == 13 && strings.HasPrefix(s, "86") && mobile(s[2:]):
		return [2]int{5, 4}, true
	case len(s) == 18 && idNumber(s):
		return [2]int{3, 4}, true
	case len(s) >= 16 && len(s) <= 19 && !strings.Contains(s, "X") && !date(s):
		return [2]int{4, 4}, true
	}
	return [2]int{}, false
}

// date says whether s starts with a date, YYYYMMDD: a time stamp, not a card (no card
// number starts with 19 or 20).
func date(s string) bool {
	year, month, day := s[0:4], s[4:6], s[6:8]
	return (year[:2] == "19" || year[:2] == "20") && month >= "01" && month <= "12" && day >= "01" && day <= "31"
}

// mobile: 11 digits starting 13 to 19, as every mainland mobile number does.
func mobile(s string) bool { return s[0] == '1' && s[1] >= '3' && s[1] <= '9' }

// idNumber: 17 digits and a check character, with a birth date that could be one.
func idNumber(s string) bool {
	return !strings.Contains(s[:17], "X") && date(s[6:])
}

// amountWords follow or lead a sum of money.
var amountWords = []string{"元", "块", "万", "亿", "圆", "角"}

// amount says whether the number at start..end is a sum of money (¥…, …元) or has a
// decimal point.
func amount(text string, start, end int) bool {
	before, after := strings.TrimRight(text[:start], " "), strings.TrimLeft(text[end:], " ")
	if strings.HasSuffix(before, "¥") || strings.HasSuffix(before, "￥") || strings.HasSuffix(text[:start], ".") ||
		strings.HasPrefix(text[end:], ".") && len(text) > end+1 && isDigit(rune(text[end+1])) {
		return true
	}
	for _, w := range amountWords {
		if strings.HasPrefix(after, w) {
			return true
		}
	}
	return false
}
