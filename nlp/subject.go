package nlp

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Subject is the person a complaint is about (被反映人), as far as the text says.
// Empty strings mean unknown. Name, Position and Unit quote the original text.
type Subject struct {
	Name     string    `json:"name"`
	Position string    `json:"position"`
	Unit     string    `json:"unit"`
	Rank     string    `json:"rank"`
	Also     []Subject `json:"also,omitempty"` // other officials accused in the same text
}

type subjectsFile struct {
	Ranks []struct {
		ID   string `yaml:"id"`
		Name string `yaml:"name"`
	} `yaml:"ranks"`
	Titles          map[string][]string          `yaml:"titles"`
	RelativeTitles  []string                     `yaml:"relative_titles"`
	GovernmentUnits []string                     `yaml:"government_units"`
	Levels          map[string]map[string]string `yaml:"levels"`
	UnrankedTitles  []string                     `yaml:"unranked_titles"`
	GenericTitles   []string                     `yaml:"generic_titles"`
	UnitLevels      map[string]string            `yaml:"unit_levels"`
	UnitSuffixes    []string                     `yaml:"unit_suffixes"`
	NotLevels       []string                     `yaml:"not_levels"`
	NotUnits        []string                     `yaml:"not_units"`
	DeptStems       []string                     `yaml:"dept_stems"`
	StemFollowers   []string                     `yaml:"stem_followers"`
	Surnames        string                       `yaml:"surnames"`
}

// subjectReader extracts the subject and infers the rank from post and unit level.
// Rank is a rank of officials (级别), lowest first in Ranks.
type Rank struct {
	ID   string
	Name string
}

type subjectReader struct {
	ranks      []Rank
	rankIndex  map[string]int
	titles     runeTrie // post -> hit (cat = index into titleInfo)
	titleInfo  []titleInfo
	levels     map[string]map[string]string
	govUnits   []string
	generic    map[string]bool
	markers    []levelMarker // longest first
	notLevels  []string
	suffixes   []string // longest first
	suffixSet  map[string]bool
	suffixEnd  runeSet           // last characters of the suffixes
	surnameAt0 runeSet           // first characters of the surnames
	markerSet  map[string]string // marker word -> level
	notLevel   map[string]bool
	notUnits   map[string]bool
	stems      map[string]bool
	stemStart  runeSet
	followers  []string
	surnames   map[string]bool
}

type titleInfo struct {
	text     string
	rank     string // fixed rank, or ""
	relative bool   // rank follows the unit held
}

type levelMarker struct{ word, level string }

func newSubjectReader(data []byte) (*subjectReader, error) {
	var f subjectsFile
	if err := decodeYAML("subjects", data, &f); err != nil {
		return nil, err
	}
	sr := &subjectReader{rankIndex: map[string]int{}, titles: newRuneTrie(), levels: f.Levels,
		notLevels: f.NotLevels, surnames: map[string]bool{}}
	for i, r := range f.Ranks {
		sr.rankIndex[r.ID] = i
		sr.ranks = append(sr.ranks, Rank{ID: r.ID, Name: r.Name})
	}
	addTitle := func(t titleInfo) {
		sr.titles.add(t.text, termHit{cat: len(sr.titleInfo)})
		sr.titleInfo = append(sr.titleInfo, t)
	}
	for rank, list := range f.Titles {
		if _, ok := sr.rankIndex[rank]; !ok {
			return nil, fmt.Errorf("subjects: titles: unknown rank %q", rank)
		}
		for _, t := range list {
			addTitle(titleInfo{text: t, rank: rank})
		}
	}
	for _, kind := range []string{unitGovernment, unitDepartment} {
		row, ok := f.Levels[kind]
		if !ok {
			return nil, fmt.Errorf("subjects: levels.%s is missing", kind)
		}
		for level, rank := range row {
			if _, ok := sr.rankIndex[rank]; !ok {
				return nil, fmt.Errorf("subjects: levels.%s.%s: unknown rank %q", kind, level, rank)
			}
		}
	}
	for _, t := range f.RelativeTitles {
		addTitle(titleInfo{text: t, relative: true})
	}
	for _, t := range f.UnrankedTitles {
		addTitle(titleInfo{text: t})
	}
	sr.govUnits = f.GovernmentUnits
	sr.generic = map[string]bool{}
	for _, t := range f.GenericTitles {
		sr.generic[t] = true
	}
	for w, lvl := range f.UnitLevels {
		sr.markers = append(sr.markers, levelMarker{w, lvl})
	}
	sort.Slice(sr.markers, func(i, j int) bool {
		return len(sr.markers[i].word) > len(sr.markers[j].word) ||
			len(sr.markers[i].word) == len(sr.markers[j].word) && sr.markers[i].word < sr.markers[j].word
	})
	sr.suffixes = append(sr.suffixes, f.UnitSuffixes...)
	sort.SliceStable(sr.suffixes, func(i, j int) bool { return len(sr.suffixes[i]) > len(sr.suffixes[j]) })
	sr.suffixSet = map[string]bool{}
	for _, x := range sr.suffixes {
		sr.suffixSet[x] = true
		sr.suffixEnd.add(lastRune(x))
	}
	sr.markerSet = map[string]string{}
	for _, m := range sr.markers {
		sr.markerSet[m.word] = m.level
	}
	sr.notLevel = map[string]bool{}
	for _, w := range f.NotLevels {
		sr.notLevel[w] = true
	}
	sr.stems = map[string]bool{}
	for _, w := range f.DeptStems {
		sr.stems[w] = true
		r, _ := decodeRune(w, 0)
		sr.stemStart.add(r)
	}
	sr.followers = f.StemFollowers
	sr.notUnits = map[string]bool{}
	for _, w := range f.NotUnits {
		sr.notUnits[w] = true
	}
	for _, s := range strings.Fields(f.Surnames) {
		sr.surnames[s] = true
		r, _ := decodeRune(s, 0)
		sr.surnameAt0.add(r)
	}
	return sr, nil
}

// rankAtLeast reports whether rank a is at or above rank b; unknown ranks never are.
func (sr *subjectReader) rankAtLeast(a, b string) bool {
	ia, oka := sr.rankIndex[a]
	ib, okb := sr.rankIndex[b]
	return oka && okb && ia >= ib
}

type span struct{ start, end int } // byte range in Text.Norm

type titleMention struct {
	span
	info titleInfo
}

type unitMention struct {
	span
	level string
	kind  string // unitGovernment or unitDepartment
}

const (
	unitGovernment = "government"
	unitDepartment = "department"
)

type nameMention struct {
	span
	viaTitle bool // 王局长: the name is only a surname before a post
}

// read extracts the subject. conduct holds the byte ranges of conduct words found by the
// classifier: the post they describe is most likely the subject's.
func (sr *subjectReader) read(t *Text, toks []Token, titles []titleMention, conduct []span) Subject {
	norm := t.Norm
	units := sr.findUnits(norm, toks)
	titles = dropAddressedTitles(norm, dropInside(titles, units))
	units = dropAddressedUnits(norm, units)
	names := sr.findNames(norm, toks, titles)

	cands := sr.rankTitles(norm, titles, units, names, conduct)
	if len(cands) == 0 {
		return sr.subjectFor(t, toks, units, names, conduct, titleMention{}, false)
	}
	// When several officials are accused, the most senior is the subject, because rank
	// decides who handles the report; the others are listed with it.
	all := make([]Subject, len(cands))
	primary := 0
	for i, c := range cands {
		all[i] = sr.subjectFor(t, toks, units, names, conduct, c.tm, true)
		if c.accused && cands[primary].accused && sr.rankAbove(all[i].Rank, all[primary].Rank) ||
			c.accused && !cands[primary].accused {
			primary = i
		}
	}
	subj := all[primary]
	for i, c := range cands {
		if i != primary && c.accused && len(subj.Also) < maxAlsoAccused && !sameSubject(all[i], subj) {
			subj.Also = append(subj.Also, all[i])
		}
	}
	return subj
}

// maxAlsoAccused bounds the other officials listed with the subject.
const maxAlsoAccused = 4

func sameSubject(a, b Subject) bool { return a.Position == b.Position && a.Unit == b.Unit }

// rankAbove reports whether rank a is strictly above rank b; a known rank is above an
// unknown one.
func (sr *subjectReader) rankAbove(a, b string) bool {
	if a == "" {
		return false
	}
	return b == "" || !sr.rankAtLeast(b, a)
}

// subjectFor fills in the unit, name and rank of the holder of one post.
func (sr *subjectReader) subjectFor(t *Text, toks []Token, units []unitMention, names []nameMention, conduct []span, title titleMention, hasTitle bool) Subject {
	norm := t.Norm
	var subj Subject
	if hasTitle {
		for _, find := range []func(string, []Token, titleMention) (unitMention, bool){sr.placeBefore, sr.unitInTitle} {
			if u, ok := find(norm, toks, title); ok {
				units = append(units[:len(units):len(units)], u)
				break
			}
		}
	}
	unit, hasUnit := pickUnit(norm, units, title, hasTitle)
	if hasTitle {
		subj.Position = t.Span(title.start, title.end)
	}
	if hasUnit {
		subj.Unit = t.Span(unit.start, unit.end)
	}
	if n, ok := pickName(names, title, hasTitle); ok {
		subj.Name = t.Span(n.start, n.end)
	}
	if hasTitle {
		if !hasUnit {
			unit = unitMention{}
		}
		subj.Rank = sr.rankOf(title.info, unit)
	}
	return subj
}

// placeBefore reads a village or town named right before a post as the subject's unit
// when no unit stands there already: 李家村村主任 → 李家村, 城关镇副镇长 → 城关镇.
func (sr *subjectReader) placeBefore(norm string, toks []Token, title titleMention) (unitMention, bool) {
	i := tokenEndingAt(toks, title.start)
	if i < 0 {
		return unitMention{}, false
	}
	end := i
	if toks[i].Text == "的" && i > 0 {
		end = i - 1
	}
	start := end
	for start >= 0 {
		t := toks[start]
		if t.Pos == "ns" || sr.isMarker(t.Text) || utf8.RuneCountInString(t.Text) >= 2 && placeNamePos[t.Pos] && !nonUnitNoun[t.Text] && !sr.isNotLevel(t.Text) {
			start--
			continue
		}
		break
	}
	start++
	if start > end {
		return unitMention{}, false
	}
	sp := span{toks[start].Start, toks[end].End}
	name := norm[sp.start:sp.end]
	level := ""
	for _, m := range sr.markers {
		if strings.HasSuffix(name, m.word) {
			level = m.level
			break
		}
	}
	if level == "" || utf8.RuneCountInString(name) < 2 || sr.isMarker(name) {
		return unitMention{}, false
	}
	return unitMention{sp, level, unitGovernment}, true
}

// placeNamePos: gse tags that village and town names come with (李家/nrfg 村).
var placeNamePos = map[string]bool{"n": true, "nr": true, "nrfg": true, "nrt": true, "nz": true}

// unitInTitle reads the unit a post carries in its own words: 县教育局长 → 县教育局
// (the post 局长 took the 局), 街道办主任 → 街道办, 村委会主任 → 村委会.
func (sr *subjectReader) unitInTitle(norm string, toks []Token, title titleMention) (unitMention, bool) {
	text := norm[title.start:title.end]
	first, size := decodeRune(text, 0)
	if isSuffixOnly(sr, string(first)) {
		// Walk back over the unit's other words, as findUnits would.
		i := tokenEndingAt(toks, title.start)
		start := -1
		for ; i >= 0; i-- {
			ok, _ := sr.isUnitPart(&toks[i], &Token{Text: string(first)})
			if !ok {
				break
			}
			start = toks[i].Start
		}
		if start >= 0 {
			sp := span{start, title.start + size}
			return unitMention{sp, sr.levelOfText(norm[sp.start:sp.end]), sr.unitKind(norm[sp.start:sp.end])}, true
		}
		return unitMention{}, false
	}
	for _, g := range sr.govUnits {
		if strings.HasPrefix(text, g) && len(g) < len(text) && utf8.RuneCountInString(g) >= 2 {
			sp := span{title.start, title.start + len(g)}
			return unitMention{sp, sr.levelOfText(g), unitGovernment}, true
		}
	}
	return unitMention{}, false
}

// levelOfText reads a level from a unit name's first place word (县教育局 → county).
func (sr *subjectReader) levelOfText(name string) string {
	for _, m := range sr.markers {
		if strings.HasPrefix(name, m.word) && !sr.startsNotLevel(name) {
			return m.level
		}
	}
	return ""
}

func (sr *subjectReader) isMarker(w string) bool {
	_, ok := sr.markerSet[w]
	return ok
}

func (sr *subjectReader) rankOf(ti titleInfo, u unitMention) string {
	if !ti.relative {
		return ti.rank
	}
	row := sr.levels[unitDepartment]
	if u.kind == unitGovernment {
		row = sr.levels[unitGovernment]
	}
	if r, ok := row[u.level]; ok && u.level != "" {
		return r
	}
	return row["default"]
}

func (sr *subjectReader) unitKind(name string) string {
	for _, g := range sr.govUnits {
		if strings.HasSuffix(name, g) {
			return unitGovernment
		}
	}
	return unitDepartment
}

// titleAt is the post found at norm[start:end], taking in a 副 before it.
func (sr *subjectReader) titleAt(norm string, hits []termHit, start, end int) titleMention {
	st := start
	if strings.HasSuffix(norm[:start], "副") && !strings.HasPrefix(hits[0].textOf(sr), "副") {
		st -= len("副")
	}
	return titleMention{span{st, end}, sr.titleInfo[hits[0].cat]}
}

func (h termHit) textOf(sr *subjectReader) string { return sr.titleInfo[h.cat].text }

// findUnits looks for words ending in a unit suffix (局, 所, 中心 …) or tagged as units
// in our dictionary, then grows each one leftwards over place and organisation words:
// 我们镇的农经站 gives 农经站, 反映区人社局 gives 区人社局.
func (sr *subjectReader) findUnits(norm string, toks []Token) []unitMention {
	var out []unitMention
	for j := 0; j < len(toks); j++ {
		if !sr.isUnitEnd(&toks[j]) && !sr.isStemUnit(norm, &toks[j]) || sr.notUnits[toks[j].Text] || isVerbAfterUnit(toks, j) {
			continue
		}
		// A unit followed directly by more unit words (县政府 办公室) ends later.
		end := j
		// A single character after a name is more often a verb (中心办抵押) than a unit.
		for end+1 < len(toks) && utf8.RuneCountInString(toks[end+1].Text) >= 2 && sr.isUnitEnd(&toks[end+1]) && isSuffixOnly(sr, toks[end+1].Text) {
			end++
		}
		i, singles := j, 0
		for i > 0 && toks[end].End-toks[i-1].Start <= 48 {
			// 文化广电和旅游局, 人力资源和社会保障局: a 和 between two name words is
			// part of an official name.
			if i >= 2 && isJoiner(toks[i-1].Text) && isNameWord(&toks[i-2]) && isNameWord(&toks[i]) {
				i--
				continue
			}
			ok, single := sr.isUnitPart(&toks[i-1], &toks[i])
			if !ok || single && singles == 2 {
				break
			}
			if single {
				singles++
			}
			i--
		}
		// A bare 局 or 中心 with nothing before it names no unit.
		if i == j && genericUnitWord[toks[j].Text] {
			j = end
			continue
		}
		sp := span{toks[i].Start, toks[end].End}
		if sr.notUnits[norm[sp.start:sp.end]] {
			j = end
			continue
		}
		u := unitMention{sp, sr.levelOf(toks[i : end+1]), sr.unitKind(norm[sp.start:sp.end])}
		// 县公安局 交警大队 车管所: a longer name that takes in the previous one replaces it.
		for len(out) > 0 && u.start <= out[len(out)-1].start {
			out = out[:len(out)-1]
		}
		out = append(out, u)
		j = end
	}
	return out
}

// isVerbAfterUnit: a one-character verb right after a whole unit name (登记中心 办 抵押)
// is what was done there, not the end of a longer name.
func isVerbAfterUnit(toks []Token, j int) bool {
	return j > 0 && toks[j].Pos == "v" && toks[j-1].Pos == "nt" && utf8.RuneCountInString(toks[j].Text) == 1
}

// isPlaceCode: one capital letter and at most two digits (A, L5, M12).
func isPlaceCode(w string) bool {
	if len(w) == 0 || len(w) > 3 || w[0] < 'A' || w[0] > 'Z' {
		return false
	}
	for i := 1; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

func firstRuneString(w string) string {
	_, size := decodeRune(w, 0)
	return w[:size]
}

func isJoiner(w string) bool { return w == "和" || w == "与" }

// isNameWord: a noun of two or more characters, as official names join with 和.
func isNameWord(t *Token) bool {
	switch t.Pos {
	case "n", "vn", "nz", "j", "nt", "an", "b":
		return utf8.RuneCountInString(t.Text) >= 2 && !nonUnitNoun[t.Text]
	}
	return false
}

// isStemUnit: a department as people name it, 环保那边 or 医保窗口.
func (sr *subjectReader) isStemUnit(norm string, t *Token) bool {
	if r, _ := decodeRune(t.Text, 0); !sr.stemStart.has(r) || !sr.stems[t.Text] {
		return false
	}
	for _, f := range sr.followers {
		if strings.HasPrefix(norm[t.End:], f) {
			return true
		}
	}
	return false
}

func isSuffixOnly(sr *subjectReader, w string) bool { return sr.suffixSet[w] }

// endsWithSuffix checks the token's last one to six characters against the suffix set.
func (sr *subjectReader) endsWithSuffix(w string) bool {
	if !sr.suffixEnd.has(lastRune(w)) {
		return false
	}
	for i, n := len(w), 0; i > 0 && n < 6; n++ {
		_, size := decodeLastRune(w[:i])
		i -= size
		if sr.suffixSet[w[i:]] {
			return true
		}
	}
	return false
}

// genericUnitWord: suffixes that are no unit on their own.
var genericUnitWord = map[string]bool{
	"科": true, "室": true, "庭": true, "馆": true, "组": true, "街道": true, "部门": true, "机关": true,
	"局": true, "所": true, "站": true, "办": true, "委": true, "厅": true, "院": true, "部": true, "处": true,
	"队": true, "中心": true, "政府": true, "委员会": true, "大队": true, "中队": true, "支队": true, "大厅": true,
}

// notUnitWord: common words that end like a unit but are none.
var notUnitWord = map[string]bool{
	"现场": true, "广场": true, "立场": true, "当场": true, "战场": true, "操场": true, "下场": true, "官场": true,
	"在场": true, "出场": true, "到场": true, "市场": true, "商店": true, "书店": true, "工厂": true, "厂": true,
	"店": true, "矿": true, "场": true, "平台": true, "机构": true,
	"住所": true, "场所": true, "厕所": true, "到处": true, "好处": true, "怎么办": true, "咋办": true,
	"承办": true, "督办": true, "交办": true, "转办": true, "直办": true, "车站": true, "网站": true,
	"学科": true, "本科": true, "专科": true, "百科": true, "前科": true, "理科": true, "文科": true, "工科": true,
	"会议室": true, "值班室": true, "教室": true, "卧室": true, "地下室": true, "休息室": true, "茶室": true, "包间": true,
	"家庭": true, "出庭": true, "开庭": true, "门庭": true, "饭馆": true, "宾馆": true, "茶馆": true, "旅馆": true,
	"小组": true, "一组": true, "二组": true, "三组": true, "分组": true, "组织": true, "班组": true,
	"补办": true, "代办": true, "申办": true, "开办": true, "举办": true, "操办": true, "查办": true, "包办": true,
	"排队": true, "插队": true, "全部": true, "内部": true, "外部": true, "干部": true, "局部": true,
	"经办": true, "带队": true, "住院": true, "出院": true, "入院": true, "领队": true, "列队": true, "归队": true,
}

func (sr *subjectReader) isUnitEnd(t *Token) bool {
	if t.Pos == "nt" {
		return !notUnitWord[t.Text]
	}
	if !sr.suffixEnd.has(lastRune(t.Text)) || notUnitWord[t.Text] {
		return false
	}
	switch t.Pos {
	case "nnt", "l", "i", "d", "r", "p", "u", "uj", "ul", "m", "q", "a", "ad":
		if !genericUnitWord[t.Text] { // 所 may come tagged as a conjunction
			return false
		}
	}
	r, _ := decodeRune(t.Text, 0)
	return isHan(r) && sr.endsWithSuffix(t.Text)
}

// isUnitPart: may tok, standing left of next, belong to the same unit name? single
// reports a one-character word (县 文 旅 局), of which a name takes at most two.
func (sr *subjectReader) isUnitPart(tok, next *Token) (ok, single bool) {
	if sr.isNotLevel(tok.Text) || nonUnitNoun[tok.Text] {
		return false, false
	}
	// L5县, A3区, M市: public boards anonymise places as a letter and a number, which
	// belong to the unit's name like the place they stand for.
	if isPlaceCode(tok.Text) && sr.isMarker(firstRuneString(next.Text)) {
		return true, false
	}
	if sr.isMarker(tok.Text) {
		return true, false
	}
	n := utf8.RuneCountInString(tok.Text)
	switch tok.Pos {
	case "nt", "ns", "nis", "j", "nz":
		return true, false
	case "n", "vn", "an", "ng", "nr", "b":
		if n >= 2 {
			return true, false // nouns make up names: 市场 监管局, 农村 信用社
		}
	case "nnt", "v", "l", "a":
		// 交警 中队, 登记 中心, 健康 委员会: a post, verb or adjective right before a bare
		// suffix is part of the name.
		if n >= 2 && isSuffixOnly(sr, next.Text) {
			return true, false
		}
		return false, false
	}
	if r, _ := decodeRune(tok.Text, 0); n == 1 && isHan(r) && !strings.ContainsRune(unitStopChars, r) {
		switch tok.Pos {
		case "n", "ng", "zg", "vn", "j", "b", "ns", "nz", "c":
			return true, true
		}
	}
	return false, false
}

// unitStopChars never start or sit inside a unit name.
const unitStopChars = "的了在我你他她它们是把被给向到去找说和与跟对从让叫这那个人事钱话家门车地路房水有没不也都就还又"

// Nouns that sit next to unit names without being part of them.
var nonUnitNoun = map[string]bool{
	"女儿": true, "儿子": true, "父亲": true, "母亲": true, "老婆": true, "家人": true, "亲戚": true, "朋友": true,
	"问题": true, "群众": true, "村民": true, "老百姓": true, "事情": true, "材料": true, "时候": true,
	"工作": true, "领导": true, "人员": true, "孩子": true, "家长": true, "老人": true, "地方": true,
	"情况": true, "电话": true, "门口": true, "附近": true, "旁边": true, "对面": true, "里面": true,
	"今年": true, "去年": true, "现在": true, "昨天": true, "今天": true, "上午": true, "下午": true,
	"工作人员": true, "举报": true, "反映": true, "投诉": true,
}

func (sr *subjectReader) isNotLevel(w string) bool { return sr.notLevel[w] }

// levelOf reads the unit's level from its most specific place word: 县住建局 → county,
// 城关镇派出所 → township; 市场监管局 has none.
func (sr *subjectReader) levelOf(toks []Token) string {
	level := ""
	for _, t := range toks {
		if sr.isNotLevel(t.Text) {
			continue
		}
		if t.Pos != "ns" && t.Pos != "nt" { // only the word itself can be a marker
			if l, ok := sr.markerSet[t.Text]; ok {
				level = l
			}
			continue
		}
		for _, m := range sr.markers {
			hit := t.Text == m.word ||
				(strings.HasSuffix(t.Text, m.word) && (t.Pos == "ns" || t.Pos == "nt")) ||
				(strings.HasPrefix(t.Text, m.word) && t.Pos == "nt" && !sr.startsNotLevel(t.Text))
			if hit {
				level = m.level
				break
			}
		}
	}
	return level
}

func (sr *subjectReader) startsNotLevel(w string) bool {
	for _, n := range sr.notLevels {
		if strings.HasPrefix(w, n) {
			return true
		}
	}
	return false
}

// findNames finds 张某 / 李某某 forms, 王局长 forms (surname before a post), and
// full names standing right next to a post (村支书李建国).
func (sr *subjectReader) findNames(norm string, toks []Token, titles []titleMention) []nameMention {
	var out []nameMention
	// 张某 / 李某某 / 张某华: find each 某 and look back for a surname.
	for off := 0; ; {
		k := strings.Index(norm[off:], "某")
		if k < 0 {
			break
		}
		at := off + k
		for _, n := range []int{6, 3} { // two-character surnames first
			i := at - n
			if i < 0 || i < off && len(out) > 0 && out[len(out)-1].end > i || !sr.surnames[norm[i:at]] || sr.precededBySelf(norm, i) {
				continue
			}
			end := at + len("某")
			if strings.HasPrefix(norm[end:], "某") {
				end += len("某")
			}
			out = append(out, nameMention{span: span{i, end}})
			at = end - len("某")
			break
		}
		off = at + len("某")
	}
	for _, tm := range titles {
		// 王局长: a surname standing as its own word right before the post (not 和 in 和村干部).
		if k := tokenEndingAt(toks, tm.start); k >= 0 && sr.surnames[toks[k].Text] && !functionPos[toks[k].Pos] {
			out = append(out, nameMention{span: span{toks[k].Start, toks[k].End}, viaTitle: true})
		}
		// 陈书记 cut as one name word: the surname is what precedes the post inside it.
		if k := tokenEndingAt(toks, tm.end); k >= 0 && toks[k].Start < tm.start && toks[k].Pos == "nr" && sr.surnames[norm[toks[k].Start:tm.start]] {
			out = append(out, nameMention{span: span{toks[k].Start, tm.start}, viaTitle: true})
		}
		// 村支书李建国: a person-name token right after the post.
		if k := tokenStartingAt(toks, tm.end); k >= 0 {
			t := toks[k]
			if n := utf8.RuneCountInString(t.Text); t.Pos == "nr" && n >= 2 && n <= 3 && sr.surnameAt(norm, t.Start) > 0 {
				out = append(out, nameMention{span: span{t.Start, t.End}})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// tokenEndingAt returns the index of the token that ends at byte off, or -1.
func tokenEndingAt(toks []Token, off int) int {
	i := sort.Search(len(toks), func(i int) bool { return toks[i].End >= off })
	if i < len(toks) && toks[i].End == off {
		return i
	}
	return -1
}

// tokenStartingAt returns the index of the token that starts at byte off, or -1.
func tokenStartingAt(toks []Token, off int) int {
	i := sort.Search(len(toks), func(i int) bool { return toks[i].Start >= off })
	if i < len(toks) && toks[i].Start == off {
		return i
	}
	return -1
}

// functionPos are gse tags of words that cannot be a surname: conjunctions,
// prepositions, adverbs, pronouns, particles, verbs.
var functionPos = map[string]bool{"c": true, "p": true, "d": true, "r": true, "u": true, "uj": true, "ul": true, "v": true, "m": true}

func (sr *subjectReader) surnameAt(norm string, i int) int {
	if r, _ := decodeRune(norm[i:], 0); !sr.surnameAt0.has(r) {
		return 0
	}
	for _, n := range []int{6, 3} { // two-character, then one-character surnames
		if i+n <= len(norm) && sr.surnames[norm[i:i+n]] {
			return n
		}
	}
	return 0
}

// precededBySelf: 我叫张某 names the reporter, not the subject.
func (sr *subjectReader) precededBySelf(norm string, i int) bool {
	before := strings.TrimRight(norm[:i], " ")
	for _, p := range selfMarkers {
		if strings.HasSuffix(before, p) {
			return true
		}
	}
	return false
}

// selfMarkers introduce the reporter's own name: 我叫张某, or a signature 举报人: 张某.
var selfMarkers = []string{"我叫", "本人", "我是", "举报人:", "联系人:", "反映人:", "来信人:", "署名:", "投诉人:", "实名举报人:", "举报人", "具名:"}

// runeSet is a bit set over the Basic Multilingual Plane; other runes are never in it.
type runeSet [0x10000 / 64]uint64

func (s *runeSet) add(r rune) {
	if r >= 0 && r < 0x10000 {
		s[r/64] |= 1 << (r % 64)
	}
}

func (s *runeSet) has(r rune) bool { return r >= 0 && r < 0x10000 && s[r/64]&(1<<(r%64)) != 0 }

func lastRune(s string) rune {
	r, _ := decodeLastRune(s)
	return r
}

// dropInside removes posts that are part of a unit's name (委员 in 卫生健康委员会, 交警 in
// 交警大队) rather than a person.
func dropInside(titles []titleMention, units []unitMention) []titleMention {
	out := titles[:0]
	for _, t := range titles {
		inside := false
		for _, u := range units {
			if u.start <= t.start && t.end <= u.end && (t.end < u.end || t.start > u.start) {
				inside = true
				break
			}
		}
		if !inside {
			out = append(out, t)
		}
	}
	return out
}

// conductReach is how far (bytes, about 12 characters) after a post a conduct word may
// stand and still describe its holder.
const conductReach = 36

// rankedTitle is a post that may be the subject's, with how likely.
type rankedTitle struct {
	tm      titleMention
	score   int
	accused bool // a name stands next to it, or conduct words follow it
}

// rankTitles orders the posts that may be the subject's, best first: a post next to a
// name or a unit, or followed by conduct words, is preferred, and the reporter's own
// (我是社区工作人员) is skipped.
func (sr *subjectReader) rankTitles(norm string, titles []titleMention, units []unitMention, names []nameMention, conduct []span) []rankedTitle {
	var out []rankedTitle
	for i, tm := range titles {
		score := -i // earlier is better, all else equal
		accused := false
		before := norm[:tm.start]
		if strings.HasSuffix(before, "我是") || strings.HasSuffix(before, "我是一名") || strings.HasSuffix(before, "我是一个") ||
			strings.HasSuffix(before, "作为") || strings.HasSuffix(before, "我是社区") || strings.HasSuffix(before, "我是村") {
			score -= 100
		}
		for _, n := range names {
			if n.end == tm.start || n.start == tm.end {
				score += 30
				accused = true
			}
		}
		for _, u := range units {
			if u.end == tm.start || u.end+len("的") == tm.start && strings.HasPrefix(norm[u.end:], "的") {
				score += 20
			}
		}
		// The post whose holder the conduct words describe: 窗口人员态度恶劣.
		for _, c := range conduct {
			if c.start >= tm.end && c.start-tm.end <= conductReach {
				score += 10
				accused = true
				break
			}
		}
		if sr.generic[tm.info.text] {
			score -= 40 // 工作人员, 领导: any named post is the better reading
			accused = false
		}
		if score > -90 {
			out = append(out, rankedTitle{tm, score, accused && score > -90})
		}
	}
	slices.SortStableFunc(out, func(a, b rankedTitle) int { return cmp.Compare(b.score, a.score) })
	return out
}

// pickUnit prefers the unit the chosen post belongs to; otherwise the first public
// body named, passing over one the reporter only turned to (向县纪委反映) or was merely
// at (我在县医院看病，医保局不给报销) when another is named.
func pickUnit(norm string, units []unitMention, title titleMention, hasTitle bool) (unitMention, bool) {
	if len(units) == 0 {
		return unitMention{}, false
	}
	if hasTitle {
		for _, u := range units {
			if u.end == title.start || u.end+len("的") == title.start && strings.HasPrefix(norm[u.end:], "的") {
				return u, true
			}
		}
	}
	// The body a report names as its object (我反映县畜牧兽医局, 举报城关镇政府) is the one
	// complained about.
	for _, u := range units {
		if isReportObject(norm, u) && !isAddressee(norm, u) && isPublicBody(norm[u.start:u.end]) {
			return u, true
		}
	}
	for _, strict := range []bool{true, false} {
		for _, u := range units {
			name := norm[u.start:u.end]
			if isAddressee(norm, u) || strict && (!isPublicBody(name) || len(units) > 1 && isWhereabouts(norm, u) || isSection(name) && hasWholeBody(norm, units)) {
				continue
			}
			return u, true
		}
	}
	return units[0], true
}

// isSection: a section inside a body (房地产科, 审核科, 档案室), not a body of its own.
func isSection(name string) bool {
	return strings.HasSuffix(name, "科") || strings.HasSuffix(name, "股") || strings.HasSuffix(name, "室")
}

// hasWholeBody: a bureau or a government is named among the units, so a section is
// better read as part of it.
func hasWholeBody(norm string, units []unitMention) bool {
	for _, u := range units {
		if u.kind == unitGovernment || strings.HasSuffix(norm[u.start:u.end], "局") {
			return true
		}
	}
	return false
}

// reportVerbsBefore name what is reported: 反映 X, 举报 X (反应 is the usual slip).
var reportVerbsBefore = []string{"反映", "反应", "举报", "投诉", "检举", "控告"}

// isReportObject: the unit is the object of a report verb, with at most a filler
// between (我反映一下县住建局, 举报我们镇的农经站).
func isReportObject(norm string, u unitMention) bool {
	before := strings.TrimRight(norm[:u.start], " ")
	for _, f := range []string{"一下", "我们", "我们的", "那个", "这个", "的是", "我们村", "我们镇", "我们乡"} {
		before = strings.TrimSuffix(before, f)
	}
	for _, v := range reportVerbsBefore {
		if strings.HasSuffix(before, v) {
			return true
		}
	}
	return false
}

// isWhereabouts: the reporter was at the unit (我在县医院住院), which says where, not who.
func isWhereabouts(norm string, u unitMention) bool {
	before := norm[:u.start]
	return strings.HasSuffix(before, "我在") || strings.HasSuffix(before, "我们在") || strings.HasSuffix(before, "在")
}

// isAddressee: a discipline or petition body the citizen turned to (向县纪委反映) rather
// than one complained about (县纪委不回复).
func isAddressee(norm string, u unitMention) bool {
	name := norm[u.start:u.end]
	if !strings.Contains(name, "纪委") && !strings.Contains(name, "监委") && !strings.HasSuffix(name, "信访局") && !strings.Contains(name, "12345") {
		return false
	}
	before := norm[:u.start]
	for _, p := range []string{"向", "给", "找", "到", "去", "打"} {
		if strings.HasSuffix(before, p) {
			return true
		}
	}
	return false
}

// isPublicBody: a public organ rather than a shop or company (加油站, 某公司), which
// matters when a complaint names both the wrongdoer's business and the office.
func isPublicBody(u string) bool {
	for _, s := range []string{"公司", "银行", "加油站", "超市", "饭店", "酒店", "厂", "店", "物业", "开发商", "商家", "平台",
		"机构", "商场", "餐馆", "药店", "网吧", "驾校", "诊所", "作坊", "工地", "矿", "场"} {
		if strings.HasSuffix(u, s) {
			return false
		}
	}
	return true
}

// pickName prefers a name next to the chosen post, then the first 张某 form.
func pickName(names []nameMention, title titleMention, hasTitle bool) (nameMention, bool) {
	if hasTitle {
		for _, n := range names {
			if n.end == title.start || n.start == title.end {
				return n, true
			}
		}
	}
	for _, n := range names {
		if !n.viaTitle {
			return n, true
		}
	}
	return nameMention{}, false
}
