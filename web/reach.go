package web

import (
	"context"

	"qingfeng/intake"
	"qingfeng/staff"
)

// reach is what one member of staff may see (DOMAIN.md): the intake office and leaders
// every ticket, an operator the calls they logged, a handler the tickets of its body and
// the bodies below it, the admin none. Worked out once per request or live connection,
// so checking a ticket costs no Redis call.
type reach struct {
	all      bool
	operator string
	bodies   map[string]bool
	subtree  []string // a handler's bodies, for reading its own indexes
}

func (s *Server) reachOf(ctx context.Context, a *staff.Account) (reach, error) {
	switch a.Role {
	case staff.RoleIntake, staff.RoleLeader:
		return reach{all: true}, nil
	case staff.RoleOperator:
		return reach{operator: a.Username}, nil
	case staff.RoleHandler:
		subtree, err := s.staff.Subtree(ctx, a.Body)
		if err != nil {
			return reach{}, err
		}
		r := reach{bodies: map[string]bool{}, subtree: subtree}
		for _, b := range subtree {
			r.bodies[b] = true
		}
		return r, nil
	}
	return reach{}, nil
}

// sees decides on a ticket by its body and the operator who logged it.
func (r reach) sees(body, operator string) bool {
	return r.all || r.operator != "" && operator == r.operator || body != "" && r.bodies[body]
}

func (r reach) seesTicket(t *intake.Ticket) bool { return r.sees(t.Body, t.Operator) }
