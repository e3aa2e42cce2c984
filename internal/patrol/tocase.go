package patrol

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/koban"
)

// Cases is what a finding needs of the case services to join a case:
// cases.Service links its report, cases.EvidenceService keeps its page.
type Cases interface {
	LinkReport(ctx context.Context, p auth.Principal, caseID int64, ref string) (int64, error)
	MayAdd(ctx context.Context, p auth.Principal, caseID int64) error
	AddKept(ctx context.Context, p auth.Principal, caseID int64, files []cases.KeptFile, detail map[string]any) ([]*cases.Evidence, error)
}

// SetCases lets confirmed findings join cases.
func (s *Service) SetCases(c Cases) { s.cases = c }

// JoinCase puts a confirmed finding into a case the officer may add
// evidence to: the finding's report (filed now when there is none yet) is
// linked to the case, so that the page's values join the case's, and the
// page as captured (its body, and its screenshot when there is one)
// becomes evidence of the case, hashed again, collected by cyber patrol at
// the time of the capture. A finding joins a case once.
func (s *Service) JoinCase(ctx context.Context, p auth.Principal, id, caseID int64) error {
	if s.cases == nil || s.reporter == nil {
		return koban.Errorf(koban.Conflict, "error.forbidden")
	}
	f, err := s.confirmedFinding(ctx, p, id)
	if err != nil {
		return err
	}
	if err := s.cases.MayAdd(ctx, p, caseID); err != nil {
		return err
	}
	if f.ReportID == 0 {
		rc, err := s.FileReport(ctx, p, id)
		if err != nil {
			return err
		}
		f.ReportID = rc.ReportID
	}
	if _, err := s.cases.LinkReport(ctx, p, caseID, strconv.FormatInt(f.ReportID, 10)); koban.ErrorCode(err) == koban.Conflict {
		return koban.FieldError("case", "patrol.error.in_case")
	} else if err != nil {
		return err
	}
	c, err := s.store.Capture(ctx, f.CaptureID)
	if err != nil {
		return err
	}
	at := c.FetchedAt.Format(time.RFC3339)
	by := "サイバーパトロール (koban " + s.opts.Version + ")"
	files := []cases.KeptFile{{SHA256: c.SHA256, NewEvidence: cases.NewEvidence{
		Name:        fmt.Sprintf("patrol-finding-%d%s", f.ID, extension(c.ContentType)),
		Description: fmt.Sprintf("サイバーパトロールで取得したページ（発見 #%d）: %s\nHTTP %d, %s", f.ID, c.URL, c.Status, c.ContentType),
		CollectedBy: by, CollectedAt: at}}}
	if c.ScreenshotSHA256 != "" {
		files = append(files, cases.KeptFile{SHA256: c.ScreenshotSHA256, NewEvidence: cases.NewEvidence{
			Name:        fmt.Sprintf("patrol-finding-%d-screenshot.png", f.ID),
			Description: fmt.Sprintf("上のページを取得した内容から描画した画面（発見 #%d）: %s", f.ID, c.URL),
			CollectedBy: by, CollectedAt: at}})
	}
	if _, err := s.cases.AddKept(ctx, p, caseID, files, map[string]any{"finding": f.ID, "capture": c.ID}); err != nil {
		return err
	}
	return s.store.Audit(ctx, audit.Entry{Actor: p.Actor(), Action: "patrol.finding_case", ObjectType: ObjectType,
		ObjectID: strconv.FormatInt(f.ID, 10), Detail: map[string]any{"case": caseID, "report": f.ReportID}})
}

// extension names a captured body's file by its content type.
func extension(contentType string) string {
	ct, _, _ := strings.Cut(contentType, ";")
	switch strings.ToLower(strings.TrimSpace(ct)) {
	case "text/html", "application/xhtml+xml":
		return ".html"
	case "text/plain":
		return ".txt"
	case "application/json":
		return ".json"
	case "application/pdf":
		return ".pdf"
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	}
	return ".bin"
}
