package nlp

import (
	"slices"
	"testing"
)

// Signals read with their context: what must be found and what must not.
func TestSignalsInContext(t *testing.T) {
	a := testAnalyzer(t)
	tests := []struct {
		text      string
		want, not []string
	}{
		{"他说要找人打断我的腿", []string{SignalThreat}, nil},
		{"村霸说要放把火烧了我家", []string{SignalThreat}, nil},
		{"学校那面墙随时会塌，出了人命谁负责", []string{SignalDanger}, nil},
		{"我暂不具名，怕打击报复", []string{SignalAnonymous}, nil},
		{"此事先不留名。", []string{SignalAnonymous}, nil},
		{"举报人：知情群众", []string{SignalAnonymous}, []string{SignalRealName}},
		{"镇长收钱。举报人：李某某", []string{SignalRealName}, nil},
		{"联系电话：13912345678", []string{SignalRealName}, nil},
		{"所长把我叫到旁边说别告了", nil, []string{SignalRealName}},
		{"我第三次去镇里办证还是不给办", nil, []string{SignalRepeatClaim}},
		{"这是我第三次反映这个问题了", []string{SignalRepeatClaim}, nil},
		{"之前打过12345也没人管", []string{SignalRepeatClaim}, nil},
		{"我们协会排名第30名", nil, []string{SignalMass}},
		{"电话12333打不通", nil, []string{SignalMass}},
		{"四五个人去了也没用", nil, []string{SignalMass}},
		{"三十多户村民的补偿款被扣", []string{SignalMass}, nil},
		{"涉及120名职工的工资", []string{SignalMass}, nil},
		{"关系到千家万户的饮水", nil, []string{SignalMass}},
		{"几经投诉至12345仍然没人管", []string{SignalRepeatClaim}, nil},
		{"我曾向县信访局反映此事", []string{SignalRepeatClaim}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			res, err := a.Analyze(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range res.Signals {
				got = append(got, s.Type)
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing %s in %+v", w, res.Signals)
				}
			}
			for _, n := range tt.not {
				if slices.Contains(got, n) {
					t.Errorf("unwanted %s in %+v", n, res.Signals)
				}
			}
		})
	}
}

// A signature's signal quotes the marker, never the reporter's name after it.
func TestSignatureQuotesNoName(t *testing.T) {
	a := testAnalyzer(t)
	res, err := a.Analyze("村支书截留补贴。举报人：王建国")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Signals {
		if s.Type == SignalRealName && s.Text != "举报人：" {
			t.Errorf("real-name signal quotes %q", s.Text)
		}
	}
}

func TestNeighbouringDigitsAreARange(t *testing.T) {
	n, ok := readNumber("四五个人", 0)
	if !ok || n.value != 5 || !n.approx {
		t.Errorf("四五 = %+v, want about 5", n)
	}
	if n, ok := readNumber("二零二六年", 0); !ok || n.value != 2026 {
		t.Errorf("二零二六 = %+v, want 2026", n)
	}
}

func FuzzSignature(f *testing.F) {
	for _, s := range []string{"李某某", "", " :知情群众", "139\xff", "：：：", "匿名举报人"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		norm := "举报人:" + s
		switch typ := signature(norm, len("举报人:")); typ {
		case "", SignalRealName, SignalAnonymous:
		default:
			t.Fatalf("signature(%q) = %q", s, typ)
		}
	})
}

func TestDeniedDeedIsNoEvidence(t *testing.T) {
	a := testAnalyzer(t)
	for _, tt := range []struct {
		text   string
		denied bool
	}{
		{"他们倒是没收红包，就是一直拖着不给办。", true},
		{"那个所长从不收红包，就是态度差。", true},
		{"窗口的人收了红包才给办。", false},
	} {
		found := a.findTerms(a.norm.Normalize(tt.text), nil)
		has := false
		for _, m := range found.lex {
			if a.lex.cats[m.cat].ID == "extortion" {
				has = true
			}
		}
		if has == tt.denied {
			t.Errorf("%s: extortion evidence %v, want %v", tt.text, has, !tt.denied)
		}
	}
	// 没有收 denies; 收了 does not.
	if !negated("没有收红包", len("没有收")) || negated("收了红包", len("收了")) {
		t.Error("negated misreads 没有收 / 收了")
	}
}
