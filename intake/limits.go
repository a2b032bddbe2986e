package intake

import (
	_ "embed"
	"fmt"

	"gopkg.in/yaml.v3"
)

//go:embed data/limits.yaml
var defaultLimits []byte

// Limits are the time limits of DOMAIN.md in working days, and the warning thresholds.
type Limits struct {
	AcceptNotice       int `yaml:"accept_notice"`
	PassLevel          int `yaml:"pass_level"`
	AssignedResult     int `yaml:"assigned_result"`
	TransferredReceipt int `yaml:"transferred_receipt"`
	SupervisedDefault  int `yaml:"supervised_default"`
	SupervisedProgress int `yaml:"supervised_progress"`
	ResultNotice       int `yaml:"result_notice"`
	Warnings           struct {
		Yellow float64 `yaml:"yellow"`
		Orange float64 `yaml:"orange"`
	} `yaml:"warnings"`
	UnitWarnings struct {
		PeriodDays    int        `yaml:"period_days"`
		Overdue       thresholds `yaml:"overdue"`
		Substantiated thresholds `yaml:"substantiated"`
	} `yaml:"unit_warnings"`
}

// thresholds are the counts at which a unit turns yellow, orange and red.
type thresholds struct {
	Yellow int `yaml:"yellow"`
	Orange int `yaml:"orange"`
	Red    int `yaml:"red"`
}

func (th thresholds) level(n int) Level {
	switch {
	case n >= th.Red:
		return LevelRed
	case n >= th.Orange:
		return LevelOrange
	case n >= th.Yellow:
		return LevelYellow
	}
	return LevelNone
}

func (th thresholds) valid() bool {
	return 0 < th.Yellow && th.Yellow <= th.Orange && th.Orange <= th.Red
}

// LoadLimits reads a limits file; nil or empty data gives the built-in one.
func LoadLimits(data []byte) (Limits, error) {
	if len(data) == 0 {
		data = defaultLimits
	}
	var l Limits
	if err := yaml.Unmarshal(data, &l); err != nil {
		return l, fmt.Errorf("parse limits: %w", err)
	}
	for name, v := range map[string]int{"accept_notice": l.AcceptNotice, "pass_level": l.PassLevel,
		"assigned_result": l.AssignedResult, "transferred_receipt": l.TransferredReceipt,
		"supervised_default": l.SupervisedDefault, "supervised_progress": l.SupervisedProgress,
		"result_notice": l.ResultNotice} {
		if v <= 0 {
			return l, fmt.Errorf("limits: %s must be a positive number of working days", name)
		}
	}
	if !(0 < l.Warnings.Yellow && l.Warnings.Yellow < l.Warnings.Orange && l.Warnings.Orange < 1) {
		return l, fmt.Errorf("limits: warnings need 0 < yellow < orange < 1")
	}
	if l.UnitWarnings.PeriodDays <= 0 || !l.UnitWarnings.Overdue.valid() || !l.UnitWarnings.Substantiated.valid() {
		return l, fmt.Errorf("limits: unit_warnings need a period and counts 0 < yellow ≤ orange ≤ red")
	}
	return l, nil
}

// Level is how close a ticket is to its deadline.
type Level string

const (
	LevelNone   Level = ""
	LevelYellow Level = "yellow"
	LevelOrange Level = "orange"
	LevelRed    Level = "red" // overdue
)

// WarningLevel compares the working days used since start with those allowed until due.
func (l Limits) WarningLevel(cal *Calendar, start, due, today Date) Level {
	if due.Before(today) {
		return LevelRed
	}
	allowed := cal.WorkingDaysBetween(start, due)
	if allowed == 0 {
		return LevelNone
	}
	used := float64(cal.WorkingDaysBetween(start, today)) / float64(allowed)
	switch {
	case used >= l.Warnings.Orange:
		return LevelOrange
	case used >= l.Warnings.Yellow:
		return LevelYellow
	}
	return LevelNone
}
