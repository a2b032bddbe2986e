package nlp

import "testing"

func TestReadNumber(t *testing.T) {
	tests := []struct {
		in     string
		value  float64
		approx bool
		ok     bool
	}{
		{"两千元", 2000, false, true},
		{"三千多万元", 30000000, true, true},
		{"五百块", 500, false, true},
		{"1.5万元", 15000, false, true},
		{"5,000元", 5000, false, true},
		{"十几万", 100000, true, true},
		{"一百二十", 120, false, true},
		{"一百零五", 105, false, true},
		{"十五", 15, false, true},
		{"上百万", 1000000, true, true},
		{"几十户", 20, true, true},
		{"数千", 2000, true, true},
		{"二零二六年", 2026, false, true},
		{"八十多万元", 800000, true, true},
		{"两亿", 200000000, false, true},
		{"万一", 0, false, false},
		{"上班", 0, false, false},
		{"多少", 0, false, false},
	}
	for _, tt := range tests {
		n, ok := readNumber(tt.in, 0)
		if ok != tt.ok || ok && (n.value != tt.value || n.approx != tt.approx) {
			t.Errorf("readNumber(%q) = %v approx=%v ok=%v, want %v approx=%v ok=%v", tt.in, n.value, n.approx, ok, tt.value, tt.approx, tt.ok)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	if got := formatAmount(30000000, true); got != "30000000+" {
		t.Errorf("got %q", got)
	}
	if got := formatAmount(2000, false); got != "2000" {
		t.Errorf("got %q", got)
	}
}

func TestMayStartNumberMatchesItsDefinition(t *testing.T) {
	for r := rune(0); r <= 0x10FFFF; r++ {
		if got, want := mayStartNumber(r), isNumeralRune(r) || r == '上'; got != want {
			t.Fatalf("mayStartNumber(%U) = %v, want %v", r, got, want)
		}
	}
}
