package intake

import (
	"strings"
	"testing"
)

func TestWarningLevels(t *testing.T) {
	cal, err := NewCalendar()
	if err != nil {
		t.Fatal(err)
	}
	l, err := LoadLimits(nil)
	if err != nil {
		t.Fatal(err)
	}
	start := mustDate(t, "2026-03-02")                 // Monday
	due := cal.AddWorkingDays(start, l.AssignedResult) // 30 working days later
	if due.String() != "2026-04-14" {
		t.Fatalf("due = %s, want 2026-04-14 (清明 4–6 Apr off)", due)
	}
	tests := []struct {
		today string
		want  Level
	}{
		{"2026-03-02", LevelNone},
		{"2026-03-17", LevelNone},   // 11 of 30 working days used
		{"2026-03-23", LevelYellow}, // 15 of 30
		{"2026-04-02", LevelYellow}, // 23 of 30
		{"2026-04-03", LevelOrange}, // 24 of 30
		{"2026-04-07", LevelOrange}, // 25: 4–6 Apr are 清明
		{"2026-04-14", LevelOrange}, // the last day is still in time
		{"2026-04-15", LevelRed},
	}
	for _, tt := range tests {
		if got := l.WarningLevel(cal, start, due, mustDate(t, tt.today)); got != tt.want {
			t.Errorf("%s: level %q, want %q", tt.today, got, tt.want)
		}
	}
}

func TestLoadLimitsRefusesNonsense(t *testing.T) {
	for _, tt := range []struct{ file, want string }{
		{"accept_notice: [", "parse limits"},
		{strings.Replace(string(defaultLimits), "pass_level: 5", "pass_level: 0", 1), "pass_level"},
		{strings.Replace(string(defaultLimits), "yellow: 0.5", "yellow: 0.9", 1), "yellow < orange"},
	} {
		if _, err := LoadLimits([]byte(tt.file)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("err = %v, want %q", err, tt.want)
		}
	}
}
