package intake

import (
	_ "embed"
	"fmt"
	"sort"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed data/calendar_2026.yaml
var calendar2026 []byte

// Date is a civil date in China; deadlines are whole working days.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// China has one time zone and no daylight saving; a fixed zone needs no tz database.
var chinaTime = time.FixedZone("CST", 8*3600)

// DateOf is the date in China of an instant.
func DateOf(t time.Time) Date {
	y, m, d := t.In(chinaTime).Date()
	return Date{y, m, d}
}

// ParseDate reads 2026-02-14.
func ParseDate(s string) (Date, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, chinaTime)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: %w", s, err)
	}
	return DateOf(t), nil
}

func (d Date) String() string { return d.time().Format(time.DateOnly) }

func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, chinaTime) }

// AddDays moves by calendar days.
func (d Date) AddDays(n int) Date { return DateOf(d.time().AddDate(0, 0, n)) }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.time().Before(e.time()) }

// EndOf is the last instant of the date, when a deadline on that date runs out.
func (d Date) EndOf() time.Time { return d.time().AddDate(0, 0, 1).Add(-time.Nanosecond) }

// Calendar knows which days are working days: official holidays and make-up working days
// for the years it was given, plain weekends otherwise. Safe for concurrent use; an admin
// may load a new year's file while it is in use.
type Calendar struct {
	mu    sync.RWMutex
	years map[int]*yearRule
}

type yearRule struct {
	source   string
	holidays map[Date]string // date -> holiday name
	workdays map[Date]bool
}

type calendarFile struct {
	Year     int    `yaml:"year"`
	Source   string `yaml:"source"`
	Holidays []struct {
		Name string `yaml:"name"`
		From string `yaml:"from"`
		To   string `yaml:"to"`
	} `yaml:"holidays"`
	Workdays []string `yaml:"workdays"`
}

// NewCalendar returns a calendar with the built-in 2026 arrangement.
func NewCalendar() (*Calendar, error) {
	c := &Calendar{years: map[int]*yearRule{}}
	if _, err := c.Load(calendar2026); err != nil {
		return nil, fmt.Errorf("built-in calendar: %w", err)
	}
	return c, nil
}

// Load adds (or replaces) one year's arrangement from a file like data/calendar_2026.yaml
// and returns the year. A file that contradicts itself is refused whole.
func (c *Calendar) Load(data []byte) (int, error) {
	var f calendarFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return 0, fmt.Errorf("parse calendar: %w", err)
	}
	if f.Year < 2000 || f.Year > 2200 {
		return 0, fmt.Errorf("calendar: year %d out of range", f.Year)
	}
	r := &yearRule{source: f.Source, holidays: map[Date]string{}, workdays: map[Date]bool{}}
	inYear := func(d Date) error {
		if d.Year != f.Year {
			return fmt.Errorf("calendar %d: %s is in another year", f.Year, d)
		}
		return nil
	}
	for _, h := range f.Holidays {
		from, err := ParseDate(h.From)
		if err != nil {
			return 0, fmt.Errorf("calendar %d: holiday %s: %w", f.Year, h.Name, err)
		}
		to, err := ParseDate(h.To)
		if err != nil {
			return 0, fmt.Errorf("calendar %d: holiday %s: %w", f.Year, h.Name, err)
		}
		if to.Before(from) || to.Year != from.Year {
			return 0, fmt.Errorf("calendar %d: holiday %s ends before it starts", f.Year, h.Name)
		}
		if err := inYear(from); err != nil {
			return 0, err
		}
		for d := from; !to.Before(d); d = d.AddDays(1) {
			r.holidays[d] = h.Name
		}
	}
	for _, s := range f.Workdays {
		d, err := ParseDate(s)
		if err != nil {
			return 0, fmt.Errorf("calendar %d: workday: %w", f.Year, err)
		}
		if err := inYear(d); err != nil {
			return 0, err
		}
		if _, clash := r.holidays[d]; clash {
			return 0, fmt.Errorf("calendar %d: %s is both a holiday and a workday", f.Year, d)
		}
		if wd := d.time().Weekday(); wd != time.Saturday && wd != time.Sunday {
			return 0, fmt.Errorf("calendar %d: make-up workday %s is a %s, not a weekend day", f.Year, d, wd)
		}
		r.workdays[d] = true
	}
	c.mu.Lock()
	c.years[f.Year] = r
	c.mu.Unlock()
	return f.Year, nil
}

// Published reports whether the year's official arrangement is loaded; without it the
// calendar falls back to plain weekends, which the service must say out loud.
func (c *Calendar) Published(year int) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.years[year]
	return ok
}

// Years lists the loaded years.
func (c *Calendar) Years() []int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var ys []int
	for y := range c.years {
		ys = append(ys, y)
	}
	sort.Ints(ys)
	return ys
}

// IsWorkingDay: make-up days are working days, holidays are not, otherwise Monday to
// Friday.
func (c *Calendar) IsWorkingDay(d Date) bool {
	c.mu.RLock()
	r := c.years[d.Year]
	c.mu.RUnlock()
	if r != nil {
		if r.workdays[d] {
			return true
		}
		if _, off := r.holidays[d]; off {
			return false
		}
	}
	wd := d.time().Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays returns the n-th working day after from (from itself does not count):
// a limit of 15 working days on a report received on from runs out at the end of it.
func (c *Calendar) AddWorkingDays(from Date, n int) Date {
	d := from
	for n > 0 {
		d = d.AddDays(1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// WorkingDaysBetween counts the working days after from up to and including to (0 when
// to is not after from).
func (c *Calendar) WorkingDaysBetween(from, to Date) int {
	n := 0
	for d := from.AddDays(1); !to.Before(d); d = d.AddDays(1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}
