package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"qingfeng/intake"
)

// FigureSource is what the figures pages need.
type FigureSource interface {
	Figures(ctx context.Context, from, to time.Time) (*intake.Figures, error)
	FigureRows(ctx context.Context, from, to time.Time) ([]intake.FigureRow, error)
}

// WarningSource gives the warnings of today: subject units under warning (黄橙红三级预警)
// and each handling body's tickets at each deadline level, as the last scan found them.
type WarningSource interface {
	UnitWarnings(ctx context.Context) ([]intake.UnitWarning, error)
	BodyLevels(ctx context.Context) ([]intake.BodyLevels, time.Time, error)
}

// period reads ?from=2026-03-01&to=2026-04-01 (China dates; to is exclusive), by default
// the current month.
func period(c echo.Context, now time.Time) (time.Time, time.Time, error) {
	today := intake.DateOf(now)
	from, to := intake.Date{Year: today.Year, Month: today.Month, Day: 1}.EndOf().AddDate(0, 0, -1).Add(time.Nanosecond), now
	if v := c.QueryParam("from"); v != "" {
		d, err := intake.ParseDate(v)
		if err != nil {
			return from, to, err
		}
		from = d.EndOf().AddDate(0, 0, -1).Add(time.Nanosecond)
	}
	if v := c.QueryParam("to"); v != "" {
		d, err := intake.ParseDate(v)
		if err != nil {
			return from, to, err
		}
		to = d.EndOf().AddDate(0, 0, -1).Add(time.Nanosecond)
	}
	if !to.After(from) || to.Sub(from) > maxPeriod {
		return from, to, fmt.Errorf("period %s..%s is empty or longer than %s", from, to, maxPeriod)
	}
	return from, to, nil
}

// maxPeriod bounds one figures request: the export lists every ticket of the period.
const maxPeriod = 366 * 24 * time.Hour

// periodFigures reads the figures of the period the request names.
func (s *Server) periodFigures(c echo.Context) (*intake.Figures, error) {
	from, to, err := period(c, s.cfg.Now())
	if err != nil {
		e := fail(http.StatusBadRequest, "bad_period")
		e.Err = err
		return nil, e
	}
	return s.figures.Figures(c.Request().Context(), from, to)
}

// staffFigures answers the period's figures and today's warnings.
func (s *Server) staffFigures(c echo.Context) error {
	f, err := s.periodFigures(c)
	if err != nil {
		return err
	}
	units, err := s.warnings.UnitWarnings(c.Request().Context())
	if err != nil {
		return err
	}
	bodies, at, err := s.warnings.BodyLevels(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		*intake.Figures
		Units    []intake.UnitWarning
		Bodies   []intake.BodyLevels
		LevelsAt time.Time
	}{f, units, bodies, at})
}

// staffFiguresXLSX exports the figures and the ticket list as an Excel workbook for the
// monthly and quarterly tables leaders read.
func (s *Server) staffFiguresXLSX(c echo.Context) error {
	f, err := s.periodFigures(c)
	if err != nil {
		return err
	}
	bodies, err := s.staff.Bodies(c.Request().Context())
	if err != nil {
		return err
	}
	name := s.labeller(bodies)
	book := excelize.NewFile()
	defer book.Close()
	const summary = "汇总"
	book.SetSheetName("Sheet1", summary)
	rows := [][]any{
		{"统计期间", f.From.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02"), f.To.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")},
		{"受理总数", f.Total}, {"已报结及以后", f.Finished}, {"按时办结率", f.OnTime},
		{"已办结", f.Concluded}, {"查实率", f.Substantiated}, {"重复举报率", f.Repeats},
		{"已回访", f.FollowedUp}, {"满意率", f.Satisfaction},
		{"应告知举报人", f.Notices}, {"告知率", f.NoticeRate}, {"按时告知率", f.OnTimeNotices}, {"未能告知", f.DeadNotices},
	}
	if err := writeRows(book, summary, rows); err != nil {
		return err
	}
	for _, t := range []struct {
		sheet, head, dim string
		m                map[string]int
	}{{"按类别", "类别", "category", f.ByCategory}, {"按办理单位", "单位", "body", f.ByBody}, {"按级别", "级别", "rank", f.ByRank},
		{"按渠道", "渠道", "channel", f.ByChannel}, {"按办理方式", "方式", "mode", f.ByMode},
		{"按问责措施", "问责措施", "measure", f.ByMeasure}} {
		if _, err := book.NewSheet(t.sheet); err != nil {
			return err
		}
		keys := make([]string, 0, len(t.m))
		for k := range t.m {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			return t.m[keys[i]] > t.m[keys[j]] || t.m[keys[i]] == t.m[keys[j]] && keys[i] < keys[j]
		})
		rows := [][]any{{t.head, "件数"}}
		for _, k := range keys {
			rows = append(rows, []any{name(t.dim, k), t.m[k]})
		}
		if err := writeRows(book, t.sheet, rows); err != nil {
			return err
		}
	}
	levels, _, err := s.warnings.BodyLevels(c.Request().Context())
	if err != nil {
		return err
	}
	const warned = "办理单位期限预警"
	if _, err := book.NewSheet(warned); err != nil {
		return err
	}
	rows = [][]any{{"办理单位", "黄色预警", "橙色预警", "红色预警（逾期）"}}
	for _, l := range levels {
		rows = append(rows, []any{name("body", l.Body), l.Yellow, l.Orange, l.Red})
	}
	if err := writeRows(book, warned, rows); err != nil {
		return err
	}
	const list = "工单清单"
	if _, err := book.NewSheet(list); err != nil {
		return err
	}
	rows = [][]any{{"编号", "受理时间", "状态", "类别", "渠道", "办理方式", "办理单位", "被反映单位", "级别", "查实情况"}}
	tickets, err := s.figures.FigureRows(c.Request().Context(), f.From, f.To)
	if err != nil {
		return err
	}
	for _, t := range tickets {
		rows = append(rows, []any{t.ID, t.CreatedAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04"),
			statusNames[intake.Status(t.Status)], name("category", t.Category), name("channel", t.Channel), name("mode", t.Mode),
			name("body", t.Body), t.Unit, name("rank", t.Rank), t.Finding})
	}
	if err := writeRows(book, list, rows); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="qingfeng-figures-%s.xlsx"`, f.From.Format("20060102")))
	c.Response().Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Response().WriteHeader(http.StatusOK)
	return book.Write(c.Response())
}

func writeRows(book *excelize.File, sheet string, rows [][]any) error {
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := book.SetSheetRow(sheet, cell, &r); err != nil {
			return err
		}
	}
	return nil
}
