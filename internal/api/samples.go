package api

import (
	"mime"
	"net/http"
	"strconv"

	"github.com/koban-project/koban/internal/binfile"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/malware"
)

// Malware samples as JSON: the same service and access decision as the
// pages. A sample is uploaded as the raw request body
// (application/octet-stream), its name, case, support request and TLP in
// the query: POST /api/v1/samples?name=invoice.exe&case=12&tlp=amber. A
// ZIP with encrypted entries is opened (password= in the query, else
// "infected") and each file in it becomes a sample; the answer lists them.

// SampleOut is a sample record with its file's hashes and analysis.
type SampleOut struct {
	ID        int64              `json:"id"`
	Name      string             `json:"name,omitempty"`
	Family    string             `json:"family,omitempty"`
	TLP       string             `json:"tlp"`
	Owner     string             `json:"owner"`
	Origin    string             `json:"origin"`
	CreatedAt string             `json:"created_at"`
	Size      int64              `json:"size"`
	MD5       string             `json:"md5"`
	SHA1      string             `json:"sha1"`
	SHA256    string             `json:"sha256"`
	SHA512    string             `json:"sha512"`
	SHA3_384  string             `json:"sha3_384"`
	TLSH      string             `json:"tlsh"`
	SSDEEP    string             `json:"ssdeep"`
	State     string             `json:"state"`
	Format    string             `json:"format,omitempty"`
	Imphash   string             `json:"imphash,omitempty"`
	Cluster   int64              `json:"cluster,omitempty"`
	Yara      []malware.YaraHit  `json:"yara,omitempty"`
	Strings   int                `json:"strings"`
	Cases     []int64            `json:"cases,omitempty"`
	Similar   []SimilarSampleOut `json:"similar,omitempty"`
	Hidden    int                `json:"similar_elsewhere,omitempty"` // similar files only other organisations hold
	Analysis  *binfile.Report    `json:"analysis,omitempty"`
}

// SimilarSampleOut is a neighbour by TLSH.
type SimilarSampleOut struct {
	ID       int64  `json:"id"`
	SHA256   string `json:"sha256"`
	Family   string `json:"family,omitempty"`
	Distance int    `json:"distance"`
	Band     string `json:"band"` // "near" (≤ 30) or "related" (≤ 100)
}

func (a *API) sampleOut(sm *malware.Sample) SampleOut {
	f := sm.File
	out := SampleOut{ID: sm.ID, Name: sm.Name, Family: sm.Family, TLP: string(sm.TLP), Owner: a.orgCode(sm.OrgID), Origin: string(sm.Origin),
		CreatedAt: stamp(sm.CreatedAt), Size: f.Size, MD5: f.MD5, SHA1: f.SHA1, SHA256: f.SHA256, SHA512: f.SHA512, SHA3_384: f.SHA3_384,
		TLSH: f.TLSH, SSDEEP: f.SSDEEP, State: f.State, Format: f.Format, Cluster: f.ClusterID, Yara: f.Yara, Strings: len(f.Strings)}
	if f.Analysis != nil && f.Analysis.PE != nil {
		out.Imphash = f.Analysis.PE.Imphash
	}
	return out
}

// sampleAdd answers POST /api/v1/samples: the body is the file.
func (a *API) sampleAdd(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), principal(r)
	if err := a.Malware.MaySubmit(p); err != nil {
		a.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	in := malware.Submission{Name: q.Get("name"), TLP: q.Get("tlp"), Origin: malware.FromAPI}
	var err error
	if v := q.Get("case"); v != "" {
		if in.CaseID, err = strconv.ParseInt(v, 10, 64); err != nil || in.CaseID <= 0 {
			a.fail(w, r, koban.FieldError("case", "malware.error.bad_id"))
			return
		}
	}
	if v := q.Get("support"); v != "" {
		if in.SupportID, err = strconv.ParseInt(v, 10, 64); err != nil || in.SupportID <= 0 {
			a.fail(w, r, koban.FieldError("support", "malware.error.bad_id"))
			return
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, a.Malware.MaxBytes+1)
	body := &guard.BodyReader{R: r.Body}
	st, err := a.Malware.Stage(body)
	if body.Err != nil {
		if st != nil {
			st.Close()
		}
		a.fail(w, r, bodyError(body.Err, "malware.error.too_large"))
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	defer st.Close()
	in.Staged = st
	made, err := a.Malware.SubmitAll(ctx, p, in, q.Get("password"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]SampleOut, 0, len(made))
	for _, sm := range made {
		out = append(out, a.sampleOut(sm))
	}
	if len(made) == 1 {
		w.Header().Set("Location", "/api/v1/samples/"+strconv.FormatInt(made[0].ID, 10))
	}
	writeJSON(w, http.StatusCreated, map[string]any{"samples": out})
}

// sampleDownload answers GET /api/v1/samples/{id}/download: the sample in
// a ZIP encrypted with "infected" (audited as sample.download).
func (a *API) sampleDownload(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d, err := a.Malware.Fetch(r.Context(), principal(r), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.Name}))
	if err := d.Send(w); err != nil {
		a.Log.Error("a sample's download stopped", "sample", id, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// samples answers GET /api/v1/samples[?hash=…].
func (a *API) samples(w http.ResponseWriter, r *http.Request) {
	list, err := a.Malware.List(r.Context(), principal(r), malware.Query{Hash: r.URL.Query().Get("hash")})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]SampleOut, 0, len(list))
	for _, sm := range list {
		out = append(out, a.sampleOut(sm))
	}
	writeJSON(w, http.StatusOK, map[string]any{"samples": out})
}

// sample answers GET /api/v1/samples/{id}: the record with its analysis,
// its cases and its similar samples (audited as sample.view).
func (a *API) sample(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v, err := a.Malware.Get(r.Context(), principal(r), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := a.sampleOut(v.Sample)
	out.Analysis, out.Hidden = v.Sample.File.Analysis, v.Hidden
	for _, c := range v.Cases {
		out.Cases = append(out.Cases, c.CaseID)
	}
	for _, s := range v.Similar {
		out.Similar = append(out.Similar, SimilarSampleOut{ID: s.Sample.ID, SHA256: s.Sample.File.SHA256, Family: s.Sample.Family,
			Distance: s.Distance, Band: s.Band()})
	}
	writeJSON(w, http.StatusOK, out)
}
