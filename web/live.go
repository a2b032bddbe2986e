package web

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"qingfeng/intake"
	"qingfeng/staff"
)

// staffLive is GET /staff/api/live: a websocket that carries ticket changes as they
// happen on any instance ({"event":"created","ticket":"QF-…"}), only those the member
// of staff may see. The events say whose tickets they are, so forwarding one costs no
// Redis call, however many screens are open.
func (s *Server) staffLive(c echo.Context) error {
	// Subscribed before the upgrade: once the page's socket is open, no change is missed.
	ctx := c.Request().Context()
	sub := s.live.Live(ctx)
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		return unavailable(fmt.Errorf("live subscription: %w", err))
	}
	ws, err := upgrader.Upgrade(c.Response(), c.Request(), nil)
	if err != nil {
		return nil // the upgrader has answered
	}
	s.chats.add(ws)
	defer s.chats.remove(ws)
	defer ws.Close()
	acct := account(c)
	r, err := s.reachOf(ctx, acct)
	if err != nil {
		return nil
	}
	// The page sends nothing; reading notices when it goes away.
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		ws.SetReadLimit(512)
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	msgs := sub.Channel()
	for {
		select {
		case <-gone:
			return nil
		case <-ping.C:
			if err := ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				return nil
			}
		case m, ok := <-msgs:
			if !ok {
				return nil
			}
			if ev, ok := strings.CutPrefix(m.Payload, handoffPrefix); ok {
				if acct.Role == staff.RoleIntake { // the live queue is the intake office's
					_ = ws.SetWriteDeadline(time.Now().Add(writeWait))
					if err := ws.WriteMessage(websocket.TextMessage, []byte(ev)); err != nil {
						return nil
					}
				}
				continue
			}
			if call, ok := strings.CutPrefix(m.Payload, "ringing "); ok {
				if err := s.forwardRinging(ws, acct, call); err != nil {
					return nil
				}
				continue
			}
			var ev intake.LiveEvent
			if json.Unmarshal([]byte(m.Payload), &ev) != nil || !r.sees(ev.Body, ev.Operator) {
				continue
			}
			_ = ws.SetWriteDeadline(time.Now().Add(writeWait))
			if err := ws.WriteJSON(map[string]string{"event": ev.Event, "ticket": ev.Ticket, "status": string(ev.Status), "detail": ev.Detail}); err != nil {
				return nil
			}
		}
	}
}

// forwardRinging shows a ringing call ("OPERATOR {json}") to the operator it rings for;
// a call for no one in particular ("-") goes to every operator and intake officer.
func (s *Server) forwardRinging(ws *websocket.Conn, acct *staff.Account, call string) error {
	to, body, _ := strings.Cut(call, " ")
	forMe := to == acct.Username || to == "-" && (acct.Role == staff.RoleOperator || acct.Role == staff.RoleIntake)
	if !forMe || !json.Valid([]byte(body)) {
		return nil
	}
	_ = ws.SetWriteDeadline(time.Now().Add(writeWait))
	return ws.WriteMessage(websocket.TextMessage, []byte(body))
}
