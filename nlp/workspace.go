package nlp

import "sync"

// workspace holds the scratch buffers of one reading. Analyze borrows one from a pool,
// so a steady stream of complaints allocates little beyond its results. That saves
// garbage collection (each cycle scans gse's large dictionary) and keeps fresh memory
// from pushing gse's and the model's tables out of the CPU caches.
type workspace struct {
	text   Text
	runes  []mappedRune
	buf    []byte // the normalised text being built
	src    []rune // characters being converted to simplified
	toks   []Token
	words  []hashedWord
	known  []knownWord
	lex    []lexMatch
	titles []titleMention
	pairs  []uint64
	deeds  []int
	places []lexMatch
	weight []float64 // lexicon weight per category
}

// maxKeptRunes bounds the buffers a workspace keeps between readings, so that one very
// long text does not leave large buffers in the pool.
const maxKeptRunes = 4 << 10

type workspacePool struct{ pool sync.Pool }

func newWorkspacePool() *workspacePool {
	return &workspacePool{pool: sync.Pool{New: func() any { return new(workspace) }}}
}

func (p *workspacePool) get() *workspace { return p.pool.Get().(*workspace) }

func (p *workspacePool) put(ws *workspace) {
	if cap(ws.runes) > maxKeptRunes || cap(ws.toks) > maxKeptRunes || cap(ws.buf) > 4*maxKeptRunes {
		*ws = workspace{}
	}
	ws.text = Text{} // no reference to the caller's text stays behind
	p.pool.Put(ws)
}
