package nlp

import (
	"os"
	"strings"
	"testing"
)

// testdata/subjects.tsv: expected unit, post, name, rank ("-" = not checked), text.
// Unit and post are checked by containment either way, as qingfeng eval scores them.
func TestSubjectExtraction(t *testing.T) {
	a := testAnalyzer(t)
	data, err := os.ReadFile("testdata/subjects.tsv")
	if err != nil {
		t.Fatal(err)
	}
	overlaps := func(want, got string) bool {
		return got != "" && (strings.Contains(got, want) || strings.Contains(want, got))
	}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			t.Fatalf("bad fixture line %q", line)
		}
		unit, post, name, rank, text := f[0], f[1], f[2], f[3], f[4]
		t.Run(text, func(t *testing.T) {
			res, err := a.Analyze(text)
			if err != nil {
				t.Fatal(err)
			}
			s := res.Subject
			if unit != "-" && !overlaps(unit, s.Unit) {
				t.Errorf("unit = %q, want %q", s.Unit, unit)
			}
			if post != "-" && !overlaps(post, s.Position) {
				t.Errorf("position = %q, want %q", s.Position, post)
			}
			if name != "-" && s.Name != name {
				t.Errorf("name = %q, want %q", s.Name, name)
			}
			if rank != "-" && s.Rank != rank {
				t.Errorf("rank = %q, want %q", s.Rank, rank)
			}
			for _, part := range []string{s.Unit, s.Position, s.Name} {
				if part != "" && !strings.Contains(text, part) {
					t.Errorf("%q does not quote the text", part)
				}
			}
		})
	}
}

// The reporter describing themselves is not the subject.
func TestSubjectSkipsReporter(t *testing.T) {
	a := testAnalyzer(t)
	res, err := a.Analyze("我是社区工作人员，街道办的王主任天天让我们填表报数")
	if err != nil {
		t.Fatal(err)
	}
	if res.Subject.Position != "主任" || res.Subject.Name != "王" {
		t.Errorf("subject = %+v, want 王 主任", res.Subject)
	}
}

func TestRankOfNamedSubject(t *testing.T) {
	a := testAnalyzer(t)
	for _, tt := range []struct{ pos, unit, want string }{
		{"局长", "县教育局", "township"},
		{"局长", "市住建局", "county"},
		{"副县长", "", "county"},
		{"村支書", "", "village"},
		{"书记", "城关镇党委", "township"},
		{"大侠", "县教育局", ""},
	} {
		if got := a.Rank(tt.pos, tt.unit); got != tt.want {
			t.Errorf("Rank(%q, %q) = %q, want %q", tt.pos, tt.unit, got, tt.want)
		}
	}
}
