package intake

import (
	"context"
	"fmt"
	"strconv"
)

// Admins load each year's holiday arrangement as it is published; it is kept in Redis
// (hash "calendars", year → file) so every instance picks it up at its next scan.

// SaveCalendar checks a year's arrangement, keeps it for every instance and loads it
// here; it returns the year.
func (sc *Scanner) SaveCalendar(ctx context.Context, data []byte) (int, error) {
	year, err := (&Calendar{years: map[int]*yearRule{}}).Load(data)
	if err != nil {
		return 0, &Error{Code: CodeInvalid, Msg: "invalid calendar", Err: err}
	}
	if err := sc.store.rdb.HSet(ctx, sc.store.key("calendars"), strconv.Itoa(year), data).Err(); err != nil {
		return 0, unavailable(err)
	}
	if _, err := sc.cal.Load(data); err != nil {
		return 0, fmt.Errorf("calendar %d: %w", year, err)
	}
	return year, nil
}

// LoadCalendars loads the years admins saved, on any instance, into this one's calendar.
func (sc *Scanner) LoadCalendars(ctx context.Context) error {
	all, err := sc.store.rdb.HGetAll(ctx, sc.store.key("calendars")).Result()
	if err != nil {
		return unavailable(err)
	}
	for year, data := range all {
		if _, err := sc.cal.Load([]byte(data)); err != nil {
			return fmt.Errorf("saved calendar %s: %w", year, err)
		}
	}
	return nil
}

// CalendarStatus says which years have their official arrangement loaded; a year
// without falls back to plain weekends, and staff must be told.
type CalendarStatus struct {
	Years         []int
	ThisYear      int
	ThisPublished bool
	NextPublished bool
}

// CalendarStatus reports on this year and the next.
func (sc *Scanner) CalendarStatus() CalendarStatus {
	y := DateOf(sc.store.now()).Year
	return CalendarStatus{Years: sc.cal.Years(), ThisYear: y, ThisPublished: sc.cal.Published(y), NextPublished: sc.cal.Published(y + 1)}
}
