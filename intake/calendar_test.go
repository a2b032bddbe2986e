package intake

import (
	"strings"
	"testing"
)

func mustDate(t *testing.T, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCalendar2026WorkingDays(t *testing.T) {
	c, err := NewCalendar()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		date    string
		working bool
		why     string
	}{
		{"2026-01-01", false, "元旦"},
		{"2026-01-04", true, "Sunday worked for 元旦"},
		{"2026-02-13", true, "Friday before the Spring Festival"},
		{"2026-02-14", true, "Saturday worked for the Spring Festival"},
		{"2026-02-16", false, "春节 Monday"},
		{"2026-02-23", false, "last day of 春节, a Monday"},
		{"2026-02-24", true, "first day back"},
		{"2026-02-28", true, "Saturday worked"},
		{"2026-03-01", false, "ordinary Sunday"},
		{"2026-05-05", false, "劳动节 Tuesday"},
		{"2026-05-09", true, "Saturday worked"},
		{"2026-10-08", true, "Thursday after 国庆"},
		{"2026-10-10", true, "Saturday worked"},
		{"2027-01-04", true, "unpublished year: a plain Monday"},
		{"2027-01-02", false, "unpublished year: a plain Saturday"},
	}
	for _, tt := range tests {
		if got := c.IsWorkingDay(mustDate(t, tt.date)); got != tt.working {
			t.Errorf("%s (%s): working = %v, want %v", tt.date, tt.why, got, tt.working)
		}
	}
	if !c.Published(2026) || c.Published(2027) {
		t.Errorf("published: 2026 %v, 2027 %v", c.Published(2026), c.Published(2027))
	}
}

func TestAddWorkingDaysAcrossSpringFestival(t *testing.T) {
	c, err := NewCalendar()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		from string
		n    int
		want string
	}{
		// Received Thursday 12 Feb: 13 (Fri), 14 (Sat, worked), then nothing until 24 Feb.
		{"2026-02-12", 1, "2026-02-13"},
		{"2026-02-12", 2, "2026-02-14"},
		{"2026-02-12", 3, "2026-02-24"},
		{"2026-02-12", 5, "2026-02-26"},
		// 27 Feb (Fri), 28 (Sat, worked), 2 Mar (Mon).
		{"2026-02-26", 3, "2026-03-02"},
		// 15 working days from the eve of the holiday: 14 Feb (worked) = 1, 24–27 Feb = 5,
		// 28 Feb (worked) = 6, 2–6 Mar = 11, 9–12 Mar = 15.
		{"2026-02-13", 15, "2026-03-12"},
		// 30 working days spanning 中秋 and 国庆 (20 Sep and 10 Oct worked).
		{"2026-09-15", 30, "2026-11-02"},
		{"2026-03-02", 0, "2026-03-02"},
	}
	for _, tt := range tests {
		if got := c.AddWorkingDays(mustDate(t, tt.from), tt.n); got.String() != tt.want {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
	if n := c.WorkingDaysBetween(mustDate(t, "2026-02-12"), mustDate(t, "2026-02-24")); n != 3 {
		t.Errorf("working days 12→24 Feb = %d, want 3", n)
	}
}

func TestCalendarLoadsANewYearAndRefusesBadFiles(t *testing.T) {
	c, err := NewCalendar()
	if err != nil {
		t.Fatal(err)
	}
	good := "year: 2027\nholidays: [{name: 元旦, from: 2027-01-01, to: 2027-01-03}]\nworkdays: [2027-01-09]\n"
	if _, err := c.Load([]byte(good)); err != nil {
		t.Fatal(err)
	}
	if c.IsWorkingDay(mustDate(t, "2027-01-01")) || !c.IsWorkingDay(mustDate(t, "2027-01-09")) || !c.Published(2027) {
		t.Error("2027 file not applied")
	}
	bad := []struct{ name, file, want string }{
		{"not yaml", "year: [", "parse calendar"},
		{"year out of range", "year: 12", "out of range"},
		{"holiday in another year", "year: 2028\nholidays: [{name: x, from: 2027-12-30, to: 2027-12-31}]", "another year"},
		{"reversed holiday", "year: 2028\nholidays: [{name: x, from: 2028-01-05, to: 2028-01-01}]", "ends before"},
		{"weekday as make-up day", "year: 2028\nworkdays: [2028-01-05]", "not a weekend"},
		{"day both off and on", "year: 2028\nholidays: [{name: x, from: 2028-01-01, to: 2028-01-02}]\nworkdays: [2028-01-01]", "both"},
		{"bad date", "year: 2028\nworkdays: [2028-13-01]", "2028-13-01"},
	}
	for _, tt := range bad {
		_, err := c.Load([]byte(tt.file))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
	if c.Published(2028) {
		t.Error("a refused file left a year behind")
	}
}

// An admin's calendar file is outside input: any bytes give an error or a calendar
// whose year answers working-day questions without panicking.
func FuzzCalendarLoad(f *testing.F) {
	f.Add([]byte(calendar2026))
	for _, seed := range []string{"year: 2027\nholidays: [{name: 元旦, from: 2027-01-01, to: 2027-01-03}]\nworkdays: [2027-01-04]\n",
		"year: 2027\nholidays: [{name: x, from: 2027-02-30, to: 2027-01-01}]", "year: -1", "[", ""} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &Calendar{years: map[int]*yearRule{}}
		year, err := c.Load(data)
		if err != nil {
			return
		}
		if !c.Published(year) {
			t.Fatalf("loaded %d but it is not published", year)
		}
		start := Date{year, 1, 1}
		end := c.AddWorkingDays(start, 30)
		if n := c.WorkingDaysBetween(start, end); n < 25 || n > 35 {
			t.Fatalf("30 working days from %s end %s, %d apart", start, end, n)
		}
	})
}
