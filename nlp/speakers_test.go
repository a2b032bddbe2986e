package nlp

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCallerWords(t *testing.T) {
	tests := []struct {
		name, text   string
		keep, remove []string // caller words kept, operator words blanked
	}{
		{"named roles", "接线员：您好，这里是县纪委监委举报电话，实名举报会优先办理。来电人：我要反映镇长收钱。接线员：好的。",
			[]string{"我要反映镇长收钱"}, []string{"这里是", "实名举报", "好的", "接线员", "来电人"}},
		{"letters, operator first", "A：您好，12388，请讲。B：村支书把低保给了亲戚。A：请问您贵姓？B：不留名。",
			[]string{"村支书把低保给了亲戚", "不留名"}, []string{"请讲", "贵姓"}},
		{"letters, caller first", "B：喂，我要举报。A：您好，这里是举报电话，请问您反映什么问题？B：所长天天喝酒。",
			[]string{"我要举报", "所长天天喝酒"}, []string{"这里是举报电话"}},
		{"half-width colons", "话务员:请问被反映人的职务? 市民:就是那个副局长,收了钱",
			[]string{"就是那个副局长"}, []string{"职务"}},
		{"after normalising", "话务员:请讲。市民:我反映县矿产资源管理局",
			[]string{"我反映县矿产资源管理局"}, []string{"请讲"}},
		{"not a transcript", "时间：3月5日，地点：镇政府，举报人：张某", []string{"时间", "镇政府", "举报人：张某"}, nil},
		{"one side only", "来电人：镇长不办事", []string{"来电人：镇长不办事"}, nil},
		{"turns run together", "坐席：您好这边是县纪委您有什么事群众：我反映镇民政办的工作人员请讲来电人：还有", []string{"我反映镇民政办的工作人员"}, []string{"您有什么事", "群众"}},
		{"letters that are no call", "方案A：先修路。方案B：先修桥。", []string{"方案A：先修路", "方案B：先修桥"}, nil},
		{"letters glued to the previous turn", "A：喂你好，这里是举报专线请说B：我反映县畜牧兽医局", []string{"我反映县畜牧兽医局"}, []string{"举报专线"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := callerWords(tt.text)
			if len(got) != len(tt.text) {
				t.Fatalf("length %d, want %d: offsets must survive", len(got), len(tt.text))
			}
			for _, k := range tt.keep {
				if !strings.Contains(got, k) {
					t.Errorf("caller words %q lost from %q", k, got)
				}
			}
			for _, r := range tt.remove {
				if strings.Contains(got, r) {
					t.Errorf("operator words %q kept in %q", r, got)
				}
			}
		})
	}
}

// The operator's script sets nothing: not the subject, not a signal, not the unit.
func TestTranscriptReadsOnlyTheCaller(t *testing.T) {
	a := testAnalyzer(t)
	text := "接线员：您好，这里是市纪委监委举报电话，实名举报会优先办理，请问您反映什么问题？" +
		"来电人：我要反映东坪镇副镇长刘某，他把修路的钱拿去给自己家盖房子了。" +
		"接线员：好的，请问您愿意留下姓名吗？我们会在十五个工作日内答复。来电人：先不留名吧，怕报复。"
	res, err := a.Analyze(text)
	if err != nil {
		t.Fatal(err)
	}
	trad, err := a.Analyze("話務員：您好，這裡是市紀委監委舉報電話，實名舉報會優先辦理。市民：我反映縣礦產資源管理局的局長收錢。")
	if err != nil {
		t.Fatal(err)
	}
	if trad.Subject.Unit != "縣礦產資源管理局" || hasSignal(trad.Signals, SignalRealName) {
		t.Errorf("traditional transcript read as %+v, %+v", trad.Subject, trad.Signals)
	}
	if res.Subject.Position != "副镇长" || res.Subject.Unit != "东坪镇" {
		t.Errorf("subject %+v, want the caller's 东坪镇副镇长", res.Subject)
	}
	for _, s := range res.Signals {
		if s.Type == SignalRealName {
			t.Errorf("the operator's script set %+v", s)
		}
		if text[s.Start:s.End] != s.Text {
			t.Errorf("signal %+v does not quote the original", s)
		}
	}
	if !hasSignal(res.Signals, SignalAnonymous) {
		t.Errorf("the caller's 先不留名 was not read: %+v", res.Signals)
	}
	if !res.Scope.InScope {
		t.Errorf("a caller accusing an official is out of scope: %+v", res.Scope)
	}
}

func FuzzCallerWords(f *testing.F) {
	for _, s := range []string{"接线员：你好 来电人：镇长", "A:1 B:2 A:3", "市民：", "：：", "坐席:\xff来电者:x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := callerWords(s)
		if len(got) != len(s) {
			t.Fatalf("length changed: %d → %d", len(s), len(got))
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("blanking broke UTF-8: %q → %q", s, got)
		}
	})
}
