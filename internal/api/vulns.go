package api

import (
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/vuln"
)

// Vulnerability information as JSON, for the CSIRT's scripts: the same
// service and access decision as the pages. An inventory file (CSV,
// CycloneDX, SPDX) is uploaded as the raw request body, its name in the
// query: POST /api/v1/assets?name=sbom.cdx.json.

// maxInventory is the largest inventory file taken (the reader's own cap).
const maxInventory = 64 << 20

// AssetOut is an asset of the inventory.
type AssetOut struct {
	ID        int64  `json:"id"`
	Owner     string `json:"owner"`
	Name      string `json:"name"`
	Version   string `json:"version,omitempty"`
	CPE       string `json:"cpe,omitempty"`
	PURL      string `json:"purl,omitempty"`
	Supplier  string `json:"supplier,omitempty"`
	Exposure  string `json:"exposure,omitempty"`
	Origin    string `json:"origin"`
	CreatedAt string `json:"created_at"`
	Open      int    `json:"open_findings"`
}

// FindingOut is a finding: an asset matching a vulnerability.
type FindingOut struct {
	ID         int64    `json:"id"`
	Asset      int64    `json:"asset"`
	AssetName  string   `json:"asset_name"`
	Vuln       string   `json:"vuln"`
	Title      string   `json:"title,omitempty"`
	How        string   `json:"how"`
	Confidence string   `json:"confidence"`
	Reason     string   `json:"reason,omitempty"`
	Conditions []string `json:"conditions,omitempty"`
	KEV        bool     `json:"kev"`
	EPSS       float64  `json:"epss"`
	Score      float64  `json:"cvss"`
	Severity   string   `json:"severity,omitempty"`
	Due        string   `json:"due,omitempty"`
	Status     string   `json:"status"`
	Note       string   `json:"status_note,omitempty"`
	Gone       bool     `json:"gone,omitempty"`
	FirstSeen  string   `json:"first_seen"`
}

// StatusIn is a finding's new status.
type StatusIn struct {
	Status string `json:"status"`
	Note   string `json:"note"`
}

func (a *API) assetOut(x *vuln.Asset) AssetOut {
	owner := ""
	if o, ok := a.Tree().ByID(x.OrgID); ok {
		owner = o.Code
	}
	return AssetOut{ID: x.ID, Owner: owner, Name: x.Name, Version: x.Version, CPE: x.CPE, PURL: x.PURL, Supplier: x.Supplier,
		Exposure: string(x.Exposure), Origin: x.Origin, CreatedAt: x.CreatedAt.Format(time.RFC3339), Open: x.Open}
}

func findingOut(f *vuln.Finding) FindingOut {
	out := FindingOut{ID: f.ID, Asset: f.AssetID, AssetName: f.AssetName, Vuln: f.VulnID, Title: f.Title, How: f.How, Confidence: f.Confidence,
		Reason: f.Reason, Conditions: f.Conditions, KEV: f.KEV, EPSS: f.EPSS, Score: f.Score, Severity: f.Severity, Status: string(f.Status),
		Note: f.StatusNote, Gone: f.Gone, FirstSeen: f.FirstSeen.Format(time.RFC3339)}
	if !f.Due.IsZero() {
		out.Due = f.Due.Format(time.DateOnly)
	}
	return out
}

// assetsAdd answers POST /api/v1/assets: an inventory file in the body.
// Records that cannot be added are listed with why; 201 when any was.
func (a *API) assetsAdd(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxInventory+1)
	body := &guard.BodyReader{R: r.Body}
	res, err := a.Vuln.ImportAssets(r.Context(), principal(r), r.URL.Query().Get("name"), body)
	if body.Err != nil {
		a.fail(w, r, bodyError(body.Err, "vuln.error.too_large"))
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	added := make([]AssetOut, 0, len(res.Added))
	for _, x := range res.Added {
		added = append(added, a.assetOut(x))
	}
	problems := make([]map[string]string, 0, len(res.Problems))
	for _, p := range res.Problems {
		problems = append(problems, map[string]string{"ref": p.Ref, "field": p.Field, "reason": p.Reason})
	}
	status := http.StatusCreated
	if len(added) == 0 {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, map[string]any{"format": string(res.Format), "added": added, "problems": problems})
}

// assets answers GET /api/v1/assets: the inventory of the caller's line.
func (a *API) assets(w http.ResponseWriter, r *http.Request) {
	list, err := a.Vuln.Assets(r.Context(), principal(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]AssetOut, 0, len(list))
	for _, x := range list {
		out = append(out, a.assetOut(x))
	}
	writeJSON(w, http.StatusOK, map[string]any{"assets": out})
}

// findings answers GET /api/v1/findings[?asset=ID][&vuln=CVE][&all=1]:
// open findings of the caller's line, highest priority first.
func (a *API) findings(w http.ResponseWriter, r *http.Request) {
	q := vuln.FindingQuery{VulnID: r.URL.Query().Get("vuln"), All: r.URL.Query().Get("all") == "1"}
	if s := r.URL.Query().Get("asset"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			a.fail(w, r, koban.FieldError("asset", "error.not_found"))
			return
		}
		q.AssetID = id
	}
	list, err := a.Vuln.Findings(r.Context(), principal(r), q)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]FindingOut, 0, len(list))
	for _, f := range list {
		out = append(out, findingOut(f))
	}
	writeJSON(w, http.StatusOK, map[string]any{"findings": out})
}

// findingStatus answers POST /api/v1/findings/{id}/status with
// {"status": "accepted", "note": "…"} (audited).
func (a *API) findingStatus(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in StatusIn
	if err := decodeJSON(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	f, err := a.Vuln.SetStatus(r.Context(), principal(r), id, vuln.Status(in.Status), in.Note)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, findingOut(f))
}

// vulnRecord answers GET /api/v1/vulns/{id}: the dictionary's record with
// its KEV entry and EPSS score.
func (a *API) vulnRecord(w http.ResponseWriter, r *http.Request) {
	rec, err := a.Vuln.Vuln(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := map[string]any{"record": rec, "cvss": map[string]any{"score": rec.Score, "severity": rec.Severity, "version": rec.ScoreVersion,
		"vector": rec.ScoreVector, "source": rec.ScoreSource}, "fetched_at": rec.FetchedAt.Format(time.RFC3339)}
	if rec.KEV != nil {
		out["kev"] = map[string]any{"date_added": rec.KEV.DateAdded.Format(time.DateOnly), "due_date": rec.KEV.DueDate.Format(time.DateOnly),
			"required_action": rec.KEV.RequiredAction, "ransomware": rec.KEV.KnownRansomwareCampaignUse}
	}
	if rec.EPSS != nil {
		out["epss"] = map[string]any{"score": rec.EPSS.Score, "percentile": rec.EPSS.Percentile, "date": rec.EPSS.ScoreDate.Format(time.DateOnly)}
	}
	writeJSON(w, http.StatusOK, out)
}

// vulnCSAF answers GET /api/v1/vulns/{id}/csaf[?lang=en]: a CSAF 2.0
// advisory about the vulnerability and the caller's line's assets.
func (a *API) vulnCSAF(w http.ResponseWriter, r *http.Request) {
	b, err := a.Vuln.ExportCSAF(r.Context(), principal(r), r.PathValue("id"), r.URL.Query().Get("lang"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": r.PathValue("id") + ".csaf.json"}))
	w.Write(b)
}
