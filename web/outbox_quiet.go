package web

import (
	"fmt"
	"strings"
	"time"
)

// DefaultQuietHours is when SMS notices that are not urgent wait (China time).
const DefaultQuietHours = "22:00-08:00"

// chinaZone is the time quiet hours are told in; China keeps one zone and no daylight
// saving.
var chinaZone = time.FixedZone("CST", 8*3600)

// QuietHours is a daily window, in China time, in which SMS notices that are not urgent
// wait for its end (QINGFENG_QUIET_HOURS). The zero value has none.
type QuietHours struct {
	from, to int // minutes after midnight; the window may run past midnight
	on       bool
}

// ParseQuietHours reads "22:00-08:00"; "" or "off" is no quiet hours.
func ParseQuietHours(s string) (QuietHours, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "off") {
		return QuietHours{}, nil
	}
	a, b, ok := strings.Cut(s, "-")
	from, errA := clockMinutes(a)
	to, errB := clockMinutes(b)
	if !ok || errA != nil || errB != nil || from == to {
		return QuietHours{}, fmt.Errorf("quiet hours %q: want HH:MM-HH:MM (two different times), or off", s)
	}
	return QuietHours{from: from, to: to, on: true}, nil
}

func clockMinutes(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Until says whether t is inside the window, and when the window ends.
func (q QuietHours) Until(t time.Time) (time.Time, bool) {
	if !q.on {
		return time.Time{}, false
	}
	local := t.In(chinaZone)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, chinaZone)
	m := local.Hour()*60 + local.Minute()
	end := midnight.Add(time.Duration(q.to) * time.Minute)
	switch {
	case q.from < q.to && m >= q.from && m < q.to: // e.g. 12:00-14:00
		return end, true
	case q.from > q.to && m >= q.from: // 22:00-08:00, late in the evening
		return end.AddDate(0, 0, 1), true
	case q.from > q.to && m < q.to: // …early in the morning
		return end, true
	}
	return time.Time{}, false
}

// String is the window as configured.
func (q QuietHours) String() string {
	if !q.on {
		return "off"
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", q.from/60, q.from%60, q.to/60, q.to%60)
}
