package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"qingfeng/nlp"
)

// Analyzer is what intake needs of the language pipeline.
type Analyzer interface {
	Analyze(text string) (*nlp.Result, error)
	SearchTerms(text string) []string
	Rank(position, unit string) string
	Categories() []nlp.Category
	Router() *nlp.Router
}

// Report is a complaint as any channel delivers it.
type Report struct {
	Channel   string // web, sms, hotline, wechat
	SenderID  string // the sender's message or call id: retries carry the same one
	Text      string
	Anonymous bool
	Name      string // the reporter, when real-name
	Phone     string
	IDNumber  string
	Contact   string // any other way to reach them (address, e-mail), sealed with the rest
	// Subject holds what the reporter said outright about whom they report (the dialogue
	// asks); a field given here wins over what is read from the text.
	Subject     nlp.Subject
	Attachments []string // references to evidence stored elsewhere (upload ids, URLs)
	Urgent      bool     // the reporter spoke of danger or threats
	Operator    string   // hotline operator
	Actor       string   // who submits it, for the audit trail
	Role        Role
	// Conversation is the dialogue's key: a WeChat reporter's notices go to it (the
	// channel keeps the openid under it).
	Conversation string
}

// Receipt is what the reporter is given: the ticket number and the query code.
type Receipt struct {
	Ticket    *Ticket
	QueryCode string
	Created   bool // false when the report was a retried delivery
	Related   []string
}

// Intake turns reports into tickets.
type Intake struct {
	store    *Store
	analyzer Analyzer
	keys     *Keyring
}

// NewIntake wires the store, the analyzer and the keyring.
func NewIntake(store *Store, analyzer Analyzer, keys *Keyring) *Intake {
	return &Intake{store: store, analyzer: analyzer, keys: keys}
}

var channels = map[string]bool{"web": true, "sms": true, "hotline": true, "wechat": true}

// Submit understands, routes and stores a report. A second delivery of the same
// sender id returns the first ticket and the same query code.
func (in *Intake) Submit(ctx context.Context, r Report) (*Receipt, error) {
	switch {
	case !channels[r.Channel]:
		return nil, errorf(CodeInvalid, "unknown channel %q", r.Channel)
	case r.SenderID == "" || utf8.RuneCountInString(r.SenderID) > 200:
		return nil, errorf(CodeInvalid, "a report needs the sender's message or call id (at most 200 characters)")
	case !r.Anonymous && r.Name == "" && r.Phone == "":
		return nil, errorf(CodeInvalid, "a real-name report needs the reporter's name or phone")
	case len(r.Attachments) > maxAttachments:
		return nil, errorf(CodeInvalid, "at most %d attachments", maxAttachments)
	}
	for _, a := range r.Attachments {
		if a == "" || len(a) > 500 {
			return nil, errorf(CodeInvalid, "an attachment reference must be 1 to 500 bytes")
		}
	}
	res, err := in.analyzer.Analyze(r.Text)
	if err != nil {
		return nil, &Error{Code: CodeInvalid, Msg: "the complaint text cannot be read", Err: err}
	}
	res.Subject = in.namedSubject(res.Subject, r.Subject)
	source := r.Channel + ":" + r.SenderID
	related, earlier, err := in.related(ctx, res)
	if err != nil {
		return nil, err
	}
	decision := in.analyzer.Router().Route(nlp.RouteInput{Category: res.Category, Rank: res.Subject.Rank,
		Signals: res.Signals, Reports: 1 + earlier, Transfer: res.Scope.Transfer})
	// The stored analysis carries the route the ticket actually took.
	res.Route, res.Mode, res.Rule = decision, decision.Mode, decision.Rule
	analysis, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("encode analysis: %w", err)
	}
	code := in.keys.QueryCode(source)
	t := Ticket{
		Source: source, Channel: r.Channel, Operator: r.Operator, Text: r.Text,
		Category: res.Category, Mode: decision.Mode, Rule: decision.Rule,
		SubjectName: res.Subject.Name, SubjectPosition: res.Subject.Position,
		SubjectUnit: res.Subject.Unit, SubjectRank: res.Subject.Rank, SubjectKey: subjectKey(res.Subject),
		Fingerprint: res.Fingerprint.String(), Analysis: string(analysis), QueryHash: in.keys.QueryHash(code),
		RealName: !r.Anonymous, Related: strings.Join(related, ","), Terms: res.SearchTerms(),
		Urgent: r.Urgent || hasDanger(res),
	}
	if len(r.Attachments) > 0 {
		b, err := json.Marshal(r.Attachments)
		if err != nil {
			return nil, fmt.Errorf("encode attachments: %w", err)
		}
		t.Attachments = string(b)
	}
	if !r.Anonymous {
		identity, err := json.Marshal(Identity{Name: r.Name, Phone: r.Phone, IDNumber: r.IDNumber, Contact: r.Contact})
		if err != nil {
			return nil, fmt.Errorf("encode identity: %w", err)
		}
		if t.Identity, err = in.keys.Seal(identity, source); err != nil {
			return nil, err
		}
		if r.Phone != "" {
			t.PhoneHash = in.keys.LookupHash("phone", normalizePhone(r.Phone))
		}
	}
	if t.Reach, err = in.sealReach(r, source); err != nil {
		return nil, err
	}
	actor, role := r.Actor, r.Role
	if actor == "" {
		actor, role = r.Channel, RoleSystem
	}
	tk, created, err := in.store.Create(ctx, t, actor, role)
	if err != nil {
		return nil, err
	}
	return &Receipt{Ticket: tk, QueryCode: code, Created: created, Related: related}, nil
}

// maxAttachments bounds the evidence references of one report.
const maxAttachments = 20

// namedSubject lays what the reporter named over what was read from the text; the rank
// follows the post and unit that result.
func (in *Intake) namedSubject(read, named nlp.Subject) nlp.Subject {
	if named.Name == "" && named.Position == "" && named.Unit == "" {
		return read
	}
	out := read
	for _, f := range []struct {
		dst *string
		v   string
	}{{&out.Name, named.Name}, {&out.Position, named.Position}, {&out.Unit, named.Unit}} {
		if v := strings.TrimSpace(f.v); v != "" {
			*f.dst = v
		}
	}
	if named.Position != "" || named.Unit != "" {
		out.Rank = in.analyzer.Rank(out.Position, out.Unit)
	}
	return out
}

// maxRelated is how many earlier tickets a new one links to; all of them still count.
const maxRelated = 20

// related finds earlier tickets about the same official within the routing rules'
// repeat window, and near-duplicates of the text among recent tickets. It returns the
// most recent of them (at most maxRelated) and how many there are in all.
func (in *Intake) related(ctx context.Context, res *nlp.Result) ([]string, int, error) {
	since := in.store.now().Add(-time.Duration(in.analyzer.Router().RepeatWindowDays()) * 24 * time.Hour)
	var out []string
	seen := map[string]bool{}
	total := 0
	if key := subjectKey(res.Subject); key != "" {
		ids, n, err := in.store.recent(ctx, "subject", key, since, maxRelated)
		if err != nil {
			return nil, 0, err
		}
		total = n
		for _, id := range ids {
			seen[id] = true
			out = append(out, id)
		}
	}
	near, err := in.store.nearDuplicates(ctx, res.Category, res.Fingerprint, since)
	if err != nil {
		return nil, 0, err
	}
	for _, id := range near {
		if !seen[id] {
			seen[id] = true
			total++
			if len(out) < maxRelated {
				out = append(out, id)
			}
		}
	}
	return out, total, nil
}

// subjectKey names the official a report is about, as far as it is known: a unit and a
// name, or a unit and a post. Reports that name neither are not linked by subject.
func subjectKey(s nlp.Subject) string {
	who := s.Name
	if who == "" {
		who = s.Position
	}
	if s.Unit == "" || who == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(s.Unit + "\x00" + who))
	return hex.EncodeToString(sum[:8])
}

func normalizePhone(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	s := b.String()
	return strings.TrimPrefix(s, "86")
}

// Search finds tickets whose complaint has every word of the query, newest first.
func (in *Intake) Search(ctx context.Context, query string, limit int64) ([]string, error) {
	terms := in.analyzer.SearchTerms(query)
	if len(terms) == 0 {
		return nil, errorf(CodeInvalid, "the query has no word to search for")
	}
	return in.store.Search(ctx, terms, limit)
}

// hasDanger: threats or danger to life make a ticket urgent whatever the channel.
func hasDanger(res *nlp.Result) bool {
	for _, sig := range res.Signals {
		if sig.Type == nlp.SignalThreat || sig.Type == nlp.SignalDanger {
			return true
		}
	}
	return false
}

// Analyze reads a text without storing anything (the operator's live suggestions).
func (in *Intake) Analyze(text string) (*nlp.Result, error) { return in.analyzer.Analyze(text) }
