package intake

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
)

// Identity is who reported, when they gave their name.
type Identity struct {
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	IDNumber string `json:"id_number"`
	Contact  string `json:"contact,omitempty"`
	// Text is the complaint as typed, with any phone or ID number the reporter wrote into
	// it, which every other view masks.
	Text string `json:"text"`
}

// identityReaders are the roles that may see a reporter's identity: the intake office,
// which must tell a real-name reporter the outcome, and leaders. Never the body that
// handles the matter, nor anyone else (DOMAIN.md, reporter protection).
var identityReaders = []Role{RoleIntake, RoleLeader}

// RevealIdentity opens a ticket's sealed identity for a member of staff whose role may
// see it, and records the view in the ticket's audit trail before returning it.
func (in *Intake) RevealIdentity(ctx context.Context, id, actor string, role Role, why string) (*Identity, error) {
	if !slices.Contains(identityReaders, role) {
		return nil, errorf(CodeForbidden, "role %q may not see a reporter's identity", role)
	}
	if actor == "" || why == "" {
		return nil, errorf(CodeInvalid, "viewing an identity needs the viewer and the reason")
	}
	for attempt := 0; ; attempt++ {
		t, err := in.store.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if t.Identity == "" {
			return nil, errorf(CodeNotFound, "ticket %s is anonymous", id)
		}
		err = in.store.record(ctx, t, actor, role, ActViewIdentity, "查看举报人身份："+why)
		if CodeOf(err) == CodeConflict && attempt < 3 {
			continue // someone moved the ticket meanwhile: record against the new version
		}
		if err != nil {
			return nil, err
		}
		plain, err := in.keys.Open(t.Identity, t.Source)
		if err != nil {
			return nil, fmt.Errorf("ticket %s: %w", id, err)
		}
		var who Identity
		if err := json.Unmarshal(plain, &who); err != nil {
			return nil, fmt.Errorf("ticket %s: identity: %w", id, err)
		}
		who.Text = t.Text
		return &who, nil
	}
}
