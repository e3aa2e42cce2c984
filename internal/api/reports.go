package api

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
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
// field problems (422), like any other invalid value, and so are the fields
// whose text was not valid (bad, from decodeReport).
func (in ReportIn) submission(bad koban.Problems) (intake.Submission, error) {
	p := slices.Clone(bad)
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
		// Never the request's Host header, which the client chooses: the
		// configured address, or a link relative to this server.
		"receipt": rc.Receipt, "token": rc.Token, "status_url": a.BaseURL + "/s/" + rc.Token,
		"urgent": rc.Report.Urgent, "advice": a.advice(lang, rc.Advice),
	})
}

// maxJSONBody caps a report sent as JSON (the body, or the "report" part of
// a multipart body): far above what a valid report holds, and all that is
// ever read into memory for one.
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
	in, bad, ups, err := a.readReport(w, r)
	// Files of a refused submission are dropped from the temporary folder;
	// those of an accepted one are stored by then, and this does nothing.
	defer func() {
		for _, u := range ups {
			u.Close()
		}
	}()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	// Once the report is read, its errors are in the language it asks for.
	l := langSaid(r, in.Language)
	sub, err := in.submission(bad)
	sub.Files = ups
	if err != nil {
		a.failIn(w, r, err, l)
		return
	}
	rc, err := a.Intake.Submit(r.Context(), sub, o)
	if err != nil {
		a.failIn(w, r, err, l)
		return
	}
	a.Metrics.received(o.Source, 1)
	a.created(w, r, rc)
}

// readReport reads a JSON body, or a multipart body whose "report" part is
// the JSON and whose "files" parts are evidence. Nothing but the JSON is
// held in memory: each file is streamed through its checks into the file
// store's temporary folder. The error is a koban error: 400 for a body that
// cannot be read, 413 for one over its cap, 422 for too many files.
func (a *API) readReport(w http.ResponseWriter, r *http.Request) (in ReportIn, bad koban.Problems, ups []intake.Upload, err error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		return a.readMultipart(w, r)
	case "application/json", "":
		// The announced length is checked before anything is read.
		if r.ContentLength > maxJSONBody {
			return in, nil, nil, koban.Errorf(koban.TooLarge, "api.error.json_too_large")
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
		if err != nil {
			return in, nil, nil, bodyError(err, "api.error.json_too_large")
		}
		in, bad, err = decodeReport(body)
		return in, bad, nil, err
	}
	return in, nil, nil, malformed("unsupported content type " + mt)
}

func (a *API) readMultipart(w http.ResponseWriter, r *http.Request) (in ReportIn, bad koban.Problems, ups []intake.Upload, err error) {
	lim := a.Intake.Limits()
	if r.ContentLength > lim.MaxBody() {
		return in, nil, nil, koban.Errorf(koban.TooLarge, "intake.error.body_too_large")
	}
	r.Body = http.MaxBytesReader(w, r.Body, lim.MaxBody())
	mr, err := r.MultipartReader()
	if err != nil {
		return in, nil, nil, malformed(err.Error())
	}
	seen, tooMany := false, false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return in, nil, ups, bodyError(err, "intake.error.body_too_large")
		}
		switch name := part.FormName(); name {
		case "report":
			if seen {
				return in, nil, ups, &koban.Error{Code: koban.Malformed, Key: "error.malformed", Field: "report", Err: errors.New("two report parts")}
			}
			seen = true
			raw, err := io.ReadAll(io.LimitReader(part, maxJSONBody+1))
			if err != nil {
				return in, nil, ups, bodyError(err, "intake.error.body_too_large")
			}
			if len(raw) > maxJSONBody {
				return in, nil, ups, &koban.Error{Code: koban.TooLarge, Key: "api.error.json_too_large", Field: "report"}
			}
			if in, bad, err = decodeReport(raw); err != nil {
				return in, nil, ups, err
			}
		case "files":
			if len(ups) == lim.Files {
				tooMany = true // the rest of the part is skipped, unread
				continue
			}
			body := &guard.BodyReader{R: part}
			up, err := a.Intake.Stage(part.FileName(), body)
			if body.Err != nil {
				return in, nil, ups, bodyError(body.Err, "intake.error.body_too_large")
			}
			if err != nil {
				return in, nil, ups, err
			}
			ups = append(ups, up)
		default:
			return in, nil, ups, &koban.Error{Code: koban.Malformed, Key: "api.error.unknown_field", Field: name}
		}
	}
	if !seen {
		return in, nil, ups, &koban.Error{Code: koban.Malformed, Key: "api.error.report_missing", Field: "report"}
	}
	if tooMany {
		return in, nil, ups, koban.FieldError("files", "intake.error.too_many_files")
	}
	return in, bad, ups, nil
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

// Bulk limits: a request is at most this many lines and bytes, a line at
// most maxJSONBody; lines are stored in batches of bulkBatch, one transaction
// each, or fewer when they add up to bulkBatchBytes, so that what one
// request holds in memory stays near that, whatever its lines weigh.
const (
	bulkMaxLines   = 10000
	bulkMaxBytes   = 64 << 20
	bulkBatch      = 500
	bulkBatchBytes = 4 << 20
)

// bulkReports takes NDJSON, one report per line; each line is accepted or
// rejected on its own, and the response lists every line's outcome.
func (a *API) bulkReports(w http.ResponseWriter, r *http.Request) {
	o, err := a.partnerOrigin(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if r.ContentLength > bulkMaxBytes {
		a.fail(w, r, koban.Errorf(koban.TooLarge, "api.error.bulk_too_large"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, bulkMaxBytes)
	lang := lang(r)
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(make([]byte, 64<<10), maxJSONBody)
	var results []BulkResult
	var batch []intake.Submission
	var batchLines []int
	batchBytes, accepted, rejected, reports := 0, 0, 0, 0
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
		batch, batchLines, batchBytes = batch[:0], batchLines[:0], 0
	}
	line := 0
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		reports++
		if line > bulkMaxLines {
			rejected++
			results = append(results, BulkResult{Line: line, Status: "rejected", Errors: []Problem{{Code: "api.error.bulk_too_many", Message: a.Catalogs.T(lang, "api.error.bulk_too_many")}}})
			continue
		}
		in, bad, err := decodeReport(raw)
		if err != nil {
			rejected++
			results = append(results, BulkResult{Line: line, Status: "rejected", Errors: a.problems(err, lang)})
			continue
		}
		sub, err := in.submission(bad)
		if err != nil {
			rejected++
			results = append(results, BulkResult{Line: line, Status: "rejected", Errors: a.problems(err, lang), External: in.ExternalID})
			continue
		}
		batch, batchLines, batchBytes = append(batch, sub), append(batchLines, line), batchBytes+len(raw)
		if len(batch) >= bulkBatch || batchBytes >= bulkBatchBytes {
			flush()
		}
	}
	if err := sc.Err(); err != nil {
		// Lines read so far are handled; the rest of the body is refused as a whole.
		flush()
		rejected++
		results = append(results, BulkResult{Line: line + 1, Status: "rejected", Errors: []Problem{{Code: "api.error.bulk_unreadable", Message: a.Catalogs.T(lang, "api.error.bulk_unreadable")}}})
	} else if reports == 0 {
		a.fail(w, r, koban.Errorf(koban.Malformed, "api.error.bulk_empty"))
		return
	} else {
		flush()
	}
	a.Metrics.received("partner", accepted)
	sortResults(results)
	writeJSON(w, http.StatusOK, map[string]any{"accepted": accepted, "rejected": rejected, "results": results})
}
