package nlp

import "testing"

func TestFingerprintNearDuplicates(t *testing.T) {
	a := testAnalyzer(t)
	fp := func(s string) Fingerprint {
		res, err := a.Analyze(s)
		if err != nil {
			t.Fatal(err)
		}
		return res.Fingerprint
	}
	base := fp("我们村的村支书王某把低保名额全部给了他的亲戚和关系户，真正困难的几户老人反而评不上，村民意见很大。")
	near := fp("我们村的村支书王某把低保名额都给了他的亲戚和关系户，真正困难的几户老人反而评不上，村民意见很大！")
	trad := fp("我們村的村支書王某把低保名額全部給了他的親戚和關係戶，真正困難的幾戶老人反而評不上，村民意見很大。")
	other := fp("县交通运输局局长在农村公路建设项目招标中暗箱操作，几个标段都被他小舅子的公司拿走了。")
	if d := Distance(base, near); d > NearDuplicate {
		t.Errorf("near-duplicate distance %d, want ≤ %d", d, NearDuplicate)
	}
	if d := Distance(base, trad); d > NearDuplicate {
		t.Errorf("traditional copy distance %d, want ≤ %d", d, NearDuplicate)
	}
	if d := Distance(base, other); d <= 2*NearDuplicate {
		t.Errorf("unrelated distance %d, want > %d", d, 2*NearDuplicate)
	}
}

func TestFingerprintText(t *testing.T) {
	f := Fingerprint(0x00ab00cd00ef0012)
	b, err := f.MarshalText()
	if err != nil || string(b) != "00ab00cd00ef0012" {
		t.Fatalf("MarshalText = %q, %v", b, err)
	}
	var g Fingerprint
	if err := g.UnmarshalText(b); err != nil || g != f {
		t.Fatalf("UnmarshalText = %x, %v", g, err)
	}
	if err := g.UnmarshalText([]byte("not hex")); err == nil {
		t.Error("UnmarshalText accepted garbage")
	}
}
