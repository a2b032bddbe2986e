package nlp

import "strings"

// negators deny the deed a conduct word names when they stand right before it, with at
// most one verb character between: 没有收红包, 倒是没收红包, 从不吃请, 并未索要.
var negators = []string{"没有", "并没", "并未", "从没", "从不", "从未", "不曾", "没", "未"}

// deedCategories name deeds (taking, spending, hitting). Denying one clears the official
// of it. The other categories name failures of duty, where a denial is the misconduct
// itself (没有回复, 未公示) and must not be cleared.
var deedCategories = map[string]bool{
	"extortion": true, "corruption": true, "extravagance": true, "lax_discipline": true,
	"bad_attitude": true, "abuse_of_power": true, "personnel": true, "harming_public": true,
}

// negated reports whether the word at norm[start:] stands right after a negator.
func negated(norm string, start int) bool {
	before := lastRunes(norm[:start], 3)
	for _, n := range negators {
		i := strings.LastIndex(before, n)
		if i >= 0 && len([]rune(before[i+len(n):])) <= 1 {
			return true
		}
	}
	return false
}
