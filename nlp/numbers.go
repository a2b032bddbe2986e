package nlp

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// number is a numeral read from text: its value, whether the text only gives a lower
// bound (三千多, 十几, 上百), and its byte range.
type number struct {
	value  float64
	approx bool
	start  int
	end    int
}

// cnDigit is the value of a Chinese digit; 0 for 零, 〇 and anything else.
func cnDigit(r rune) float64 {
	switch r {
	case '一':
		return 1
	case '二', '两':
		return 2
	case '三':
		return 3
	case '四':
		return 4
	case '五':
		return 5
	case '六':
		return 6
	case '七':
		return 7
	case '八':
		return 8
	case '九':
		return 9
	}
	return 0
}

// cnUnit is the value of 十, 百 and 千; 0 for anything else.
func cnUnit(r rune) float64 {
	switch r {
	case '十':
		return 10
	case '百':
		return 100
	case '千':
		return 1000
	}
	return 0
}

// cnBig is the value of 万 and 亿; 0 for anything else.
func cnBig(r rune) float64 {
	switch r {
	case '万':
		return 1e4
	case '亿':
		return 1e8
	}
	return 0
}

func isNumeralRune(r rune) bool {
	if r >= '0' && r <= '9' {
		return true
	}
	switch r {
	case '零', '〇', '一', '二', '两', '三', '四', '五', '六', '七', '八', '九', '十', '百', '千', '万', '亿', '几', '数':
		return true
	}
	return false
}

// readNumber reads the numeral starting at byte i of s, if any. It understands Arabic
// digits (5000, 1.5万, 3,000), Chinese numerals (两千, 三千多万, 十几万, 一百二十) and the
// lower-bound forms 上百, 几十, 数千.
func readNumber(s string, i int) (number, bool) {
	start := i
	approx := false
	if strings.HasPrefix(s[i:], "上") { // 上百 / 上千 / 上万: at least
		r, _ := utf8.DecodeRuneInString(s[i+len("上"):])
		if cnUnit(r) > 0 || cnBig(r) > 0 {
			i += len("上")
			approx = true
		} else {
			return number{}, false
		}
	}
	var total, section, digit float64
	hasDigit, any := false, false
	for i < len(s) {
		r, size := decodeRune(s[i:], 0)
		switch {
		case r >= '0' && r <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == ',' && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9') {
				j++
			}
			v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimRight(s[i:j], "."), ",", ""), 64)
			if err != nil {
				return number{}, false
			}
			digit, hasDigit, any = v, true, true
			i = j
			continue
		case cnDigit(r) > 0 || r == '零' || r == '〇':
			// 四五个人, 三四十户: two neighbouring digits are a range, not 45; the larger
			// bounds it.
			if hasDigit && cnDigit(r) == digit+1 && digit > 0 && digit < 10 && i > start && precededByCnDigit(s, i) {
				if next, _ := decodeRune(s[i+size:], 0); cnDigit(next) == 0 && next != '零' && next != '〇' {
					digit, approx = cnDigit(r), true
					i += size
					continue
				}
			}
			if hasDigit {
				digit = digit*10 + cnDigit(r) // 二零二六 (a year), 一百零五
			} else {
				digit = cnDigit(r)
			}
			hasDigit, any = true, true
		case r == '几' || r == '数':
			approx, any = true, true
			if section == 0 && !hasDigit {
				digit, hasDigit = 2, true // 几十 ≥ 20, 几万 ≥ 20000
			}
		case cnUnit(r) > 0:
			if !hasDigit {
				digit = 1 // 十五 = 15
			}
			section += digit * cnUnit(r)
			digit, hasDigit, any = 0, false, true
		case cnBig(r) > 0:
			if !any {
				return number{}, false
			}
			section += digit
			if r == '亿' {
				total = (total + section) * cnBig(r)
			} else {
				total += section * cnBig(r)
			}
			section, digit, hasDigit = 0, 0, false
		case r == '多' || r == '余' || r == '来':
			if !any {
				return number{}, false
			}
			approx = true
		default:
			goto done
		}
		i += size
	}
done:
	if !any {
		return number{}, false
	}
	v := total + section + digit
	if math.IsInf(v, 0) || math.IsNaN(v) || v > 1e15 {
		return number{}, false
	}
	return number{value: v, approx: approx, start: start, end: i}, true
}

// precededByCnDigit: the character before byte i of s is a Chinese digit.
func precededByCnDigit(s string, i int) bool {
	r, _ := decodeLastRune(s[:i])
	return cnDigit(r) > 0
}

// formatAmount prints a yuan amount: 2000, or 30000000+ for a lower bound.
func formatAmount(v float64, approx bool) string {
	s := strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	if approx {
		s += "+"
	}
	return s
}
