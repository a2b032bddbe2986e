package nlp

import "testing"

func TestAccusationsAndRequests(t *testing.T) {
	a := testAnalyzer(t)
	for _, tt := range []struct {
		text              string
		accuse, requested bool
	}{
		{"县住建局一直不给办，推了八个月。", true, false},
		{"派出所民警收了对方的钱。", true, false},
		{"请住建局督促开发商尽快交房。", false, true},
		{"建议交通局增开一条公交线路。", false, true},
		{"开发商一直不给办房产证。", false, false},
		{"恳请领导重视：镇政府强行拆了我家的房子。", true, true},
	} {
		norm := a.norm.Normalize(tt.text)
		f := extractFeatures(a.seg.Cut(norm.Norm), a.findTerms(norm, nil), len(a.lex.cats), nil)
		if (f.accuse > 0) != tt.accuse || (f.request > 0) != tt.requested {
			t.Errorf("%s: accuse %d request %d, want %v %v", tt.text, f.accuse, f.request, tt.accuse, tt.requested)
		}
	}
}
