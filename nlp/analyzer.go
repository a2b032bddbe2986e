package nlp

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// Options replaces built-in data. Zero values keep the defaults embedded in the binary.
type Options struct {
	UserDict  string    // extra dictionary lines ("word freq tag"), loaded before ours
	Lexicon   []byte    // lexicon.yaml
	Subjects  []byte    // subjects.yaml
	Routing   []byte    // routing.yaml
	Signals   []byte    // signals.yaml
	Transfers []byte    // transfers.yaml
	Corpus    []Example // replaces the training corpus
	Extra     []Example // added to the corpus (e.g. staff corrections)
}

// Analyzer is the loaded pipeline. Build one with New and share it: it is read-only.
type Analyzer struct {
	norm     *normalizer
	seg      *segmenter
	lex      *lexicon
	cls      *classifier
	subjects *subjectReader
	signals  *signalReader
	router   *Router
	transfer *transferReader
	terms    *termFinder // lexicon, posts and signal phrases in one trie
	scratch  *workspacePool
}

// Result is the understanding of one complaint.
type Result struct {
	Category    string             `json:"category"`
	Scope       Scope              `json:"scope"`
	Scores      map[string]float64 `json:"scores"`
	Evidence    []Evidence         `json:"evidence"`
	Mode        string             `json:"mode"`
	Rule        string             `json:"rule"`
	Route       Decision           `json:"route"`
	Subject     Subject            `json:"subject"`
	Signals     []Signal           `json:"signals"`
	Fingerprint Fingerprint        `json:"fingerprint"`

	// Kept for SearchTerms, which only callers that index need: the normalised text and
	// where its Chinese words of two or more characters are.
	norm  string
	words []span
}

// SearchTerms are the distinct Chinese words of two or more characters, for search
// indexes; worked out on demand, since most readings (suggestions, evaluation) never
// need them.
func (r *Result) SearchTerms() []string { return searchTerms(r.norm, r.words) }

// ErrNoText is returned for input with nothing to read once normalised.
var ErrNoText = errors.New("no text to analyse")

// ErrTooLong is returned for a text over MaxTextBytes.
var ErrTooLong = fmt.Errorf("text longer than %d bytes", MaxTextBytes)

// MaxTextBytes bounds one complaint (about 20,000 Chinese characters, far beyond any
// real report) so one request cannot hold a core for long.
const MaxTextBytes = 64 << 10

// New loads dictionaries, rules and the corpus, and trains the model.
func New(opts Options) (*Analyzer, error) {
	pick := func(b, def []byte) []byte {
		if len(b) > 0 {
			return b
		}
		return def
	}
	norm, err := newNormalizer()
	if err != nil {
		return nil, err
	}
	lex, err := newLexicon(pick(opts.Lexicon, defaultLexicon))
	if err != nil {
		return nil, err
	}
	subjects, err := newSubjectReader(pick(opts.Subjects, defaultSubjects))
	if err != nil {
		return nil, err
	}
	signals, err := newSignalReader(pick(opts.Signals, defaultSignals))
	if err != nil {
		return nil, err
	}
	transfer, err := newTransferReader(pick(opts.Transfers, defaultTransfers))
	if err != nil {
		return nil, err
	}
	router, err := newRouter(pick(opts.Routing, defaultRouting), subjects, lex.index)
	if err != nil {
		return nil, err
	}
	dict, err := gseDict()
	if err != nil {
		return nil, err
	}
	a := &Analyzer{
		norm:     norm,
		seg:      newSegmenter(opts.UserDict+"\n"+defaultUserDict, dict),
		lex:      lex,
		subjects: subjects,
		signals:  signals,
		router:   router,
		transfer: transfer,
		scratch:  newWorkspacePool(),
		terms:    newTermFinder([numDicts]*runeTrie{dictLexicon: &lex.trie, dictTitles: &subjects.titles, dictSignals: &signals.phrases, dictCues: newCueTrie(), dictTransfers: &transfer.words}),
	}
	corpus := opts.Corpus
	if corpus == nil {
		if corpus, err = ParseCorpus(defaultCorpus); err != nil {
			return nil, fmt.Errorf("embedded corpus: %w", err)
		}
	}
	corpus = append(corpus[:len(corpus):len(corpus)], opts.Extra...)
	m, err := a.train(corpus, defaultTrainConfig)
	if err != nil {
		return nil, err
	}
	a.cls = &classifier{lex: lex, model: m}
	return a, nil
}

func (a *Analyzer) train(corpus []Example, cfg trainConfig) (*model, error) {
	if len(corpus) == 0 {
		return nil, errors.New("training corpus is empty")
	}
	docs := make([]docFeatures, len(corpus))
	labels := make([]int, len(corpus))
	for i, ex := range corpus {
		c, ok := a.lex.index[ex.Category]
		if !ok {
			return nil, fmt.Errorf("training example %d: unknown category %q", i+1, ex.Category)
		}
		labels[i] = c
	}
	// Reading the corpus is most of the load time; the pipeline is safe for concurrent
	// use, so every core reads a share. Each text lands at its own index, so the model
	// does not depend on the order the workers finish in.
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(corpus); i += workers {
				t := a.norm.Normalize(corpus[i].Text)
				t.Norm = callerWords(t.Norm)
				docs[i] = extractFeatures(a.seg.Cut(t.Norm), a.findTerms(t, nil), len(a.lex.cats), nil)
			}
		})
	}
	wg.Wait()
	oos, ok := a.lex.index[OutOfScope]
	if !ok {
		return nil, fmt.Errorf("lexicon has no %s category", OutOfScope)
	}
	return trainModel(docs, labels, len(a.lex.cats), oos, cfg)
}

// Categories lists the conduct categories in the lexicon's order.
func (a *Analyzer) Categories() []Category { return append([]Category(nil), a.lex.cats...) }

// Ranks lists the ranks of officials, lowest first.
func (a *Analyzer) Ranks() []Rank { return append([]Rank(nil), a.subjects.ranks...) }

// Router exposes routing so that callers who know the report history (repeats) can
// route again with it.
func (a *Analyzer) Router() *Router { return a.router }

// Analyze reads one complaint. Routing here assumes no earlier reports; callers with
// history call Router().Route with the count.
func (a *Analyzer) Analyze(text string) (*Result, error) {
	if len(text) > MaxTextBytes {
		return nil, ErrTooLong
	}
	ws := a.scratch.get()
	defer a.scratch.put(ws)
	t := a.norm.normalize(text, ws)
	// Read after normalising, so that 話務員 and full-width colons are found too. The
	// blanking keeps every byte offset, so Norm still maps onto Original.
	t.Norm = callerWords(t.Norm)
	if t.Norm == "" { // normalisation trims spaces, so blank input ends up empty
		return nil, ErrNoText
	}
	toks := a.seg.cutInto(t.Norm, ws.toks[:0])
	ws.toks = toks
	found := a.findTerms(t, ws)
	f := extractFeatures(toks, found, len(a.lex.cats), ws)
	c := a.cls.classify(t, &f, found.lex, ws)

	res := &Result{
		Category: a.lex.cats[c.primary].ID,
		Scope:    c.scope,
		Scores:   make(map[string]float64, len(c.probs)),
		Evidence: c.evidence,
		Subject:  a.subjects.read(t, toks, found.titles, conductSpans(found.lex)),
		Signals:  a.signals.places(found.signals, t, toks),
		norm:     t.Norm,
		words:    f.searchWords(),
	}
	if !res.Scope.InScope {
		res.Scope.Transfer = a.transfer.pick(t, found.places)
	}
	for i, p := range c.probs {
		res.Scores[a.lex.cats[i].ID] = round4(p)
	}
	res.Fingerprint = simhash(&f)
	res.Route = a.router.Route(RouteInput{Category: res.Category, Rank: res.Subject.Rank, Signals: res.Signals, Reports: 1, Transfer: res.Scope.Transfer})
	res.Mode, res.Rule = res.Route.Mode, res.Route.Rule
	return res, nil
}

// Rank infers the rank of a post held in a unit, as Analyze does for the subject it
// extracts; "" when the post is unknown. For subjects a reporter names outright.
func (a *Analyzer) Rank(position, unit string) string {
	pos := a.norm.Normalize(position).Norm
	hits, end := a.subjects.titles.longest(pos, 0)
	if end != len(pos) || len(hits) == 0 {
		return ""
	}
	u := a.norm.Normalize(unit).Norm
	toks := a.seg.Cut(u)
	m := unitMention{span{0, len(u)}, a.subjects.levelOf(toks), a.subjects.unitKind(u)}
	if u == "" {
		m = unitMention{}
	}
	return a.subjects.rankOf(a.subjects.titleInfo[hits[0].cat], m)
}

// SearchTerms cuts a query the way Analyze cuts complaints for the search index.
func (a *Analyzer) SearchTerms(text string) []string {
	if len(text) > MaxTextBytes {
		text = text[:MaxTextBytes]
	}
	norm := a.norm.Normalize(text).Norm
	f := extractFeatures(a.seg.Cut(norm), termsFound{}, 0, nil)
	return searchTerms(norm, f.searchWords())
}

// maxTerms bounds the index entries of one complaint.
const maxTerms = 200

// searchTerms keeps the distinct words, at most maxTerms.
func searchTerms(norm string, words []span) []string {
	seen := make(map[string]bool, len(words))
	var out []string
	for _, w := range words {
		term := norm[w.start:w.end]
		if seen[term] || len(out) == maxTerms {
			continue
		}
		seen[term] = true
		out = append(out, term)
	}
	return out
}

func conductSpans(matches []lexMatch) []span {
	out := make([]span, 0, len(matches))
	for _, m := range matches {
		if m.weight >= 2 {
			out = append(out, span{m.start, m.end})
		}
	}
	return out
}

// WithCorpus returns an Analyzer that shares this one's dictionaries and rules but is
// trained on another corpus (cross-validation, retraining with staff corrections).
func (a *Analyzer) WithCorpus(corpus []Example) (*Analyzer, error) {
	m, err := a.train(corpus, defaultTrainConfig)
	if err != nil {
		return nil, err
	}
	b := *a
	b.cls = &classifier{lex: a.lex, model: m}
	return &b, nil
}
