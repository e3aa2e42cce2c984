package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/koban-project/koban/internal/blob"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/koban"
)

// Case evidence as JSON: the same service, access decision and custody
// log as the pages. A file is uploaded as multipart/form-data (a "file"
// part and the fields as text parts); a physical item as JSON.

// EvidenceOut is an evidence item.
type EvidenceOut struct {
	ID           int64  `json:"id"`
	CaseID       int64  `json:"case_id"`
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	Description  string `json:"description,omitempty"`
	SHA256       string `json:"sha256,omitempty"`
	Size         int64  `json:"size,omitempty"`
	Serial       string `json:"serial,omitempty"`
	CollectedBy  string `json:"collected_by"`
	ReceivedFrom string `json:"received_from,omitempty"`
	CollectedAt  string `json:"collected_at"`
	AddedBy      string `json:"added_by,omitempty"`
	CreatedAt    string `json:"created_at"`
	Location     string `json:"location,omitempty"`
	Holder       string `json:"holder,omitempty"`
	Returned     bool   `json:"returned,omitempty"`
}

// CustodyOut is one entry of an item's chain of custody.
type CustodyOut struct {
	ID       int64  `json:"id"`
	At       string `json:"at"`
	Actor    string `json:"actor,omitempty"` // "" for koban itself
	Action   string `json:"action"`
	Party    string `json:"party,omitempty"`
	Location string `json:"location,omitempty"`
	Note     string `json:"note,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
}

// EvidenceIn is the JSON body that records a physical item, and the
// fields of a file's multipart upload.
type EvidenceIn struct {
	Kind         string `json:"kind"` // "physical" (a file comes as multipart)
	Name         string `json:"name"`
	Description  string `json:"description"`
	Serial       string `json:"serial"`
	CollectedBy  string `json:"collected_by"`
	ReceivedFrom string `json:"received_from"`
	CollectedAt  string `json:"collected_at"` // RFC 3339
	Location     string `json:"location"`
}

func (in EvidenceIn) evidence() cases.NewEvidence {
	return cases.NewEvidence{Name: in.Name, Description: in.Description, Serial: in.Serial, CollectedBy: in.CollectedBy,
		ReceivedFrom: in.ReceivedFrom, CollectedAt: in.CollectedAt, Location: in.Location}
}

func (a *API) evidenceOut(ev cases.Evidence, who *emails) EvidenceOut {
	return EvidenceOut{ID: ev.ID, CaseID: ev.CaseID, Kind: string(ev.Kind), Name: ev.Name, Description: ev.Description, SHA256: ev.SHA256,
		Size: ev.Size, Serial: ev.Serial, CollectedBy: ev.CollectedBy, ReceivedFrom: ev.ReceivedFrom, CollectedAt: stamp(ev.CollectedAt),
		AddedBy: who.of(ev.AddedBy), CreatedAt: stamp(ev.CreatedAt), Location: ev.Location, Holder: ev.Holder, Returned: ev.Returned}
}

// caseEvidence answers GET /api/v1/cases/{id}/evidence.
func (a *API) caseEvidence(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	l, err := a.Evidence.List(r.Context(), principal(r), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	who := a.emails(r.Context(), nil)
	out := make([]EvidenceOut, 0, len(l.Items))
	for _, ev := range l.Items {
		out = append(out, a.evidenceOut(ev, who))
	}
	writeJSON(w, http.StatusOK, map[string]any{"evidence": out, "can_add": l.CanAdd, "can_download": l.CanDownload, "can_export": l.CanExport})
}

// maxEvidenceFields caps the text parts of an upload, together.
const maxEvidenceFields = 64 << 10

// caseEvidenceAdd answers POST /api/v1/cases/{id}/evidence: a file as
// multipart/form-data, a physical item as JSON. The right to add is
// checked before an upload is read.
func (a *API) caseEvidenceAdd(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ctx, p := r.Context(), principal(r)
	if err := a.Evidence.MayAdd(ctx, p, id); err != nil {
		a.fail(w, r, err)
		return
	}
	var ev *cases.Evidence
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		values, staged, name, err := a.readUpload(w, r)
		if staged != nil {
			defer staged.Close()
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
		in := EvidenceIn{Name: values.Get("name"), Description: values.Get("description"), CollectedBy: values.Get("collected_by"),
			ReceivedFrom: values.Get("received_from"), CollectedAt: values.Get("collected_at")}
		ev, err = a.Evidence.AddFile(ctx, p, id, name, in.evidence(), staged)
		if err != nil {
			a.fail(w, r, err)
			return
		}
	} else {
		var in EvidenceIn
		if err := decodeJSON(w, r, &in); err != nil {
			a.badJSON(w, r, err)
			return
		}
		if in.Kind != string(cases.EvidencePhysical) {
			a.fail(w, r, koban.FieldError("kind", "api.error.evidence_kind"))
			return
		}
		if ev, err = a.Evidence.AddPhysical(ctx, p, id, in.evidence()); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	w.Header().Set("Location", "/api/v1/cases/"+strconv.FormatInt(id, 10)+"/evidence/"+strconv.FormatInt(ev.ID, 10))
	writeJSON(w, http.StatusCreated, a.evidenceOut(*ev, a.emails(ctx, nil)))
}

// readUpload reads a multipart upload part by part: text parts (up to
// maxEvidenceFields in all) and one "file" part, staged to disk as it
// arrives.
func (a *API) readUpload(w http.ResponseWriter, r *http.Request) (url.Values, *blob.Staged, string, error) {
	values := url.Values{}
	r.Body = http.MaxBytesReader(w, r.Body, a.Evidence.MaxBytes+maxEvidenceFields+(1<<20))
	mr, err := r.MultipartReader()
	if err != nil {
		return values, nil, "", bodyError(err, "api.error.body_too_large")
	}
	var staged *blob.Staged
	var name string
	text := 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return values, staged, name, nil
		}
		if err != nil {
			return values, staged, name, bodyError(err, "api.error.body_too_large")
		}
		switch {
		case part.FormName() != "file":
			v, err := io.ReadAll(io.LimitReader(part, int64(maxEvidenceFields-text+1)))
			if err != nil {
				return values, staged, name, bodyError(err, "api.error.body_too_large")
			}
			if text += len(v); text > maxEvidenceFields {
				return values, staged, name, koban.Errorf(koban.TooLarge, "api.error.body_too_large")
			}
			values.Add(part.FormName(), string(v))
		case staged != nil:
			return values, staged, name, koban.FieldError("file", "api.error.evidence_one_file")
		default:
			body := &guard.BodyReader{R: part}
			st, err := a.Evidence.Stage(body)
			if body.Err != nil {
				if st != nil {
					st.Close()
				}
				return values, nil, "", bodyError(body.Err, "api.error.body_too_large")
			}
			if err != nil {
				return values, nil, "", err
			}
			staged, name = st, part.FileName()
		}
	}
}

func evidencePath(r *http.Request) (int64, int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	eid, err := pathID(r, "eid")
	return id, eid, err
}

// caseEvidenceItem answers GET /api/v1/cases/{id}/evidence/{eid}: the item
// and its chain of custody (this read is added to it).
func (a *API) caseEvidenceItem(w http.ResponseWriter, r *http.Request) {
	id, eid, err := evidencePath(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v, err := a.Evidence.Item(r.Context(), principal(r), id, eid)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	who := a.emails(r.Context(), v.People)
	custody := make([]CustodyOut, 0, len(v.Custody))
	for _, c := range v.Custody {
		custody = append(custody, CustodyOut{ID: c.ID, At: stamp(c.At), Actor: who.of(c.ActorID), Action: string(c.Action), Party: c.Party,
			Location: c.Location, Note: c.Note, SHA256: c.SHA256})
	}
	writeJSON(w, http.StatusOK, map[string]any{"evidence": a.evidenceOut(*v.Item, who), "custody": custody,
		"can_add": v.CanAdd, "can_download": v.CanDownload})
}

// caseEvidenceCustody answers POST /api/v1/cases/{id}/evidence/{eid}/custody:
// {"action": "received" | "handed_over" | "returned" | "stored", "party",
// "location", "note"}.
func (a *API) caseEvidenceCustody(w http.ResponseWriter, r *http.Request) {
	id, eid, err := evidencePath(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in struct {
		Action   string `json:"action"`
		Party    string `json:"party"`
		Location string `json:"location"`
		Note     string `json:"note"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		a.badJSON(w, r, err)
		return
	}
	c, err := a.Evidence.RecordTransfer(r.Context(), principal(r), id, eid, cases.Transfer{Action: cases.CustodyAction(in.Action),
		Party: in.Party, Location: in.Location, Note: in.Note})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, CustodyOut{ID: c.ID, At: stamp(c.At), Actor: principal(r).Email, Action: string(c.Action), Party: c.Party,
		Location: c.Location, Note: c.Note})
}

// caseEvidenceVerify answers POST /api/v1/cases/{id}/evidence/{eid}/verify:
// {"ok": true} when the stored file still matches its SHA-256.
func (a *API) caseEvidenceVerify(w http.ResponseWriter, r *http.Request) {
	id, eid, err := evidencePath(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok, err := a.Evidence.Verify(r.Context(), principal(r), id, eid)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": ok})
}

// caseEvidenceFile answers GET /api/v1/cases/{id}/evidence/{eid}/file: the
// bytes as stored, as an attachment, checked against the SHA-256 on the way
// (a damaged file is cut off before its end: the connection drops).
func (a *API) caseEvidenceFile(w http.ResponseWriter, r *http.Request) {
	id, eid, err := evidencePath(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d, err := a.Evidence.Open(r.Context(), principal(r), id, eid)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	defer d.Body.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(d.Item.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.FormatInt(d.Item.Size, 10))
	h.Set("X-Koban-SHA256", d.Item.SHA256)
	if _, err := io.Copy(w, d.Body); err != nil {
		if !errors.Is(err, blob.ErrDamaged) {
			a.Log.Warn("send evidence", "case", id, "evidence", eid, "err", err)
		}
		panic(http.ErrAbortHandler)
	}
}

// caseExport answers POST /api/v1/cases/{id}/export: the case's court
// bundle (application/zip), checked offline with koban export verify.
func (a *API) caseExport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	b, err := a.Evidence.Export(r.Context(), principal(r), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	defer b.Close()
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(b.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.FormatInt(b.Size, 10))
	h.Set("X-Koban-Bundle", b.Manifest.BundleID)
	if _, err := io.Copy(w, b.File); err != nil {
		a.Log.Warn("send court bundle", "case", id, "err", err)
		panic(http.ErrAbortHandler)
	}
}
