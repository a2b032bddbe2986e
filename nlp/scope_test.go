package nlp

import "testing"

// The scope decision, on texts written for this test (not from any evaluation file).
func TestScope(t *testing.T) {
	a := testAnalyzer(t)
	tests := []struct {
		text     string
		in       bool
		transfer string // the department an out-of-scope text goes to
	}{
		{"老板拖欠我们三个月工资不给，请劳动部门帮忙追讨。", false, "hrss"},
		{"开发商延期交房一年多了，业主们的房贷还要照还，请政府督促开发商尽快交房。", false, "housing"},
		{"网上买的手机是假货，商家不给退款。", false, "market"},
		{"我们小区门口的路灯坏了，晚上很黑，希望尽快修一下。", false, "12345"},
		{"请问外地户口的孩子在本市上小学需要哪些材料？", false, "education"},
		{"镇党委书记把扶贫资金挪去给他小舅子的公司用了。", true, ""},
		{"我找派出所报案，民警说这事不归他们管，让我自己去法院，就是不给立案。", true, ""},
		{"社保局窗口的办事员说不给两百块钱就别想今天办完。", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			res, err := a.Analyze(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if res.Scope.InScope != tt.in {
				t.Fatalf("in scope = %v (%.2f, evidence %+v), want %v", res.Scope.InScope, res.Scope.Score, res.Scope.Evidence, tt.in)
			}
			if (res.Category == OutOfScope) == tt.in {
				t.Errorf("category %s disagrees with the scope", res.Category)
			}
			if len(res.Scope.Evidence) == 0 {
				t.Error("a scope decision without evidence")
			}
			for _, e := range res.Scope.Evidence {
				if tt.text[e.Start:e.End] != e.Text {
					t.Errorf("evidence %+v does not quote the text", e)
				}
			}
			if tt.in {
				if res.Scope.Transfer != nil {
					t.Errorf("an in-scope text has a transfer %+v", res.Scope.Transfer)
				}
				return
			}
			if res.Scope.Transfer == nil || res.Scope.Transfer.Target != tt.transfer {
				t.Errorf("transfer %+v, want %s", res.Scope.Transfer, tt.transfer)
			}
		})
	}
}

func TestTransfersFileIsChecked(t *testing.T) {
	for _, bad := range []string{"default: {id: x}", "default: {id: x, name: y}\ndepartments: [{id: a, name: b}]", "::"} {
		if _, err := newTransferReader([]byte(bad)); err == nil {
			t.Errorf("transfers %q accepted", bad)
		}
	}
}
