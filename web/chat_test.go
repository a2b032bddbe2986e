package web

import (
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func dial(t *testing.T, e *env) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+"/ws/chat", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
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
	// A message over the size limit closes the connection.
	ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"message","text":"`+strings.Repeat("a", maxChatMessage)+`"}`))
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			break
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
