package intake

import (
	"fmt"
	"strconv"
	"time"
)

// Ticket is a tracked complaint as the store keeps it. Reporter identity is only ever
// held sealed (Identity); lookups by phone go through PhoneHash.
type Ticket struct {
	ID        string
	Version   int64
	Status    Status
	Mode      string // direct, assigned, transferred, supervised
	Rule      string // the routing rule that chose the mode
	Category  string
	Channel   string // web, sms, hotline
	Body      string // the body handling it
	Due       Date   // current deadline; zero when none
	DueStart  Date   // when that deadline was set, for warning levels
	CreatedAt time.Time
	UpdatedAt time.Time

	Text            string
	SubjectName     string
	SubjectPosition string
	SubjectUnit     string
	SubjectRank     string
	SubjectKey      string // links reports about the same official
	Fingerprint     string
	Analysis        string // the nlp result, JSON
	Related         string // comma-separated earlier tickets about the same matter
	Attachments     string // JSON list of evidence references
	Urgent          bool   // threats or danger to life: staff see it first
	Corrected       bool   // staff corrected category or subject: a labelled example for retraining

	RealName  bool
	Identity  string // sealed reporter identity and contact (Keyring.Seal), "" when anonymous
	PhoneHash string // Keyring.LookupHash("phone", …), for a caller's history
	Reach     string // sealed: where notices reach the reporter (notices.go), "" when nowhere
	QueryHash string // Keyring.QueryHash of the query code (SHA-256 or SM3); the code itself is shown once
	Source    string // channel + sender's message or call id: the idempotency key
	Operator  string // the hotline operator who logged it
	MainID    string // set when merged into another ticket
	AuditHead string // hash of the last audit entry
	AuditSeq  int64  // its sequence number

	// Terms are the words the search index files the ticket under; written at creation,
	// not kept in the ticket hash.
	Terms []string

	Finding  string // 属实, 部分属实, 不属实
	Disposal string
	Measures string // comma-separated 问责 measures
	Reply    string // what the reporter was told
	// Satisfaction is what the reporter said at the follow-up (回访), "" before it.
	Satisfaction string
}

// fields encodes the ticket as a Redis hash, what the reporter typed sealed.
func (s *Store) fields(t *Ticket) ([]any, error) {
	due := dateOrEmpty(t.Due)
	out := []any{
		"id", t.ID, "version", t.Version, "status", string(t.Status), "mode", t.Mode, "rule", t.Rule,
		"category", t.Category, "channel", t.Channel, "body", t.Body, "due", due, "due_start", dateOrEmpty(t.DueStart),
		"created_at", t.CreatedAt.UTC().Format(time.RFC3339Nano), "updated_at", t.UpdatedAt.UTC().Format(time.RFC3339Nano),
		"text", t.Text, "subject_name", t.SubjectName, "subject_position", t.SubjectPosition,
		"subject_unit", t.SubjectUnit, "subject_rank", t.SubjectRank, "subject_key", t.SubjectKey,
		"fingerprint", t.Fingerprint, "related", t.Related, "attachments", t.Attachments, "urgent", strconv.FormatBool(t.Urgent), "corrected", strconv.FormatBool(t.Corrected),
		"analysis", t.Analysis, "real_name", strconv.FormatBool(t.RealName), "identity", t.Identity, "reach", t.Reach,
		"phone_hash", t.PhoneHash, "query_hash", t.QueryHash, "source", t.Source, "operator", t.Operator,
		"main_id", t.MainID, "audit_head", t.AuditHead, "audit_seq", t.AuditSeq,
		"finding", t.Finding, "disposal", t.Disposal, "measures", t.Measures, "reply", t.Reply, "satisfaction", t.Satisfaction,
	}
	for i := 0; i < len(out); i += 2 {
		if name := out[i].(string); sealedFields[name] {
			v, err := s.sealValue(t.ID, name, out[i+1].(string))
			if err != nil {
				return nil, err
			}
			out[i+1] = v
		}
	}
	return out, nil
}

// decode reads what HGETALL returned, opening what was sealed.
func (s *Store) decode(h map[string]string) (*Ticket, error) {
	for name := range sealedFields {
		v, err := s.openValue(h["id"], name, h[name])
		if err != nil {
			return nil, err
		}
		h[name] = v
	}
	t := &Ticket{
		ID: h["id"], Status: Status(h["status"]), Mode: h["mode"], Rule: h["rule"], Category: h["category"],
		Channel: h["channel"], Body: h["body"], Text: h["text"], SubjectName: h["subject_name"],
		SubjectPosition: h["subject_position"], SubjectUnit: h["subject_unit"], SubjectRank: h["subject_rank"],
		SubjectKey: h["subject_key"], Related: h["related"], Attachments: h["attachments"], Urgent: h["urgent"] == "true", Corrected: h["corrected"] == "true",
		Fingerprint: h["fingerprint"], Analysis: h["analysis"], RealName: h["real_name"] == "true",
		Identity: h["identity"], Reach: h["reach"], PhoneHash: h["phone_hash"], QueryHash: h["query_hash"], Source: h["source"],
		Operator: h["operator"], MainID: h["main_id"], AuditHead: h["audit_head"],
		Finding: h["finding"], Disposal: h["disposal"], Measures: h["measures"], Reply: h["reply"], Satisfaction: h["satisfaction"],
	}
	var err error
	if t.Version, err = strconv.ParseInt(h["version"], 10, 64); err != nil {
		return nil, fmt.Errorf("ticket %s: version: %w", t.ID, err)
	}
	if t.AuditSeq, err = strconv.ParseInt(h["audit_seq"], 10, 64); err != nil {
		return nil, fmt.Errorf("ticket %s: audit_seq: %w", t.ID, err)
	}
	if t.CreatedAt, err = time.Parse(time.RFC3339Nano, h["created_at"]); err != nil {
		return nil, fmt.Errorf("ticket %s: created_at: %w", t.ID, err)
	}
	if t.UpdatedAt, err = time.Parse(time.RFC3339Nano, h["updated_at"]); err != nil {
		return nil, fmt.Errorf("ticket %s: updated_at: %w", t.ID, err)
	}
	for _, d := range []struct {
		field string
		into  *Date
	}{{"due", &t.Due}, {"due_start", &t.DueStart}} {
		if h[d.field] != "" {
			if *d.into, err = ParseDate(h[d.field]); err != nil {
				return nil, fmt.Errorf("ticket %s: %s: %w", t.ID, d.field, err)
			}
		}
	}
	return t, nil
}

func dateOrEmpty(d Date) string {
	if d == (Date{}) {
		return ""
	}
	return d.String()
}
