package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func dial(t *testing.T, e *env) *websocket.Conn {
	t.Helper()
	ws, resp, err := tryDial(e)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// tryDial opens the chat; a refusal before the upgrade comes back as err with its response.
func tryDial(e *env) (*websocket.Conn, *http.Response, error) {
	return websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+"/ws/chat", nil)
}

func readUntil(t *testing.T, ws *websocket.Conn, want func(map[string]any) bool) []map[string]any {
	t.Helper()
	var seen []map[string]any
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var m map[string]any
		if err := ws.ReadJSON(&m); err != nil {
			t.Fatalf("reading (after %v): %v", seen, err)
		}
		seen = append(seen, m)
		if want(m) {
			return seen
		}
	}
}

func botSays(substr string) func(map[string]any) bool {
	return func(m map[string]any) bool {
		s, _ := m["text"].(string)
		return m["from"] == "bot" && strings.Contains(s, substr)
	}
}

// A report by chat, a dropped connection that resumes where it left off, and the
// ticket at the end.
func TestChatEndToEndWithResume(t *testing.T) {
	e := newEnv(t)
	ws := dial(t, e)
	ws.WriteJSON(ChatIn{Type: "hello"})
	first := readUntil(t, ws, botSays("请描述")) // a new conversation opens with the greeting
	session := first[0]["session"].(string)
	ws.WriteJSON(ChatIn{Type: "message", Text: "城关派出所的户籍民警给我办落户，暗示要送两条烟，不送就一直拖着。"})
	readUntil(t, ws, botSays("什么时候"))
	ws.WriteJSON(ChatIn{Type: "message", Text: "上个月"})
	seen := readUntil(t, ws, botSays("证据"))
	lastOffset := seen[len(seen)-1]["offset"].(float64)
	ws.Close() // the phone loses its connection

	ws = dial(t, e)
	ws.WriteJSON(ChatIn{Type: "hello", Session: session, Offset: int64(lastOffset) - 2})
	replay := readUntil(t, ws, botSays("证据"))
	if replay[0]["session"] != session || len(replay) != 3 { // session + the two lines after the offset (no second greeting)
		t.Fatalf("resume replayed %v", replay)
	}
	for _, text := range []string{"没有", "匿名"} {
		ws.WriteJSON(ChatIn{Type: "message", Text: text})
	}
	readUntil(t, ws, botSays("请核对"))
	ws.WriteJSON(ChatIn{Type: "message", Text: "确认"})
	done := readUntil(t, ws, func(m map[string]any) bool { return m["ticket"] != nil })
	last := done[len(done)-1]
	number, code := last["ticket"].(string), last["query_code"].(string)
	if status, st := e.status(t, number, code); status != 200 || st["status"] != "received" {
		t.Errorf("status: %d %v", status, st)
	}
}

func TestChatRefusesBadMessagesAndFlooding(t *testing.T) {
	e := newEnv(t)
	ws := dial(t, e)
	ws.WriteMessage(websocket.TextMessage, []byte(`{"type":`))
	if m := readUntil(t, ws, func(m map[string]any) bool { return m["type"] == "error" }); m[0]["error"] != "bad_json" {
		t.Errorf("malformed: %v", m)
	}
	ws.WriteJSON(ChatIn{Type: "message", Text: "没有先打招呼"})
	readUntil(t, ws, func(m map[string]any) bool { return m["type"] == "error" })
	limited := false
	for i := 0; i < 12 && !limited; i++ {
		ws.WriteJSON(ChatIn{Type: "hello"})
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for !limited {
		var m map[string]any
		if err := ws.ReadJSON(&m); err != nil {
			break
		}
		limited = m["error"] == "too_fast"
	}
	if !limited {
		t.Error("a flood of messages was never limited")
	}
	// A message over the size limit closes the chat saying why: 1009, message too big.
	ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"message","text":"`+strings.Repeat("a", maxChatMessage)+`"}`))
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var err error
	for err == nil {
		_, _, err = ws.ReadMessage()
	}
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Errorf("an oversize message ended the chat with %v, want close 1009 (message too big)", err)
	}
}

// talkChat sends each text and waits for the bot's answer; it returns every frame read.
func talkChat(t *testing.T, ws *websocket.Conn, texts ...string) []map[string]any {
	t.Helper()
	var seen []map[string]any
	for _, text := range texts {
		if err := ws.WriteJSON(ChatIn{Type: "message", Text: text}); err != nil {
			t.Fatal(err)
		}
		seen = append(seen, readUntil(t, ws, func(m map[string]any) bool { return m["from"] == "bot" })...)
	}
	return seen
}

// namespaceDump is everything Redis holds in the test's namespace, key names and values
// alike, as one reading the AOF would see it.
func (e *env) namespaceDump(t *testing.T, match string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	iter := e.rdb.Scan(ctx, 0, "qf:{"+e.ns+"}:"+match, 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		var v any
		switch e.rdb.Type(ctx, k).Val() {
		case "string":
			v = e.rdb.Get(ctx, k).Val()
		case "list":
			v = e.rdb.LRange(ctx, k, 0, -1).Val()
		case "hash":
			v = e.rdb.HGetAll(ctx, k).Val()
		case "set":
			v = e.rdb.SMembers(ctx, k).Val()
		case "zset":
			v = e.rdb.ZRangeWithScores(ctx, k, 0, -1).Val()
		case "stream":
			v = e.rdb.XRange(ctx, k, "-", "+").Val()
		default:
			t.Fatalf("%s: a type the dump does not read", k)
		}
		raw, _ := json.Marshal(v)
		out[k] = string(raw)
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A flood of hellos from one client address writes nothing to Redis, and most of it is
// refused; so is an eleventh open chat.
func TestChatHellosLeaveNoKeysAndAreLimitedPerAddress(t *testing.T) {
	e := newEnvWith(t, func(c *Config) { c.ChatPerSecond, c.ChatBurst = 1e6, 1e6 }) // only the address limits apply
	const hellos, workers = 2000, 5
	var sent, granted, refused atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sent.Add(1) <= hellos {
				ws, resp, err := tryDial(e)
				if err != nil { // the connection cap, while closed chats wind down
					if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
						t.Errorf("dial: %v", err)
						return
					}
					sent.Add(-1)
					time.Sleep(time.Millisecond)
					continue
				}
				_ = ws.WriteJSON(ChatIn{Type: "hello"})
				_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
				var m map[string]any
				switch err := ws.ReadJSON(&m); {
				case err != nil:
					t.Errorf("no answer to a hello: %v", err)
				case m["type"] == "session":
					granted.Add(1)
				case m["error"] == "too_many_hellos":
					refused.Add(1)
					if _, _, err := ws.ReadMessage(); err == nil { // then the server closes
						t.Errorf("a refused hello left the chat open")
					}
				default:
					t.Errorf("answer to a hello: %v", m)
				}
				ws.Close()
			}
		}()
	}
	wg.Wait()
	allowance := int64(chatHellosPerMinute) + int64(time.Since(start)/(time.Minute/chatHellosPerMinute)) + 1
	if g, r := granted.Load(), refused.Load(); g+r != hellos || g > allowance || g < chatHellosPerMinute {
		t.Errorf("%d hellos granted and %d refused, want at most %d granted of %d", g, r, allowance, hellos)
	}
	if keys := e.namespaceDump(t, "*"); len(keys) != 0 {
		t.Errorf("hellos left %d keys", len(keys))
	}

	// Open chats: ten per address, the eleventh refused before the upgrade.
	e = newEnv(t)
	var open []*websocket.Conn
	for i := 0; i < chatConnsPerAddr; i++ {
		open = append(open, dial(t, e))
	}
	ws, resp, err := tryDial(e)
	if err == nil {
		ws.Close()
		t.Fatalf("chat %d was let in", chatConnsPerAddr+1)
	}
	var body map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != http.StatusTooManyRequests || body["error"] != "too_many_chats" || body["message"] == "" {
		t.Errorf("the eleventh chat: %d %v", resp.StatusCode, body)
	}
	open[0].Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ws, _, err := tryDial(e)
		if err == nil {
			ws.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed chat never made room: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A resume replays everything kept, however long: 200 lines arrive whole and in order.
func TestChatResumeOf200Lines(t *testing.T) {
	e := newEnvWith(t, func(c *Config) { c.ChatPerSecond, c.ChatBurst = 1e6, 1e6 })
	ws := dial(t, e)
	ws.WriteJSON(ChatIn{Type: "hello"})
	session := readUntil(t, ws, botSays("请描述"))[0]["session"].(string)
	var last float64
	for i := 0; i < 70; i++ { // each restart is three lines: the citizen's, "好的", the welcome
		seen := talkChat(t, ws, "重新开始")
		seen = append(seen, readUntil(t, ws, botSays("请描述"))...)
		last = seen[len(seen)-1]["offset"].(float64)
	}
	if last <= transcriptCap {
		t.Fatalf("only %v lines said", last)
	}
	ws.Close()

	ws = dial(t, e)
	ws.WriteJSON(ChatIn{Type: "hello", Session: session})
	replay := readUntil(t, ws, func(m map[string]any) bool { return m["offset"] == last })
	if replay[0]["session"] != session || len(replay) != 1+transcriptCap {
		t.Fatalf("resume: %d frames, want the session and %d lines", len(replay), transcriptCap)
	}
	for i, m := range replay[1:] {
		if want := last - transcriptCap + 1 + float64(i); m["offset"] != want {
			t.Fatalf("line %d has offset %v, want %v", i, m["offset"], want)
		}
	}
}

// Once a report is filed, a resume with the session id shows the ticket and its query
// code but none of the reporter's identity answers; and Redis never held them, or
// anything else of the conversation, in the clear.
func TestChatResumeAfterFilingHidesIdentity(t *testing.T) {
	e := newEnv(t)
	name, id, phone := "赵丽华", "110101199003071234", "13812345678"
	story := "城关派出所的户籍民警给我办落户，暗示要送两条烟，不送就一直拖着。"
	ws := dial(t, e)
	ws.WriteJSON(ChatIn{Type: "hello"})
	session := readUntil(t, ws, botSays("请描述"))[0]["session"].(string)
	pace := func() { time.Sleep(600 * time.Millisecond) } // the chat allows 2 messages a second
	for _, text := range []string{story, "上个月", "没有", "实名", name + "，身份证号" + id} {
		talkChat(t, ws, text)
		pace()
	}
	seen := talkChat(t, ws, phone)
	if s, _ := seen[len(seen)-1]["text"].(string); !strings.Contains(s, name) {
		t.Fatalf("the summary before filing: %q", s) // the citizen checks their name here
	}
	pace()
	done := talkChat(t, ws, "确认")
	filed := done[len(done)-1]
	number, code := filed["ticket"].(string), filed["query_code"].(string)
	if number == "" || code == "" {
		t.Fatalf("not filed: %v", done)
	}
	ws.Close()

	for key, v := range e.namespaceDump(t, "*") {
		if !strings.Contains(key, ":web:chat:") && !strings.Contains(key, ":session:") {
			continue // the ticket's own keys are the store's concern
		}
		for _, clear := range []string{name, id, phone, "户籍民警", "上个月", number, code} {
			if strings.Contains(key+v, clear) {
				t.Errorf("%s holds %q in the clear", key, clear)
			}
		}
	}

	ws = dial(t, e)
	ws.WriteJSON(ChatIn{Type: "hello", Session: session})
	replay := readUntil(t, ws, func(m map[string]any) bool { return m["ticket"] != nil })
	raw, _ := json.Marshal(replay)
	for _, secret := range []string{name, id, phone} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the resume after filing shows %q: %s", secret, raw)
		}
	}
	for _, kept := range []string{story, "上个月", number, code} {
		if !strings.Contains(string(raw), kept) {
			t.Errorf("the resume after filing lacks %q: %s", kept, raw)
		}
	}
}

// Transcript lines are sealed to their conversation: copied into another conversation's
// list they do not open, and plain lines an older build kept are passed over without
// error.
func TestTranscriptLinesSealedToTheirConversation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tr := e.site.transcripts()
	a, b := strings.Repeat("a", 32), strings.Repeat("b", 32)
	lines := []chatLine{{Type: "message", From: "me", Text: "我的电话13812345678"}, {Type: "message", From: "bot", Text: "已登记", Ticket: "QF-20261127-000001", QueryCode: "ABCDEFGHJKMN"}}
	if err := tr.add(ctx, a, lines, false); err != nil {
		t.Fatal(err)
	}
	raw := e.rdb.LRange(ctx, e.site.key("chat", a), 0, -1).Val()
	if dump := strings.Join(raw, "\n"); len(raw) != 2 || strings.Contains(dump, "13812345678") || strings.Contains(dump, "ABCDEFGHJKMN") {
		t.Fatalf("kept in the clear: %q", raw)
	}
	old := `{"type":"message","from":"me","offset":3,"text":"旧版本的明文"}`
	for _, tt := range []struct {
		name    string
		session string
		setup   func()
		want    []string
	}{
		{"its own conversation", a, func() {}, []string{lines[0].Text, lines[1].Text}},
		{"copied elsewhere", b, func() { e.rdb.RPush(ctx, e.site.key("chat", b), raw[0], raw[1]) }, nil},
		{"an older build's plain line", a, func() { e.rdb.RPush(ctx, e.site.key("chat", a), old) }, []string{lines[0].Text, lines[1].Text}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup()
			got, err := tr.since(ctx, tt.session, 0)
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, l := range got {
				texts = append(texts, l.Text)
			}
			if strings.Join(texts, "|") != strings.Join(tt.want, "|") {
				t.Errorf("replayed %q, want %q", texts, tt.want)
			}
		})
	}
	// A resume over the old line works, and filing a report removes it.
	ws := dial(t, e)
	ws.WriteJSON(ChatIn{Type: "hello", Session: a})
	if replay := readUntil(t, ws, func(m map[string]any) bool { return m["offset"] == float64(2) }); len(replay) != 3 {
		t.Errorf("resume over an old line: %v", replay)
	}
	if err := tr.add(ctx, a, []chatLine{{Type: "message", From: "bot", Text: "已登记", Ticket: "QF-20261127-000002"}}, true); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.rdb.LRange(ctx, e.site.key("chat", a), 0, -1).Val() {
		if strings.HasPrefix(r, "{") {
			t.Errorf("filing left an old plain line: %s", r)
		}
	}
}

func FuzzParseChat(f *testing.F) {
	f.Add([]byte(`{"type":"hello","session":"0123456789abcdef0123456789abcdef","offset":3}`))
	f.Add([]byte(`{"type":"message","text":"你好"}`))
	f.Add([]byte(`{"type":"hello","session":"../../etc","offset":-5}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, ae := ParseChat(data)
		if (in == nil) == (ae == nil) {
			t.Fatalf("want exactly one of message and error")
		}
		if in != nil && (in.Offset < 0 || in.Session != "" && !sessionID.MatchString(in.Session)) {
			t.Fatalf("accepted %+v", in)
		}
	})
}
