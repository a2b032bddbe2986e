package intake

import (
	"encoding/json"
	"strings"
	"testing"

	"qingfeng/nlp"
)

func TestMaskIdentifiers(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"phone", "我的电话13812345678，随时联系", "我的电话138****5678，随时联系"},
		{"phone in groups", "电话 138-1234-5678 或 139 1234 5678", "电话 138-****-5678 或 139 **** 5678"},
		{"phone with +86", "+8613812345678 和 +86 13912345678", "+86138****5678 和 +86 139****5678"},
		{"full-width phone", "电话１３８１２３４５６７８", "电话１３８＊＊＊＊５６７８"},
		{"ID number", "身份证号110101199003071234。", "身份证号110***********1234。"},
		{"ID number ending in X", "身份证11010119900307123X和11010119900307123x", "身份证110***********123X和110***********123x"},
		{"ID number in groups", "110101 19900307 123X", "110*** ******** 123X"},
		{"16-digit card", "卡号6222020012345678", "卡号6222********5678"},
		{"19-digit card", "转到6217000012345678901", "转到6217***********8901"},
		{"card in groups", "6222 0200 1234 5678 901", "6222 **** **** ***8 901"},
		{"several at once", "王某13812345678，卡6222020012345678", "王某138****5678，卡6222********5678"},
		{"a date", "2026年3月2日，20260302，2026-03-02 上午", "2026年3月2日，20260302，2026-03-02 上午"},
		{"a time stamp", "流水号2026030209300012345", "流水号2026030209300012345"},
		{"money", "收了50000元，又要13500000000元，￥1234567890123456，共1234567890123456.50", "收了50000元，又要13500000000元，￥1234567890123456，共1234567890123456.50"},
		{"landline", "座机010-12345678", "座机010-12345678"},
		{"ticket number", "QF-20260302-000001", "QF-20260302-000001"},
		{"too short or too long", "1381234567 和 138123456789 和 62220200123456789012", "1381234567 和 138123456789 和 62220200123456789012"},
		{"not a mobile", "12812345678", "12812345678"},
		{"an 18-digit number with no birth date", "123456789012345678", "1234**********5678"},
		{"nothing", "村支书截留低保金", "村支书截留低保金"},
	} {
		got := MaskIdentifiers(tt.in)
		if got != tt.want {
			t.Errorf("%s: MaskIdentifiers(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
		if len(got) != len(tt.in) {
			t.Errorf("%s: %d bytes became %d", tt.name, len(tt.in), len(got))
		}
	}
}

// Staff who may not see the reporter's identity get the text, reply and analysis masked;
// the intake office and leaders get them as written.
func TestTicketMasked(t *testing.T) {
	text := "我叫王建国，电话13812345678，身份证110101199003071234，举报村支书截留低保金。"
	analysis, _ := json.Marshal(nlp.Result{Category: "harming_public",
		Evidence: []nlp.Evidence{{Category: "harming_public", Text: "低保金", Start: strings.Index(text, "低保金"), End: strings.Index(text, "低保金") + len("低保金")}},
		Signals:  []nlp.Signal{{Type: "contact", Text: "13812345678", Start: strings.Index(text, "138"), End: strings.Index(text, "138") + 11}}})
	tk := &Ticket{ID: "QF-1", Text: text, Analysis: string(analysis), Reply: "已回电13812345678"}
	got := tk.Masked()
	shown := got.Text + got.Analysis + got.Reply
	if strings.Contains(shown, "13812345678") || strings.Contains(shown, "110101199003071234") {
		t.Errorf("shows %q", shown)
	}
	var r nlp.Result
	if err := json.Unmarshal([]byte(got.Analysis), &r); err != nil || len(r.Evidence) != 1 ||
		got.Text[r.Evidence[0].Start:r.Evidence[0].End] != "低保金" || r.Signals[0].Text != "138****5678" {
		t.Errorf("masked analysis %s, %v: the evidence no longer points at its words", got.Analysis, err)
	}
	if tk.Text != text {
		t.Error("masking changed the ticket itself")
	}
	broken := &Ticket{Text: text, Analysis: `{"evidence": [{"text": "13812345678"`}
	if got := broken.Masked().Analysis; got != "" {
		t.Errorf("an analysis that does not read is shown: %q", got)
	}
}
