package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/vuln"
	"github.com/koban-project/koban/internal/vuln/inventory"
)

// The inventory: the line's assets with the form that adds one and the
// upload of an inventory file; an asset's page with its findings, a form
// per finding to move its status, and its removal.

// vulnAssetsPage lists the assets of the officer's line.
type vulnAssetsPage struct {
	page
	Assets   []*vuln.Asset
	Form     vuln.AssetInput
	Imported *importResult // what an uploaded inventory file gave
}

// importResult says what an inventory file gave: the assets added, and
// each record left out with why (the inventory reader's own words, in
// English).
type importResult struct {
	Name     string // the file's
	Format   string
	Added    int
	Problems []inventory.Problem
}

// Exposures are the choices of the exposure select, "" not known.
func (p vulnAssetsPage) Exposures() []vuln.Exposure {
	return []vuln.Exposure{"", vuln.Internet, vuln.Internal}
}

func (s *Server) vulnAssets(w http.ResponseWriter, r *http.Request) {
	s.renderVulnAssets(w, r, http.StatusOK, vulnAssetsPage{page: s.newPage(r, "vulns.assets.title")})
}

func (s *Server) renderVulnAssets(w http.ResponseWriter, r *http.Request, status int, p vulnAssetsPage) {
	var err error
	if p.Assets, err = s.Vuln.Assets(r.Context(), *p.Principal); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "vuln_assets", p)
}

// maxAssetForm caps the add form's body.
const maxAssetForm = 64 << 10

func (s *Server) vulnAssetAdd(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r, maxAssetForm) {
		return
	}
	pr, _ := principalFrom(r.Context())
	f := r.PostForm
	in := vuln.AssetInput{Name: f.Get("name"), Version: f.Get("version"), CPE: f.Get("cpe"), PURL: f.Get("purl"),
		Supplier: f.Get("supplier"), Exposure: f.Get("exposure"), Notes: f.Get("notes")}
	a, err := s.Vuln.AddAsset(r.Context(), pr, in)
	if c := koban.ErrorCode(err); c == koban.Invalid || c == koban.Conflict {
		p := vulnAssetsPage{page: s.newPage(r, "vulns.assets.title"), Form: in}
		p.setProblems(err)
		s.renderVulnAssets(w, r, guard.Status(c), p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/vulns/assets/%d?done=vuln_asset_added", a.ID), http.StatusSeeOther)
}

// vulnAssetPage is one asset with its findings.
type vulnAssetPage struct {
	page
	A        *vuln.Asset
	Findings findingsTable
}

func (s *Server) vulnAsset(w http.ResponseWriter, r *http.Request) {
	s.showVulnAsset(w, r, http.StatusOK, 0, "", "", nil)
}

// showVulnAsset renders an asset's page; a refused status change comes
// back on the form of its finding (id) with the note typed.
func (s *Server) showVulnAsset(w http.ResponseWriter, r *http.Request, status int, id int64, chosen vuln.Status, note string, problem error) {
	aid, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, _ := principalFrom(r.Context())
	a, err := s.Vuln.Asset(r.Context(), pr, aid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fs, err := s.Vuln.Findings(r.Context(), pr, vuln.FindingQuery{AssetID: a.ID, All: true})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := vulnAssetPage{page: s.newPage(r, "vulns.asset.title"), A: a}
	p.TitleText = a.Name
	p.Findings = findingsTable{ID: "asset-findings", Caption: p.T("vulns.asset.findings_caption", "name", a.Name), Rows: fs, CVE: true,
		Forms: p.CanVulnManage(), For: id, Status: chosen, Note: note}
	if problem != nil {
		p.setProblems(problem)
		p.Findings.Problem = strings.TrimSpace(p.Problems["status"] + " " + p.Problems["note"])
		// The summary's links go to the refused finding's form.
		for i, sp := range p.Summary {
			p.Summary[i].Anchor = fmt.Sprintf("status-%d-note", id)
			if sp.Field == "status" {
				p.Summary[i].Anchor = fmt.Sprintf("status-%d-to", id)
			}
		}
	}
	p.Findings.P = p.page
	s.render(w, r, status, "vuln_asset", p)
}

func (s *Server) vulnFindingStatus(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.postForm(w, r, 16<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	note := r.PostForm.Get("note")
	chosen := vuln.Status(r.PostForm.Get("status"))
	f, err := s.Vuln.SetStatus(r.Context(), pr, id, chosen, note)
	if koban.ErrorCode(err) == koban.Invalid {
		// Back to the asset's page (the form names it; the page asks
		// the access decision again), this finding's form refused.
		r.SetPathValue("id", r.PostForm.Get("asset"))
		s.showVulnAsset(w, r, http.StatusUnprocessableEntity, id, chosen, note, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/vulns/assets/%d?done=vuln_status#finding-%d", f.AssetID, f.ID), http.StatusSeeOther)
}

func (s *Server) vulnAssetRemove(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.postForm(w, r, 4<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	if err := s.Vuln.RemoveAsset(r.Context(), pr, id); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/vulns/assets?done=vuln_asset_removed", http.StatusSeeOther)
}

// maxInventoryForm caps the upload: the inventory file and the form's
// little else.
const maxInventoryForm = inventory.MaxBytes + 64<<10

// vulnAssetImport takes an inventory file (CSV, CycloneDX, SPDX), read as
// it arrives, and shows what it gave on the inventory's page: the assets
// added and each record left out with why.
func (s *Server) vulnAssetImport(w http.ResponseWriter, r *http.Request) {
	pr, _ := principalFrom(r.Context())
	if !pr.Can(auth.PermVulnManage) {
		s.fail(w, r, koban.Errorf(koban.Forbidden, "error.forbidden"))
		return
	}
	p := vulnAssetsPage{page: s.newPage(r, "vulns.assets.title")}
	res, name, err := s.readInventory(w, r, pr)
	switch code := koban.ErrorCode(err); {
	case err == nil:
		p.Imported = &importResult{Name: name, Format: string(res.Format), Added: len(res.Added), Problems: res.Problems}
		status := http.StatusOK
		if len(res.Added) == 0 {
			status = http.StatusUnprocessableEntity
		}
		s.renderVulnAssets(w, r, status, p)
	case code == koban.Invalid:
		p.setProblems(err)
		s.renderVulnAssets(w, r, http.StatusUnprocessableEntity, p)
	case code == koban.TooLarge:
		p.setProblems(koban.FieldError("file", "vuln.error.too_large"))
		s.renderVulnAssets(w, r, http.StatusRequestEntityTooLarge, p)
	default:
		s.fail(w, r, err)
	}
}

// readInventory reads the upload form part by part and hands its file
// to the service as it arrives; the file's name only labels the result.
func (s *Server) readInventory(w http.ResponseWriter, r *http.Request, pr auth.Principal) (*vuln.AssetImport, string, error) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return nil, "", koban.FieldError("file", "vulns.import.no_file")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxInventoryForm)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", bodyError(err)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, "", koban.FieldError("file", "vulns.import.no_file")
		}
		if err != nil {
			return nil, "", bodyError(err)
		}
		if part.FormName() != "file" || part.FileName() == "" {
			continue
		}
		name := filepath.Base(strings.ReplaceAll(part.FileName(), `\`, "/"))
		body := &guard.BodyReader{R: part}
		res, err := s.Vuln.ImportAssets(r.Context(), pr, name, body)
		if body.Err != nil {
			return nil, name, bodyError(body.Err)
		}
		return res, name, err
	}
}

// ReasonText says why an inventory record was left out: the service's
// message in the page's language, or the reader's own sentence.
func (p vulnAssetsPage) ReasonText(reason string) string { return p.Said(reason) }

// ReasonLang is the language of a reason ReasonText does not translate
// (the inventory reader writes English), "" for one it does.
func (p vulnAssetsPage) ReasonLang(reason string) string {
	if p.cats.Has(p.Lang, reason) {
		return ""
	}
	return "en"
}
