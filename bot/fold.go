package bot

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// What phone keyboards type: full-width letters, digits and punctuation, ideographic
// spaces, a full stop at the end. Commands and lookups are read after folding these, so
// "查询 ＱＦ－２０２６… 码 。" reads like "查询 QF-2026… 码".

// fold maps full-width ASCII (ＱＦ－２０，！) to ASCII and the ideographic space to a
// space, one rune for one, so rune offsets in the folded text are offsets in the original.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == 0x3000:
			return ' '
		}
		return r
	}, s)
}

// edges are what a message may start or end with around a command word, after folding.
const edges = "。.！!？?，,、；;：:…~ \t\r\n"

// bare is a message read as a command word: folded, punctuation and spaces trimmed.
func bare(text string) string { return strings.Trim(fold(text), edges) }

// A lookup names a ticket (its counter may outgrow six digits) and its query code,
// separated by spaces, punctuation or the word 查询码/码; QF may be lower-case.
const lookup = `(?i:QF)-(\d{8})-(\d{6,9})[\s,、:;]*(?:查询码|码)?[\s:]*([A-Za-z0-9]{12})`

var (
	queryRE      = regexp.MustCompile(`^查询[\s:]*` + lookup + `$`)
	supplementRE = regexp.MustCompile(`(?s)^补充[\s:]*` + lookup + `[\s,、:;]*(.+)$`)
)

// parseQuery reads "查询 编号 查询码".
func parseQuery(text string) (number, code string, ok bool) {
	m := queryRE.FindStringSubmatch(bare(text))
	if m == nil {
		return "", "", false
	}
	return "QF-" + m[1] + "-" + m[2], m[3], true
}

// parseSupplement reads "补充 编号 查询码 内容". The content is returned as the citizen
// wrote it, not folded.
func parseSupplement(text string) (number, code, content string, ok bool) {
	folded := fold(text)
	m := supplementRE.FindStringSubmatchIndex(folded)
	if m == nil {
		return "", "", "", false
	}
	// fold keeps one rune for one: the content starts as many runes into the original.
	start := utf8.RuneCountInString(folded[:m[8]])
	content = strings.TrimSpace(string([]rune(text)[start:]))
	if content == "" {
		return "", "", "", false
	}
	return "QF-" + folded[m[2]:m[3]] + "-" + folded[m[4]:m[5]], folded[m[6]:m[7]], content, true
}
