package web

import (
	"bytes"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qingfeng/internal/redistest"
	"qingfeng/internal/testkit"
)

// After real-name reports by chat, SMS and hotline, with the name, phone and ID number
// typed into the text too, none of them is anywhere in Redis (key names included), in
// its append-only file (written with appendfsync always, as the outside check runs it),
// or in the server's logs.
func TestNoPersonalDataInRedisOrLogs(t *testing.T) {
	addr, dir := startOwnRedis(t, "--appendonly", "yes", "--appendfsync", "always")
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close() })
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnvOn(t, testkit.Build(t, testkit.Analyzer(t), rdb, redistest.Namespace(t, rdb)), log, func(*Config) {})
	type person struct{ name, id, phone string }
	chat := person{"赵丽华", "110101199003071234", "13812345678"}
	sms := person{"钱卫东", "32010219851112003X", "13998765432"}
	call := person{"孙秀英", "44030419780505222X", "13700001111"}

	// Chat: a real-name report, the ID number typed into the description as well.
	ws := dial(t, e)
	ws.WriteJSON(ChatIn{Type: "hello"})
	readUntil(t, ws, botSays("请描述"))
	story := "我叫" + chat.name + "，身份证" + chat.id + "，城关派出所的户籍民警给我办落户，暗示要送两条烟。"
	for _, text := range []string{story, "上个月", "没有", "实名", chat.name, chat.phone} {
		talkChat(t, ws, text)
		time.Sleep(600 * time.Millisecond) // the chat allows 2 messages a second
	}
	if done := talkChat(t, ws, "确认"); done[len(done)-1]["ticket"] == nil {
		t.Fatalf("chat report not filed: %v", done)
	}
	ws.Close()

	// SMS: the dialogue, answered as a texter would.
	answers := []struct{ ask, say string }{ // the first that the reply contains is answered
		{"核对", "确认"}, {"单位", "县交警大队"}, {"姓名或职务", "交警"}, {"什么时候", "昨天"}, {"证据", "没有"},
		{"实名还是匿名", "实名"}, {"姓名", sms.name}, {"电话", sms.phone},
	}
	text := "县交警大队的交警拦车罚款不开票，一次要两百块。我叫" + sms.name + "，电话" + sms.phone + "，身份证" + sms.id
	filed := false
	for i := 0; i < 12 && !filed; i++ {
		code, out := e.post(t, "/api/v1/webhooks/sms", SMSMessage{MessageID: fmt.Sprintf("sweep-%d", i), From: sms.phone, To: "12388", Text: text}, 0)
		if code != 200 {
			t.Fatalf("sms %d: %d %v", i, code, out)
		}
		reply, _ := out["reply"].(string)
		if strings.Contains(reply, "编号") && strings.Contains(reply, "查询码") {
			filed = true
			break
		}
		text = "确认"
		for _, a := range answers {
			if strings.Contains(reply, a.ask) {
				text = a.say
				break
			}
		}
	}
	if !filed {
		t.Fatal("the SMS report was never filed")
	}

	// Hotline: the caller's number, and a transcript in which they give everything.
	hangup := CallEvent{CallID: "sweep-call", Event: "hangup", Caller: call.phone, Operator: "op-1",
		Transcript: "接线员：您好，请讲。来电人：我叫" + call.name + "，电话" + call.phone + "，身份证号" + call.id + "，我实名反映村支书把低保给了他亲戚。"}
	if code, out := e.post(t, "/api/v1/webhooks/hotline", hangup, 0); code != 200 || out["ticket"] == nil {
		t.Fatalf("hangup: %d %v", code, out)
	}

	// Refused deliveries carrying the same data are logged: the log must say why, not what.
	body := []byte(`{"message_id":"sweep-bad","from":"` + sms.phone + `","text":"我叫` + sms.name + `"`)
	if code, _ := e.post(t, "/api/v1/webhooks/sms", body, 0); code != 400 {
		t.Errorf("malformed SMS: %d", code)
	}
	if code, _ := e.send(t, "/api/v1/webhooks/hotline", []byte(`{"call_id":"x","caller":"`+call.phone+`"}`), "1", "sha256=00"); code != 401 {
		t.Errorf("unsigned call: %d", code)
	}

	dump := e.namespaceDump(t, "*")
	if len(dump) == 0 {
		t.Fatal("nothing in Redis: the sweep would pass on an empty store")
	}
	aof := readAOF(t, dir)
	if !bytes.Contains(aof, []byte(e.ns)) {
		t.Fatal("the AOF holds none of the test's keys: the sweep would pass on any code")
	}
	for _, p := range []person{chat, sms, call} {
		for _, clear := range []string{p.name, p.id, p.phone} {
			for key, v := range dump {
				if strings.Contains(key, clear) || strings.Contains(v, clear) {
					t.Errorf("Redis key %s holds %q in the clear", key, clear)
				}
			}
			if strings.Contains(logs.String(), clear) {
				t.Errorf("the logs hold %q", clear)
			}
			if bytes.Contains(aof, []byte(clear)) {
				t.Errorf("the AOF holds %q", clear)
			}
		}
	}
	if logs.Len() == 0 {
		t.Error("the server logged nothing: the log check would pass on any code")
	}
}

// readAOF is every append-only file Redis wrote under dir (Redis 7 keeps a base file and
// increments in appendonlydir).
func readAOF(t *testing.T, dir string) []byte {
	t.Helper()
	var all []byte
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(path, "appendonly") {
			return err
		}
		b, err := os.ReadFile(path)
		all = append(all, b...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}
