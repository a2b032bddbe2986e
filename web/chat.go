package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// Websocket limits.
const (
	maxChatMessage = 8 << 10          // bytes of one incoming message
	pongWait       = 60 * time.Second // a silent browser is dropped after this
	pingEvery      = pongWait * 9 / 10
	writeWait      = 10 * time.Second
	sendQueue      = 16 // outgoing batches (an exchange, a resume) a slow client may fall behind by
)

// ChatIn is a message from the page.
type ChatIn struct {
	Type    string `json:"type"` // hello, message
	Session string `json:"session,omitempty"`
	Offset  int64  `json:"offset,omitempty"` // hello: the last offset the page has
	Text    string `json:"text,omitempty"`
}

var sessionID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// ParseChat decodes one websocket message from the page.
func ParseChat(data []byte) (*ChatIn, *apiError) {
	var in ChatIn
	if ae := decode(data, &in); ae != nil {
		return nil, ae
	}
	switch in.Type {
	case "hello":
		if in.Session != "" && !sessionID.MatchString(in.Session) {
			in.Session = "" // an unknown token starts a new conversation
		}
		if in.Offset < 0 {
			in.Offset = 0
		}
	case "message":
	default:
		return nil, fail(http.StatusBadRequest, "bad_json")
	}
	return &in, nil
}

var upgrader = websocket.Upgrader{
	ReadBufferSize:  512, // frames may be larger; this only sizes the socket reads
	WriteBufferSize: 1024,
	WriteBufferPool: &sync.Pool{},
	// CheckOrigin left nil: gorilla refuses cross-origin pages.
}

// chatConns tracks live chats so shutdown can close them cleanly (the page resumes), and
// counts citizens' chats per client address.
type chatConns struct {
	mu     sync.Mutex
	conns  map[*websocket.Conn]struct{}
	limits addrLimits
}

func (cc *chatConns) add(c *websocket.Conn) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.conns == nil {
		cc.conns = map[*websocket.Conn]struct{}{}
	}
	cc.conns[c] = struct{}{}
}

func (cc *chatConns) remove(c *websocket.Conn) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	delete(cc.conns, c)
}

// Drain tells every open chat the server is going away; pages reconnect elsewhere.
func (s *Server) Drain() {
	s.chats.mu.Lock()
	defer s.chats.mu.Unlock()
	msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "server restarting")
	for c := range s.chats.conns {
		_ = c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		_ = c.Close()
	}
}

// chat is GET /ws/chat.
func (s *Server) chat(c echo.Context) error {
	addr := clientAddr(c.RealIP())
	if !s.chats.limits.connect(addr, s.cfg.Now()) {
		return fail(http.StatusTooManyRequests, "too_many_chats")
	}
	defer func() { s.chats.limits.disconnect(addr, s.cfg.Now()) }()
	ws, err := upgrader.Upgrade(c.Response(), c.Request(), nil)
	if err != nil {
		return nil // the upgrader has answered the client
	}
	s.chats.add(ws)
	defer s.chats.remove(ws)
	conn := &chatConn{srv: s, ws: ws, addr: addr, out: make(chan any, sendQueue), done: make(chan struct{}),
		limiter: rate.NewLimiter(rate.Limit(s.cfg.ChatPerSecond), s.cfg.ChatBurst)}
	go conn.writeLoop()
	conn.readLoop(c.Request().Context())
	s.unwatchChat(conn, conn.session)
	return nil
}

type chatConn struct {
	srv     *Server
	ws      *websocket.Conn
	addr    string // the client address the limits count
	out     chan any
	done    chan struct{}
	once    sync.Once
	session string
	limiter *rate.Limiter

	flush sync.Mutex // orders the lines sent to the page (deliver, catchUp)
	sent  int64      // the last line of the conversation the page was sent
}

// frames are written in order and take one place in the send queue, so a resume of any
// length arrives whole.
type frames []any

// closeFrame ends the connection once what was queued before it is written.
type closeFrame struct {
	code int
	text string
}

func (cn *chatConn) close() { cn.once.Do(func() { close(cn.done); cn.ws.Close() }) }

// send queues a message; a client too slow to take it is dropped rather than allowed to
// hold the server's memory.
func (cn *chatConn) send(v any) {
	select {
	case cn.out <- v:
	case <-cn.done:
	default:
		cn.srv.log.Info("dropping slow chat client")
		cn.close()
	}
}

func (cn *chatConn) sendError(code string) {
	cn.send(errorFrame(code))
}

func errorFrame(code string) map[string]string {
	return map[string]string{"type": "error", "error": code, "message": messages[code]}
}

func (cn *chatConn) writeLoop() {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	defer cn.close()
	for {
		select {
		case v := <-cn.out:
			if !cn.write(v) {
				return
			}
		case <-ping.C:
			if err := cn.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				return
			}
		case <-cn.done:
			return
		}
	}
}

// write writes one queued item; false ends the connection.
func (cn *chatConn) write(v any) bool {
	switch v := v.(type) {
	case frames:
		for _, f := range v {
			if !cn.write(f) {
				return false
			}
		}
		return true
	case closeFrame:
		_ = cn.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(v.code, v.text), time.Now().Add(writeWait))
		return false
	}
	_ = cn.ws.SetWriteDeadline(time.Now().Add(writeWait))
	return cn.ws.WriteJSON(v) == nil
}

func (cn *chatConn) readLoop(ctx context.Context) {
	defer cn.close()
	cn.ws.SetReadLimit(maxChatMessage)
	_ = cn.ws.SetReadDeadline(time.Now().Add(pongWait))
	cn.ws.SetPongHandler(func(string) error { return cn.ws.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		_, data, err := cn.ws.ReadMessage()
		if err != nil {
			return
		}
		_ = cn.ws.SetReadDeadline(time.Now().Add(pongWait))
		if !cn.limiter.Allow() {
			cn.sendError("too_fast")
			continue
		}
		in, ae := ParseChat(data)
		if ae != nil {
			cn.sendError(ae.Code)
			continue
		}
		if err := cn.handle(ctx, in); err != nil {
			cn.srv.log.Info("chat message failed", "err", err)
			cn.sendError(fromDomain(err).Code)
		}
	}
}

func (cn *chatConn) handle(ctx context.Context, in *ChatIn) error {
	if in.Type == "hello" {
		return cn.hello(ctx, in)
	}
	if cn.session == "" {
		return fail(http.StatusBadRequest, "bad_json")
	}
	mine := chatLine{Type: "message", From: "me", Text: in.Text}
	switch held, err := cn.srv.citizenToStaff(ctx, "web", cn.session, in.Text); {
	case err != nil:
		cn.send(mine)
		return err
	case held: // a person has the conversation: the bot stays quiet
		return cn.keepOwn(ctx, in.Text)
	}
	reply, err := cn.srv.dialogue.Handle(ctx, "web", cn.session, in.Text)
	if err != nil {
		cn.send(mine) // shown but not kept: the bot did not take it, so the citizen sends it again
		return err
	}
	if reply.Ticket != "" {
		cn.srv.metrics.ticketCreated("web")
	}
	mine.private = reply.Private
	lines := []chatLine{mine}
	for i, m := range reply.Messages {
		line := chatLine{Type: "message", From: "bot", Text: m.Text, Options: m.Options, private: m.Private}
		if i == len(reply.Messages)-1 {
			line.Ticket, line.QueryCode = reply.Ticket, reply.QueryCode
		}
		lines = append(lines, line)
	}
	if err := cn.srv.transcripts().add(ctx, cn.session, lines, reply.Ticket != ""); err != nil {
		// The dialogue has moved on (perhaps filed the report): the citizen must still
		// see its answer, though a later resume will not replay it.
		cn.srv.log.Warn("chat lines not kept", "err", err)
	}
	cn.deliver(ctx, lines)
	if reply.Handoff {
		return cn.srv.askedForPerson(ctx, "web", cn.session, "", in.Text, reply)
	}
	return nil
}

// hello starts or resumes a conversation. Nothing is written: a conversation is kept
// from the citizen's first message, so a flood of hellos leaves no trace in Redis.
func (cn *chatConn) hello(ctx context.Context, in *ChatIn) error {
	if !cn.srv.chats.limits.hello(cn.addr, cn.srv.cfg.Now()) {
		// Closing lets the page's reconnect back-off pace it.
		cn.send(frames{errorFrame("too_many_hellos"), closeFrame{websocket.ClosePolicyViolation, "too many hellos"}})
		return nil
	}
	cn.flush.Lock()
	defer cn.flush.Unlock()
	if cn.session != "" {
		cn.srv.unwatchChat(cn, cn.session)
	}
	var missed []chatLine
	if in.Session == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		cn.session = hex.EncodeToString(b)
	} else {
		var err error
		if missed, err = cn.srv.transcripts().since(ctx, in.Session, in.Offset); err != nil {
			return err
		}
		cn.session = in.Session
	}
	batch := frames{map[string]any{"type": "session", "session": cn.session}}
	if in.Offset == 0 && len(missed) == 0 { // nothing said yet: the bot speaks first
		g := cn.srv.dialogue.Greeting()
		batch = append(batch, chatLine{Type: "message", From: "bot", Text: g.Text, Options: g.Options})
	}
	cn.sent = 0
	if in.Session != "" {
		cn.sent = in.Offset
	}
	for _, l := range missed {
		batch = append(batch, l)
		cn.sent = max(cn.sent, l.Offset)
	}
	cn.srv.watchChat(cn)
	cn.send(batch)
	return nil
}

func (s *Server) transcripts() transcripts {
	return transcripts{rdb: s.rdb, key: s.key, ttl: s.cfg.SessionTTL, keys: s.cfg.Keys, log: s.log}
}
