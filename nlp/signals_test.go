package nlp

import "testing"

func TestSignals(t *testing.T) {
	a := testAnalyzer(t)
	type want struct{ typ, text, value string }
	tests := []struct {
		text string
		want []want
	}{
		{"他收了我两千元好处费", []want{{SignalMoney, "两千元", "2000"}}},
		{"套取资金三千多万元", []want{{SignalMoney, "三千多万元", "30000000+"}}},
		{"收了开发商三十万", []want{{SignalMoney, "三十万", "300000"}}},
		{"我实名举报村支书", []want{{SignalRealName, "我实名", ""}}},
		{"本人实名反映", []want{{SignalRealName, "实名反映", ""}}},
		{"他扬言要报复举报人", []want{{SignalThreat, "扬言", ""}, {SignalThreat, "报复", ""}}},
		{"再不解决我就跳楼", []want{{SignalDanger, "跳楼", ""}}},
		{"几十户村民集体上访", []want{{SignalMass, "几十户", "20+"}, {SignalMass, "集体上访", ""}}},
		{"这事已经被媒体曝光", []want{{SignalMedia, "媒体", ""}, {SignalMedia, "曝光", ""}}},
		{"上周三去办事", []want{{SignalTime, "上周三", ""}}},
		{"2026年3月5日提交的申请", []want{{SignalTime, "2026年3月5日", "date"}}},
		{"拖了两个多月", []want{{SignalTime, "两个多月", "duration"}}},
		{"三户人家", nil}, // three households is no crowd
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			res, err := a.Analyze(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				found := false
				for _, s := range res.Signals {
					if s.Type == w.typ && s.Text == w.text && s.Value == w.value {
						found = true
						if tt.text[s.Start:s.End] != s.Text {
							t.Errorf("signal %q offsets [%d,%d) quote %q", s.Text, s.Start, s.End, tt.text[s.Start:s.End])
						}
					}
				}
				if !found {
					t.Errorf("missing signal %+v in %+v", w, res.Signals)
				}
			}
			if tt.want == nil {
				for _, s := range res.Signals {
					if s.Type == SignalMass {
						t.Errorf("unexpected mass signal %+v", s)
					}
				}
			}
		})
	}
}

// A reporter's own name is never put into a signal (it would travel with the result).
func TestSignalsDoNotCarryReporterName(t *testing.T) {
	a := testAnalyzer(t)
	res, err := a.Analyze("我叫王建国，电话13800001111，实名反映村支书截留补贴")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Signals {
		if s.Type == SignalRealName && (s.Text != "我叫" && s.Text != "实名反映") {
			t.Errorf("real-name signal quotes %q", s.Text)
		}
	}
}
