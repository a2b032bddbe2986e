package nlp

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Signal is something staff and routing must notice: a real-name claim, a threat or
// danger to life, many people affected, media exposure, a money amount, a time, a place.
type Signal struct {
	Type  string `json:"type"`
	Text  string `json:"text"`            // as the user wrote it
	Value string `json:"value,omitempty"` // money in yuan (2000, 30000000+), counts, date kinds
	Start int    `json:"start"`           // byte range in the original text
	End   int    `json:"end"`
}

// Signal types that routing and the dialogue rely on.
const (
	SignalRealName      = "real_name"
	SignalAnonymous     = "anonymous"
	SignalThreat        = "threat"
	SignalDanger        = "danger_to_life"
	SignalMass          = "mass"
	SignalMedia         = "media"
	SignalMoney         = "money"
	SignalTime          = "time"
	SignalPlace         = "place"
	SignalCasualty      = "casualty"
	SignalRepeatClaim   = "repeat_claim"
	signalCountOfPeople = "count"
)

type signalsFile struct {
	MassMinCount float64             `yaml:"mass_min_count"`
	Phrases      map[string][]string `yaml:"phrases"`
}

type signalReader struct {
	types   []string
	phrases runeTrie // hit.cat indexes types
	massMin float64
}

func newSignalReader(data []byte) (*signalReader, error) {
	var f signalsFile
	if err := decodeYAML("signals", data, &f); err != nil {
		return nil, err
	}
	if f.MassMinCount <= 0 {
		return nil, fmt.Errorf("signals: mass_min_count must be positive")
	}
	sr := &signalReader{phrases: newRuneTrie(), massMin: f.MassMinCount}
	for typ, list := range f.Phrases {
		idx := len(sr.types)
		sr.types = append(sr.types, typ)
		for _, p := range list {
			sr.phrases.add(p, termHit{cat: idx})
		}
	}
	// A repeat is a report made before: 多次反映, 几经投诉, 曾向…举报 (the last read as
	// 曾 + verb). Every pairing of a word of repetition with a way of reporting.
	if idx := sr.typeIndex(SignalRepeatClaim); idx >= 0 {
		for _, again := range []string{"多次", "几次", "数次", "几经", "屡次", "反复", "再次", "一再", "曾经", "曾", "早就", "之前", "先后", "多番", "也曾", "多年来"} {
			for _, verb := range []string{"反映", "投诉", "举报", "上访", "信访", "来信", "留言", "致电", "打电话", "拨打", "找过", "向"} {
				sr.phrases.add(again+verb, termHit{cat: idx})
			}
		}
	}
	if idx := sr.typeIndex(SignalTime); idx >= 0 {
		for _, week := range []string{"上周", "上星期", "这周", "本周", "下周", "周", "星期", "礼拜", "上个礼拜"} {
			for _, d := range []string{"一", "二", "三", "四", "五", "六", "日", "天"} {
				sr.phrases.add(week+d, termHit{cat: idx})
			}
		}
	}
	return sr, nil
}

func (sr *signalReader) typeIndex(typ string) int {
	for i, t := range sr.types {
		if t == typ {
			return i
		}
	}
	return -1
}

func appendSignal(out []Signal, t *Text, typ string, s, e int, value string) []Signal {
	text, os, oe := t.quote(s, e)
	return append(out, Signal{Type: typ, Text: text, Value: value, Start: os, End: oe})
}

// phrase records the signal phrase found at Norm[start:end], if its context bears it
// out (signalcontext.go).
func (sr *signalReader) phrase(out []Signal, t *Text, hits []termHit, start, end int) []Signal {
	typ := sr.types[hits[0].cat]
	if typ == signatureType {
		if typ = signature(t.Norm, end); typ == "" {
			return out
		}
		return appendSignal(out, t, typ, start, end, "")
	}
	if !phraseHolds(t.Norm, typ, start, end) {
		return out
	}
	return appendSignal(out, t, typ, start, end, "")
}

// number reads a number at Norm[i:] and records it when the word after it says what it
// counts (money, people, a date). It returns where reading goes on: i when no number
// starts there.
func (sr *signalReader) number(out []Signal, t *Text, i int) ([]Signal, int) {
	norm := t.Norm
	if r, _ := decodeRune(norm[i:], 0); !mayStartNumber(r) {
		return out, i
	}
	n, ok := readNumber(norm, i)
	if !ok {
		return out, i
	}
	if typ, end, value := sr.classifyNumber(norm, n); typ != "" {
		return appendSignal(out, t, typ, n.start, end, value), end
	}
	return out, n.end
}

// mayStartNumber: numerals, and 上 of 上千 or 上百万. The term scan asks at every
// character, so Chinese characters are answered from a 2.6 KB bit table.
func mayStartNumber(r rune) bool {
	if k := uint32(r - 0x4E00); k < uint32(len(numeralStarts))*64 {
		return numeralStarts[k/64]&(1<<(k%64)) != 0
	}
	return isNumeralRune(r)
}

// numeralStarts has a bit for each character of U+4E00–U+9FFF that mayStartNumber accepts.
var numeralStarts = func() (set [(0xA000 - 0x4E00) / 64]uint64) {
	for r := rune(0x4E00); r < 0xA000; r++ {
		if isNumeralRune(r) || r == '上' {
			set[(r-0x4E00)/64] |= 1 << ((r - 0x4E00) % 64)
		}
	}
	return set
}()

// places records the place names the segmenter tagged.
func (sr *signalReader) places(out []Signal, t *Text, toks []Token) []Signal {
	for _, tok := range toks {
		if tok.Pos == "ns" && utf8.RuneCountInString(tok.Text) >= 2 {
			out = appendSignal(out, t, SignalPlace, tok.Start, tok.End, "")
		}
	}
	return out
}

// classifyNumber decides what a number is by the word after it.
func (sr *signalReader) classifyNumber(norm string, n number) (typ string, end int, value string) {
	rest := norm[n.end:]
	has := func(words ...string) (int, bool) {
		for _, w := range words {
			if strings.HasPrefix(rest, w) {
				return len(w), true
			}
		}
		return 0, false
	}
	lastBig := strings.HasSuffix(norm[n.start:n.end], "万") || strings.HasSuffix(norm[n.start:n.end], "亿")
	if r, _ := decodeRune(rest, 0); countWordStart(r) { // most numbers (一个, 一直) count nothing we read
		if l, ok := has("块钱", "元钱", "元", "块", "圆"); ok {
			return SignalMoney, n.end + l, formatAmount(n.value, n.approx)
		}
		if l, ok := has("户", "名", "位", "家", "个人", "人", "口人"); ok {
			if n.value >= sr.massMin && isMassCount(norm, n.start, n.end, n.end+l) {
				return SignalMass, n.end + l, formatAmount(n.value, n.approx)
			}
			return "", n.end, ""
		}
		if l, ok := has("年"); ok && n.value >= 1949 && n.value <= 2100 && !n.approx {
			end = n.end + l
			if m, ok := readNumber(norm, end); ok && strings.HasPrefix(norm[m.end:], "月") {
				end = m.end + len("月")
				if d, ok := readNumber(norm, end); ok && (strings.HasPrefix(norm[d.end:], "日") || strings.HasPrefix(norm[d.end:], "号")) {
					end = d.end + len("日")
				}
			}
			return SignalTime, end, "date"
		}
		if l, ok := has("月份", "月"); ok && n.value >= 1 && n.value <= 12 && !n.approx && !strings.HasPrefix(rest, "月以来") {
			end = n.end + l
			if d, ok := readNumber(norm, end); ok && (strings.HasPrefix(norm[d.end:], "日") || strings.HasPrefix(norm[d.end:], "号")) {
				end = d.end + len("日")
			}
			return SignalTime, end, "date"
		}
		if l, ok := has("个多月", "个月", "多个月", "天", "年多", "年", "周", "个星期", "星期", "小时", "多小时", "分钟"); ok {
			return SignalTime, n.end + l, "duration"
		}
		if l, ok := has("日", "号"); ok && n.value >= 1 && n.value <= 31 && !n.approx {
			return SignalTime, n.end + l, "date"
		}
	}
	if lastBig && n.value >= 1e4 {
		// 收了三十万: an amount in 万 with no unit after it is money in complaints.
		return SignalMoney, n.end, formatAmount(n.value, n.approx)
	}
	return "", n.end, ""
}

// countWordStart: the first characters of the words classifyNumber looks for after a
// number; a word added there must have its first character here.
func countWordStart(r rune) bool {
	switch r {
	case '块', '元', '圆', '户', '名', '位', '家', '个', '人', '口', '年', '月', '多', '天', '周', '星', '小', '分', '日', '号':
		return true
	}
	return false
}

// hasSignal reports whether any signal of the given types is present.
func hasSignal(signals []Signal, types ...string) bool {
	for _, s := range signals {
		for _, t := range types {
			if s.Type == t {
				return true
			}
		}
	}
	return false
}
