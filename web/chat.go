package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"qingfeng/bot"
)

// Websocket limits.
const (
	maxChatMessage = 8 << 10          // bytes of one incoming message
	pongWait       = 60 * time.Second // a silent browser is dropped after this
	pingEvery      = pongWait * 9 / 10
	writeWait      = 10 * time.Second
	sendQueue      = 16 // outgoing messages a slow client may fall behind by
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

// chatConns tracks live chats so shutdown can close them cleanly (the page resumes).
type chatConns struct {
	mu    sync.Mutex
	conns map[*websocket.Conn]struct{}
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
	ws, err := upgrader.Upgrade(c.Response(), c.Request(), nil)
	if err != nil {
		return nil // the upgrader has answered the client
	}
	s.chats.add(ws)
	defer s.chats.remove(ws)
	conn := &chatConn{srv: s, ws: ws, out: make(chan any, sendQueue), done: make(chan struct{}),
		limiter: rate.NewLimiter(rate.Limit(s.cfg.ChatPerSecond), s.cfg.ChatBurst)}
	go conn.writeLoop()
	conn.readLoop(c.Request().Context())
	return nil
}

type chatConn struct {
	srv     *Server
	ws      *websocket.Conn
	out     chan any
	done    chan struct{}
	once    sync.Once
	session string
	limiter *rate.Limiter
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
	cn.send(map[string]string{"type": "error", "error": code, "message": messages[code]})
}

func (cn *chatConn) writeLoop() {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	defer cn.close()
	for {
		select {
		case v := <-cn.out:
			_ = cn.ws.SetWriteDeadline(time.Now().Add(writeWait))
			if err := cn.ws.WriteJSON(v); err != nil {
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
	t := cn.srv.transcripts()
	if in.Type == "hello" {
		cn.session = in.Session
		if cn.session == "" {
			b := make([]byte, 16)
			_, _ = rand.Read(b)
			cn.session = hex.EncodeToString(b)
		}
		cn.send(map[string]any{"type": "session", "session": cn.session})
		missed, err := t.since(ctx, cn.session, in.Offset)
		if err != nil {
			return err
		}
		if in.Offset == 0 && len(missed) == 0 { // a new conversation: the bot speaks first
			g := cn.srv.dialogue.Greeting()
			line := chatLine{Type: "message", From: "bot", Text: g.Text, Options: g.Options}
			if line.Offset, err = t.add(ctx, cn.session, line); err != nil {
				return err
			}
			missed = []chatLine{line}
		}
		for _, l := range missed {
			cn.send(l)
		}
		return nil
	}
	if cn.session == "" {
		return fail(http.StatusBadRequest, "bad_json")
	}
	mine := chatLine{Type: "message", From: "me", Text: in.Text}
	off, err := t.add(ctx, cn.session, mine)
	if err != nil {
		return err
	}
	mine.Offset = off
	cn.send(mine)
	reply, err := cn.srv.dialogue.Handle(ctx, "web", cn.session, in.Text)
	if errors.Is(err, bot.ErrUnavailable) {
		return err
	}
	if err != nil {
		return err
	}
	if reply.Ticket != "" {
		cn.srv.metrics.ticketCreated("web")
	}
	for i, m := range reply.Messages {
		line := chatLine{Type: "message", From: "bot", Text: m.Text, Options: m.Options}
		if i == len(reply.Messages)-1 {
			line.Ticket, line.QueryCode = reply.Ticket, reply.QueryCode
		}
		if line.Offset, err = t.add(ctx, cn.session, line); err != nil {
			return err
		}
		cn.send(line)
	}
	return nil
}

func (s *Server) transcripts() transcripts {
	return transcripts{rdb: s.rdb, key: s.key, ttl: s.cfg.SessionTTL}
}
