package nlp

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	n, err := newNormalizer()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in, want string
	}{
		{"plain simplified is unchanged", "县住建局不作为", "县住建局不作为"},
		{"full-width letters, digits and punctuation fold", "ＡＢＣ１２３，！", "ABC123,!"},
		{"ideographic space between characters is dropped", "态度　恶劣", "态度恶劣"},
		{"space between Chinese characters is dropped", "态度 恶劣", "态度恶劣"},
		{"whitespace runs collapse elsewhere", "QQ  号   123", "QQ 号 123"},
		{"leading and trailing space trimmed", "  你好\n", "你好"},
		{"traditional converts to simplified", "鄉政府對村民置之不理", "乡政府对村民置之不理"},
		{"phrase-aware conversion keeps 乾隆", "乾隆年間", "乾隆年间"},
		{"invalid UTF-8 and control characters are dropped", "局\xff长\x00好", "局长好"},
		{"zero-width characters are dropped", "局\u200b长", "局长"},
		{"empty stays empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := n.Normalize(tt.in)
			if got.Norm != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got.Norm, tt.want)
			}
		})
	}
}

// Evidence and extracted names must quote what the user wrote, in their script.
func TestNormalizeSpanPointsAtOriginal(t *testing.T) {
	n, err := newNormalizer()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in, normPart, wantOrig string
	}{
		{"鄉政府對村民反映的隱患置之不理", "乡政府", "鄉政府"},
		{"鄉政府對村民反映的隱患置之不理", "置之不理", "置之不理"},
		{"窗口人員　態度　惡劣", "态度恶劣", "態度　惡劣"},
		{"ＸＸ县城管局", "XX县城管局", "ＸＸ县城管局"},
		{"普通的简体文本：县住建局", "县住建局", "县住建局"},
	}
	for _, tt := range tests {
		text := n.Normalize(tt.in)
		i := strings.Index(text.Norm, tt.normPart)
		if i < 0 {
			t.Fatalf("%q not in normalised %q", tt.normPart, text.Norm)
		}
		if got := text.Span(i, i+len(tt.normPart)); got != tt.wantOrig {
			t.Errorf("Span of %q in %q = %q, want %q", tt.normPart, tt.in, got, tt.wantOrig)
		}
		s, e := text.OrigRange(i, i+len(tt.normPart))
		if s < 0 || tt.in[s:e] != tt.wantOrig {
			t.Errorf("OrigRange of %q = [%d,%d), want %q", tt.normPart, s, e, tt.wantOrig)
		}
	}
}

// quote answers exactly what Span and OrigRange answer, for every range, in and out of
// bounds, on texts that normalise to themselves and ones that do not.
func TestQuoteIsSpanAndOrigRange(t *testing.T) {
	n, err := newNormalizer()
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"村支书王某吃拿卡要", "  村幹部　ＡＢ\x00 吃拿\xff卡要 \n", "abc def"} {
		tx := n.Normalize(text)
		for s := -1; s <= len(tx.Norm)+1; s++ {
			for e := -1; e <= len(tx.Norm)+1; e++ {
				q, qs, qe := tx.quote(s, e)
				os, oe := tx.OrigRange(s, e)
				if span := tx.Span(s, e); q != span || qs != os || qe != oe {
					t.Fatalf("%q: quote(%d,%d) = %q,%d,%d; Span, OrigRange = %q,%d,%d", text, s, e, q, qs, qe, span, os, oe)
				}
			}
		}
	}
}
