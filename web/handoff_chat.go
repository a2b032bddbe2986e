package web

import (
	"context"
	"errors"
	"sync"
	"time"

	"qingfeng/bot"
)

// The citizen's side of a handoff: their messages go to staff instead of the dialogue,
// and what staff write reaches them on their own channel: on the web page at once (on
// whichever instance holds its websocket), over WeChat through the customer-service
// API, over SMS with the reply to their next message.

// citizenToStaff passes a citizen's message to the open handoff of their conversation.
// It answers false when there is none, or when the citizen leaves a queue nobody has
// taken yet (重新开始): the dialogue answers them then.
func (s *Server) citizenToStaff(ctx context.Context, channel, conv, text string) (bool, error) {
	id, err := s.handoffOf(ctx, channel, conv)
	if err != nil || id == "" {
		return false, err
	}
	h := &handoff{ID: id, Channel: channel, conv: conv}
	if bot.Cancels(text) {
		switch err := s.closeHandoff(ctx, h, ""); {
		case err == nil, errors.Is(err, errHandoffGone):
			return false, nil
		case !errors.Is(err, errHandoffNotYou):
			return false, err
		}
		// Somebody has it already: they decide when the bot takes over again.
	}
	_, err = s.addHandoffLines(ctx, h, "", []handoffLine{{From: saidByCitizen, Text: text, At: s.stamp()}})
	if errors.Is(err, errHandoffGone) {
		return false, nil // it ended meanwhile
	}
	return err == nil, err
}

// askedForPerson puts a conversation whose message asked for a person (bot.Reply.Handoff)
// in the live queue, with that exchange. On the web the kept transcript is the
// conversation so far; elsewhere the draft the bot gathered stands for what came before.
func (s *Server) askedForPerson(ctx context.Context, channel, conv, contact, text string, reply *bot.Reply) error {
	var lines []handoffLine
	if channel == "web" {
		kept, err := s.transcripts().since(ctx, conv, 0)
		if err != nil {
			return err
		}
		for _, l := range kept {
			from := map[string]string{"me": saidByCitizen, "bot": saidByBot, "staff": saidByStaff}[l.From]
			lines = append(lines, handoffLine{From: from, Text: l.Text, private: l.private})
		}
	} else {
		lines = append(lines, handoffLine{From: saidByCitizen, Text: text, At: s.stamp(), private: reply.Private})
		for _, m := range reply.Messages {
			lines = append(lines, handoffLine{From: saidByBot, Text: m.Text, At: s.stamp(), private: m.Private})
		}
	}
	_, err := s.openHandoff(ctx, channel, conv, contact, reply.Urgent, lines)
	return err
}

func (s *Server) stamp() string { return s.cfg.Now().UTC().Format(time.RFC3339) }

// toCitizen says msgs to the citizen of handoff h on their channel, as from (staff or
// bot). A filed report's number and query code come with the last message (ticket,
// code), so the web page shows its receipt.
func (s *Server) toCitizen(ctx context.Context, h *handoff, from string, msgs []bot.Message, ticket, code string) error {
	switch h.Channel {
	case "web":
		lines := make([]chatLine, len(msgs))
		for i, m := range msgs {
			lines[i] = chatLine{Type: "message", From: from, Text: m.Text, Options: m.Options, private: m.Private}
		}
		if n := len(lines); n > 0 && ticket != "" {
			lines[n-1].Ticket, lines[n-1].QueryCode = ticket, code
		}
		if err := s.transcripts().add(ctx, h.conv, lines, ticket != ""); err != nil {
			return err
		}
		if err := s.rdb.Publish(ctx, s.chatPushChannel(), h.conv).Err(); err != nil {
			// Kept all the same: the page shows it at the citizen's next message or reload.
			s.log.Warn("chat push not published", "err", err)
		}
		return nil
	case "wechat":
		return s.SendWechat(ctx, h.conv, wechatText(msgs))
	case "sms":
		texts := make([]string, len(msgs))
		for i, m := range msgs {
			texts[i] = m.Text
		}
		return s.queueForSMS(ctx, h.conv, texts)
	}
	return errors.New("handoff: unknown channel " + h.Channel)
}

// chatPushChannel carries the session ids of web conversations with new lines written by
// someone other than their page.
func (s *Server) chatPushChannel() string { return s.key("chat", "push") }

// chatHub finds this instance's open chats by session. One subscription per instance
// tells it which conversation has new lines; the lines themselves are read from the
// sealed transcript, never sent over Pub/Sub.
type chatHub struct {
	mu      sync.Mutex
	conns   map[string]map[*chatConn]struct{}
	started sync.Once
}

// watchChat lets lines written elsewhere reach cn's page.
func (s *Server) watchChat(cn *chatConn) {
	s.hub.started.Do(s.listenChats)
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	if s.hub.conns == nil {
		s.hub.conns = map[string]map[*chatConn]struct{}{}
	}
	if s.hub.conns[cn.session] == nil {
		s.hub.conns[cn.session] = map[*chatConn]struct{}{}
	}
	s.hub.conns[cn.session][cn] = struct{}{}
}

func (s *Server) unwatchChat(cn *chatConn, session string) {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	delete(s.hub.conns[session], cn)
	if len(s.hub.conns[session]) == 0 {
		delete(s.hub.conns, session)
	}
}

// listenChats subscribes this instance, waiting until Redis confirms so that no line
// written after the first chat opened is missed; go-redis resubscribes after a drop.
func (s *Server) listenChats() {
	sub := s.rdb.Subscribe(context.Background(), s.chatPushChannel())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := sub.Receive(ctx); err != nil {
		s.log.Warn("chat pushes not subscribed yet", "err", err)
	}
	go func() {
		for m := range sub.Channel() {
			s.hub.mu.Lock()
			var conns []*chatConn
			for cn := range s.hub.conns[m.Payload] {
				conns = append(conns, cn)
			}
			s.hub.mu.Unlock()
			for _, cn := range conns {
				go cn.catchUp()
			}
		}
	}()
}

// deliver sends lines of the conversation in order, skipping what the page was sent
// already. A gap before them means lines were written meanwhile by someone else (a
// member of staff, on any instance): those are read and sent first.
func (cn *chatConn) deliver(ctx context.Context, lines []chatLine) {
	cn.flush.Lock()
	defer cn.flush.Unlock()
	if len(lines) > 0 && lines[0].Offset > cn.sent+1 {
		if kept, err := cn.srv.transcripts().since(ctx, cn.session, cn.sent); err == nil {
			lines = kept
		}
	}
	cn.sendLines(lines)
}

// catchUp sends the page what was written to its conversation since it was last sent
// anything.
func (cn *chatConn) catchUp() {
	ctx, cancel := context.WithTimeout(context.Background(), writeWait)
	defer cancel()
	cn.flush.Lock()
	defer cn.flush.Unlock()
	kept, err := cn.srv.transcripts().since(ctx, cn.session, cn.sent)
	if err != nil {
		cn.srv.log.Warn("chat lines written elsewhere not read", "err", err)
		return
	}
	cn.sendLines(kept)
}

// sendLines queues the lines the page has not been sent; cn.flush is held.
func (cn *chatConn) sendLines(lines []chatLine) {
	var batch frames
	for _, l := range lines {
		if l.Offset != 0 && l.Offset <= cn.sent {
			continue
		}
		batch = append(batch, l)
		cn.sent = max(cn.sent, l.Offset)
	}
	if len(batch) > 0 {
		cn.send(batch)
	}
}

// keepOwn keeps and shows a citizen's message that went to staff.
func (cn *chatConn) keepOwn(ctx context.Context, text string) error {
	lines := []chatLine{{Type: "message", From: "me", Text: text}}
	if err := cn.srv.transcripts().add(ctx, cn.session, lines, false); err != nil {
		cn.srv.log.Warn("chat lines not kept", "err", err)
	}
	cn.deliver(ctx, lines)
	return nil
}
