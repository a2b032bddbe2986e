package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"qingfeng/intake"
	"qingfeng/staff"
)

// EvidenceKeeper is what the web layer needs of the evidence store (intake.Evidence).
// A channel that knows its ticket (the chat after filing, WeChat) calls
// intake.Evidence.Attach itself with the reader its file arrives on.
type EvidenceKeeper interface {
	AttachByCode(ctx context.Context, number, code string, up intake.Upload) (*intake.Attachment, error)
	List(ctx context.Context, id string) ([]intake.Attachment, error)
	Download(ctx context.Context, id, aid, actor string, role intake.Role) (*intake.Attachment, io.ReadCloser, error)
	Thumbnail(ctx context.Context, id, aid string) (io.ReadCloser, error)
	Limits() intake.EvidenceLimits
}

// attachmentsRoute is the reporter's upload, which the server-wide body limit skips: it
// has limits of its own, checked while the file streams.
const attachmentsRoute = "/api/v1/tickets/:number/attachments"

// multipartSlack is what a request may carry beyond its file: the multipart headers and
// boundaries, and a few small fields before the file.
const multipartSlack = 64 << 10

// WithEvidence adds evidence: the reporter's upload, and, when the staff API is on
// (WithStaff before), the staff's list, download and thumbnail routes.
func (s *Server) WithEvidence(e EvidenceKeeper) *Server {
	s.evidence = e
	if s.staff != nil {
		g := s.echo.Group("/staff/api")
		seeTicket := s.staffOnly(staff.RoleOperator, staff.RoleIntake, staff.RoleHandler, staff.RoleLeader)
		g.GET("/tickets/:id/attachments", s.staffAttachments, seeTicket)
		g.GET("/tickets/:id/attachments/:aid", s.staffAttachment, seeTicket)
	}
	return s
}

// attachmentAnswer is what an upload answers (201).
type attachmentAnswer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size"`
	Type string `json:"type"`
}

// attachEvidence answers POST /api/v1/tickets/:number/attachments: X-Query-Code, and the
// file in the multipart field "file". The number and code are checked, and limited, as
// the status query does; the file streams through to the evidence store.
func (s *Server) attachEvidence(c echo.Context) error {
	if s.evidence == nil {
		return fail(http.StatusServiceUnavailable, "not_configured")
	}
	number, ok := canonicalNumber(c.Param("number"))
	if !ok {
		return fail(http.StatusNotFound, "not_found")
	}
	if err := s.allowGuess(c, number); err != nil {
		return err
	}
	req, lim := c.Request(), s.evidence.Limits()
	if req.ContentLength > lim.MaxBytes+multipartSlack {
		return evidenceFailure(&intake.EvidenceRefusal{Reason: intake.RefuseTooLarge, Limit: lim.MaxBytes,
			Detail: fmt.Sprintf("Content-Length %d", req.ContentLength)})
	}
	// A phone on a slow network needs longer for 20 MB than the server gives a request.
	_ = http.NewResponseController(c.Response()).SetReadDeadline(time.Now().Add(s.cfg.UploadTimeout))
	req.Body = http.MaxBytesReader(c.Response(), req.Body, lim.MaxBytes+multipartSlack)
	part, err := filePart(req)
	if err != nil {
		return evidenceFailure(err)
	}
	a, err := s.evidence.AttachByCode(req.Context(), number, req.Header.Get("X-Query-Code"),
		intake.Upload{Name: part.FileName(), Body: part, Channel: "web"})
	if err != nil {
		return evidenceFailure(err)
	}
	return c.JSON(http.StatusCreated, attachmentAnswer{ID: a.ID, Name: a.Name, Size: a.Size, Type: a.Type})
}

// filePart finds the multipart field "file", passing over a few others before it.
func filePart(req *http.Request) (*multipart.Part, error) {
	mr, err := req.MultipartReader()
	if err != nil {
		return nil, &apiError{Status: http.StatusBadRequest, Code: "bad_upload", Msg: messages["bad_upload"], Err: err}
	}
	for range 8 {
		p, err := mr.NextPart()
		if err != nil {
			return nil, &apiError{Status: http.StatusBadRequest, Code: "bad_upload", Msg: messages["bad_upload"], Err: err}
		}
		if p.FormName() == "file" {
			return p, nil
		}
	}
	return nil, fail(http.StatusBadRequest, "bad_upload")
}

// evidenceStatus is the HTTP status of each refusal: too large 413, not an allowed type
// 415, the ticket full 409, anything wrong with the file itself 422.
var evidenceStatus = map[string]int{
	intake.RefuseTooLarge: http.StatusRequestEntityTooLarge, intake.RefuseUnsupported: http.StatusUnsupportedMediaType,
	intake.RefuseTooMany: http.StatusConflict,
}

// evidenceFailure maps a refused file to its status and Chinese reason; other errors
// go on to fromDomain.
func evidenceFailure(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		err = &intake.EvidenceRefusal{Reason: intake.RefuseTooLarge, Detail: err.Error(), Limit: tooBig.Limit - multipartSlack}
	}
	r := intake.Refusal(err)
	if r == nil {
		return err
	}
	status, ok := evidenceStatus[r.Reason]
	if !ok {
		status = http.StatusUnprocessableEntity
	}
	code := "evidence_" + r.Reason
	msg := messages[code]
	switch r.Reason {
	case intake.RefuseTooLarge:
		msg = fmt.Sprintf(msg, r.Limit>>20)
	case intake.RefuseTooMany:
		msg = fmt.Sprintf(msg, r.Limit)
	case intake.RefuseImageSize:
		msg = fmt.Sprintf(msg, r.Limit/10_000)
	}
	return &apiError{Status: status, Code: code, Msg: msg, Err: err}
}

// staffAttachments lists a ticket's evidence for anyone who may see the ticket; the
// reporter's identity is not part of it, so roles that may not see that see this.
func (s *Server) staffAttachments(c echo.Context) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	list, err := s.evidence.List(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"attachments": list, "limits": map[string]any{
		"max_files": s.evidence.Limits().MaxFiles, "max_bytes": s.evidence.Limits().MaxBytes}})
}

// staffAttachment serves one file as a download (recorded in the ticket's history before
// a byte goes out), or with ?thumb=1 an image's thumbnail (not recorded).
func (s *Server) staffAttachment(c echo.Context) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	aid := c.Param("aid")
	if !intake.ValidAttachmentID(aid) {
		return fail(http.StatusNotFound, "not_found")
	}
	ctx, h := c.Request().Context(), c.Response().Header()
	h.Set("Cache-Control", "private, no-store")
	// Were the file ever opened as a page, it could do nothing.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if c.QueryParam("thumb") == "1" {
		r, err := s.evidence.Thumbnail(ctx, t.ID, aid)
		if err != nil {
			return err
		}
		defer r.Close()
		h.Set(echo.HeaderContentType, "image/jpeg")
		c.Response().WriteHeader(http.StatusOK)
		_, err = io.Copy(c.Response(), r)
		return s.streamed(c, err)
	}
	a := account(c)
	att, r, err := s.evidence.Download(ctx, t.ID, aid, a.Username, a.Role)
	if err != nil {
		return err
	}
	defer r.Close()
	_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(s.cfg.UploadTimeout))
	h.Set(echo.HeaderContentType, att.Type) // sniffed at upload, from the allowlist: never HTML
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": att.Name}))
	h.Set(echo.HeaderContentLength, strconv.FormatInt(att.Size, 10))
	c.Response().WriteHeader(http.StatusOK)
	_, err = io.Copy(c.Response(), r)
	return s.streamed(c, err)
}

// streamed logs a file that failed after its headers went out (altered on disk, the
// store gone): the client sees a short body, never bytes that did not open.
func (s *Server) streamed(c echo.Context, err error) error {
	if err != nil {
		s.log.Error("evidence stream broke off", "path", c.Path(), "err", err)
	}
	return nil
}
