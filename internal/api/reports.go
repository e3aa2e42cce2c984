package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
)

// ReportIn is the JSON body of a report. Field names are a public contract.
type ReportIn struct {
	Kind        string     `json:"kind"`
	Category    string     `json:"category"`
	Description string     `json:"description"`
	OccurredAt  string     `json:"occurred_at"`
	Prefecture  string     `json:"prefecture"`
	Money       *MoneyIn   `json:"money"`
	Contact     *ContactIn `json:"contact"`
	Consent     bool       `json:"consent"`
	Language    string     `json:"language"`
	ExternalID  string     `json:"external_id"`
}

// MoneyIn is money lost or sent.
type MoneyIn struct {
	AmountJPY int64  `json:"amount_jpy"`
	SentAt    string `json:"sent_at"`
}

// ContactIn is the reporter's contact.
type ContactIn struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// submission converts the JSON into a submission; unreadable dates are
// field problems (422), like any other invalid value.
func (in ReportIn) submission() (intake.Submission, error) {
	var p koban.Problems
	s := intake.Submission{Kind: intake.Kind(in.Kind), Category: in.Category, Description: in.Description,
		Prefecture: in.Prefecture, Consent: in.Consent, Language: in.Language, ExternalID: strings.TrimSpace(in.ExternalID)}
	if s.Language != "" && s.Language != "ja" && s.Language != "en" {
		p.Add("language", "intake.error.language")
	}
	if len(s.ExternalID) > 200 {
		p.Add("external_id", "intake.error.too_long")
	}
	var err error
	if in.OccurredAt != "" {
		if s.OccurredAt, err = time.Parse(time.RFC3339, in.OccurredAt); err != nil {
			p.Add("occurred_at", "intake.error.date")
		}
	}
	if in.Money != nil {
		s.Money.AmountJPY = in.Money.AmountJPY
		if in.Money.SentAt != "" {
			if s.Money.SentAt, err = time.Parse(time.RFC3339, in.Money.SentAt); err != nil {
				p.Add("money.sent_at", "intake.error.date")
			}
		}
	}
	if in.Contact != nil {
		s.Contact = intake.Contact{Name: in.Contact.Name, Email: in.Contact.Email, Phone: in.Contact.Phone}
	}
	s.OccurredAt, s.Money.SentAt = s.OccurredAt.UTC(), s.Money.SentAt.UTC()
	if in.OccurredAt == "" {
		s.OccurredAt = time.Time{}
	}
	if in.Money == nil || in.Money.SentAt == "" {
		s.Money.SentAt = time.Time{}
	}
	return s, p.Err()
}

// AdviceOut is one piece of first advice, in the report's language.
type AdviceOut struct {
	Key      string   `json:"key"`
	Title    string   `json:"title"`
	Text     []string `json:"text"`
	Deadline string   `json:"deadline,omitempty"`
}

func (a *API) advice(lang string, list []intake.Advice) []AdviceOut {
	out := make([]AdviceOut, 0, len(list))
	for _, ad := range list {
		o := AdviceOut{Key: ad.Key, Title: a.Catalogs.T(lang, ad.Key+".title")}
		switch ad.Key {
		case "advice.urgent":
			o.Text = []string{a.Catalogs.T(lang, "advice.urgent.body"), a.Catalogs.T(lang, "advice.urgent.consult")}
		case "advice.freeze":
			o.Deadline = ad.Deadline.Format(time.RFC3339)
			local := ad.Deadline.In(a.location()).Format("2006-01-02 15:04 MST")
			o.Text = []string{a.Catalogs.T(lang, "advice.freeze.body", "deadline", local)}
		default:
			o.Text = strings.Split(a.Catalogs.T(lang, ad.Key+".steps"), "\n")
		}
		out = append(out, o)
	}
	return out
}

func (a *API) location() *time.Location {
	if a.Location == nil {
		return time.UTC
	}
	return a.Location
}

func (a *API) created(w http.ResponseWriter, r *http.Request, rc *intake.Receipt) {
	lang := rc.Report.Language
	writeJSON(w, http.StatusCreated, map[string]any{
		"receipt": rc.Receipt, "token": rc.Token, "status_url": guard.PublicBase(r, a.BaseURL, a.TrustProxy) + "/s/" + rc.Token,
		"urgent": rc.Report.Urgent, "advice": a.advice(lang, rc.Advice),
	})
}

const maxJSONBody = 1 << 20

// publicReport is the public form's API: no account, rate-limited per client.
func (a *API) publicReport(w http.ResponseWriter, r *http.Request) {
	ip := guard.ClientIP(r, a.TrustProxy)
	if ok, wait := a.Submit.Allow(ip, a.Now()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		a.fail(w, r, koban.Errorf(koban.TooMany, "intake.error.rate"))
		return
	}
	a.submit(w, r, intake.Origin{Source: "api", IP: ip})
}

// submit reads one report (JSON, or multipart with files) and stores it.
func (a *API) submit(w http.ResponseWriter, r *http.Request, o intake.Origin) {
	in, ups, cleanup, err := a.readReport(w, r, a.Intake.Limits().MaxBody())
	defer cleanup()
	if err != nil {
		a.badRequest(w, r, "")
		return
	}
	sub, err := in.submission()
	sub.Files = ups
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rc, err := a.Intake.Submit(r.Context(), sub, o)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.Metrics.received(o.Source, 1)
	a.created(w, r, rc)
}

// readReport reads a JSON body, or a multipart body whose "report" part is
// the JSON and whose "files" parts are evidence.
func (a *API) readReport(w http.ResponseWriter, r *http.Request, limit int64) (ReportIn, []intake.Upload, func(), error) {
	var in ReportIn
	noop := func() {}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return in, nil, noop, err
		}
		cleanup := func() { r.MultipartForm.RemoveAll() }
		raw := r.FormValue("report")
		if err := decodeStrict([]byte(raw), &in); err != nil {
			return in, nil, cleanup, err
		}
		var ups []intake.Upload
		var files []io.Closer
		for _, fh := range r.MultipartForm.File["files"] {
			f, err := fh.Open()
			if err != nil {
				return in, nil, cleanup, err
			}
			files = append(files, f)
			ups = append(ups, intake.Upload{Name: fh.Filename, Body: f})
		}
		return in, ups, func() {
			for _, f := range files {
				f.Close()
			}
			cleanup()
		}, nil
	case "application/json", "":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return in, nil, noop, err
		}
		return in, nil, noop, decodeStrict(body, &in)
	}
	return in, nil, noop, errors.New("unsupported content type " + mt)
}

// decodeStrict reads exactly one JSON object.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

func (a *API) partnerOrigin(r *http.Request) (intake.Origin, error) {
	p := principal(r)
	if !p.Can(auth.PermReportSubmit) {
		return intake.Origin{}, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	return intake.Origin{Source: "partner", SubmittedBy: p.UserID, OrgID: p.OrgID, Label: p.Email, IP: p.IP}, nil
}

// partnerReport takes one report from a partner's API token.
func (a *API) partnerReport(w http.ResponseWriter, r *http.Request) {
	o, err := a.partnerOrigin(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.submit(w, r, o)
}

// BulkResult is the outcome of one NDJSON line.
type BulkResult struct {
	Line     int       `json:"line"`
	Status   string    `json:"status"` // "accepted" or "rejected"
	Receipt  string    `json:"receipt,omitempty"`
	Token    string    `json:"token,omitempty"`
	Errors   []Problem `json:"errors,omitempty"`
	External string    `json:"external_id,omitempty"`
}

// Bulk limits: a request is at most this many lines and bytes; lines are
// stored in batches of bulkBatch, one transaction each.
const (
	bulkMaxLines = 10000
	bulkMaxBytes = 64 << 20
	bulkBatch    = 500
)

// bulkReports takes NDJSON, one report per line; each line is accepted or
// rejected on its own, and the response lists every line's outcome.
func (a *API) bulkReports(w http.ResponseWriter, r *http.Request) {
	o, err := a.partnerOrigin(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, bulkMaxBytes)
	lang := lang(r)
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(make([]byte, 64<<10), maxJSONBody)
	var results []BulkResult
	var batch []intake.Submission
	var batchLines []int
	accepted, rejected := 0, 0
	flush := func() {
		if len(batch) == 0 {
			return
		}
		rcs, errs := a.Intake.SubmitBatch(r.Context(), batch, o)
		for i, line := range batchLines {
			if errs[i] != nil {
				rejected++
				results = append(results, BulkResult{Line: line, Status: "rejected", Errors: a.problems(errs[i], lang), External: batch[i].ExternalID})
				continue
			}
			accepted++
			results = append(results, BulkResult{Line: line, Status: "accepted", Receipt: rcs[i].Receipt, Token: rcs[i].Token, External: batch[i].ExternalID})
		}
		batch, batchLines = batch[:0], batchLines[:0]
	}
	line := 0
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		if line > bulkMaxLines {
			rejected++
			results = append(results, BulkResult{Line: line, Status: "rejected", Errors: []Problem{{Code: "api.error.bulk_too_many", Message: a.Catalogs.T(lang, "api.error.bulk_too_many")}}})
			continue
		}
		var in ReportIn
		if err := decodeStrict(raw, &in); err != nil {
			rejected++
			results = append(results, BulkResult{Line: line, Status: "rejected", Errors: []Problem{{Code: "error.malformed", Message: a.Catalogs.T(lang, "error.malformed")}}})
			continue
		}
		sub, err := in.submission()
		if err != nil {
			rejected++
			results = append(results, BulkResult{Line: line, Status: "rejected", Errors: a.problems(err, lang), External: in.ExternalID})
			continue
		}
		batch, batchLines = append(batch, sub), append(batchLines, line)
		if len(batch) >= bulkBatch {
			flush()
		}
	}
	if err := sc.Err(); err != nil {
		// Lines read so far are handled; the rest of the body is refused as a whole.
		flush()
		rejected++
		results = append(results, BulkResult{Line: line + 1, Status: "rejected", Errors: []Problem{{Code: "api.error.bulk_unreadable", Message: a.Catalogs.T(lang, "api.error.bulk_unreadable")}}})
	} else {
		flush()
	}
	a.Metrics.received("partner", accepted)
	sortResults(results)
	writeJSON(w, http.StatusOK, map[string]any{"accepted": accepted, "rejected": rejected, "results": results})
}
