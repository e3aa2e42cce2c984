package web

import (
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/binfile"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/malware"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/tlp"
	"github.com/koban-project/koban/internal/yara"
)

// Malware samples (検体): the list of the line's samples with a search by
// any hash and the upload form; a sample's page (hashes, type, sections,
// imports, strings with a search, YARA matches, similar samples, the cases
// holding it); the download, only as a ZIP encrypted with "infected".

// CanSamples tells whether the officer's role reads samples.
func (p page) CanSamples() bool { return p.Principal != nil && p.Principal.Can(auth.PermMalwareRead) }

// CanSubmitSample tells whether the officer's role adds samples.
func (p page) CanSubmitSample() bool {
	return p.Principal != nil && p.Principal.Can(auth.PermMalwareSubmit)
}

// samplesPart is the case page's list of the samples the case holds.
type samplesPart struct {
	Samples []*malware.Sample
}

// loadCaseSamples fills the case page's samples (those the officer may
// view).
func (s *Server) loadCaseSamples(r *http.Request, p *casePage) error {
	if s.Malware == nil {
		return nil
	}
	var err error
	p.Samples, err = s.Malware.OfCase(r.Context(), *p.Principal, p.C.ID)
	return err
}

type samplesPage struct {
	page
	Rows    []*malware.Sample
	Hash    string
	Cluster int64
	Levels  []tlp.Level
	In      sampleInput
}

// sampleInput is what the officer chose on the upload form, kept when it
// comes back with a problem.
type sampleInput struct {
	TLP       string
	CaseID    int64
	SupportID int64
}

func (s *Server) samplesList(w http.ResponseWriter, r *http.Request) {
	s.renderSamples(w, r, http.StatusOK, sampleInput{}, nil)
}

func (s *Server) renderSamples(w http.ResponseWriter, r *http.Request, status int, in sampleInput, problem error) {
	p := samplesPage{page: s.newPage(r, "malware.title"), Hash: strings.TrimSpace(r.URL.Query().Get("hash")), Levels: tlp.Levels(), In: in}
	if p.In.TLP == "" {
		p.In.TLP = string(tlp.Amber)
	}
	p.Cluster, _ = strconv.ParseInt(r.URL.Query().Get("cluster"), 10, 64)
	var err error
	p.Rows, err = s.Malware.List(r.Context(), *p.Principal, malware.Query{Hash: p.Hash, Cluster: p.Cluster})
	if koban.ErrorCode(err) == koban.Invalid {
		p.setProblems(err)
		status, err = http.StatusUnprocessableEntity, nil
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if problem != nil {
		p.setProblems(problem)
	}
	s.render(w, r, status, "samples", p)
}

// maxSampleFields caps the text fields of the upload form, together.
const maxSampleFields = 16 << 10

// sampleUpload takes the upload form: the file streamed into the samples'
// temporary folder as it arrives, hashed on the way, never held in memory.
// The right to add is checked before the upload is read.
func (s *Server) sampleUpload(w http.ResponseWriter, r *http.Request) {
	pr, _ := principalFrom(r.Context())
	if err := s.Malware.MaySubmit(pr); err != nil {
		s.fail(w, r, err)
		return
	}
	values, staged, name, err := s.readSampleForm(w, r)
	if staged != nil {
		defer staged.Close()
	}
	in := sampleInput{TLP: values.Get("tlp")}
	in.CaseID, _ = strconv.ParseInt(values.Get("case"), 10, 64)
	in.SupportID, _ = strconv.ParseInt(values.Get("support"), 10, 64)
	var made []*malware.Sample
	if err == nil {
		made, err = s.Malware.SubmitAll(r.Context(), pr, malware.Submission{Staged: staged, Name: name, TLP: in.TLP, CaseID: in.CaseID,
			SupportID: in.SupportID, Origin: malware.FromUpload}, values.Get("password"))
	}
	switch code := koban.ErrorCode(err); {
	case err == nil && len(made) == 1:
		http.Redirect(w, r, fmt.Sprintf("/samples/%d?done=sample_added", made[0].ID), http.StatusSeeOther)
	case err == nil && in.CaseID != 0:
		http.Redirect(w, r, fmt.Sprintf("/cases/%d?done=samples_added#samples-heading", in.CaseID), http.StatusSeeOther)
	case err == nil:
		http.Redirect(w, r, "/samples?done=samples_added", http.StatusSeeOther)
	case code == koban.Invalid:
		s.renderSamples(w, r, http.StatusUnprocessableEntity, in, err)
	case code == koban.TooLarge:
		s.renderSamples(w, r, http.StatusRequestEntityTooLarge, in, koban.FieldError("file", "malware.error.too_large"))
	default:
		s.fail(w, r, err)
	}
}

// readSampleForm reads the upload form: its text fields and one file,
// staged (and hashed) as it arrives.
func (s *Server) readSampleForm(w http.ResponseWriter, r *http.Request) (url.Values, *malware.Staged, string, error) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return url.Values{}, nil, "", koban.FieldError("file", "malware.error.no_file")
	}
	return readOneUpload(w, r, s.Malware.MaxBytes+maxSampleFields+(1<<20), maxSampleFields, s.Malware.Stage)
}

type samplePage struct {
	page
	V       *malware.View
	Find    string                // the strings search
	Strings []binfile.FoundString // the strings shown
	More    int                   // strings matching beyond those shown
	// CanExplain offers the LLM's reading of the strings (KOBAN_LLM_URL);
	// Explanation is it, once asked for, or ExplainKey why there is none.
	CanExplain  bool
	Explanation string
	ExplainKey  string
}

// stringsShown bounds the strings a sample's page lists.
const stringsShown = 500

func (s *Server) sampleDetail(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderSample(w, r, id, http.StatusOK, nil)
}

func (s *Server) renderSample(w http.ResponseWriter, r *http.Request, id int64, status int, problem error) {
	s.renderSampleWith(w, r, id, status, problem, false)
}

// sampleExplain shows the sample with the LLM's reading of its strings,
// at the analyst's request (a POST, audited as assist.explain_strings).
func (s *Server) sampleExplain(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderSampleWith(w, r, id, http.StatusOK, nil, true)
}

func (s *Server) renderSampleWith(w http.ResponseWriter, r *http.Request, id int64, status int, problem error, explain bool) {
	p := samplePage{page: s.newPage(r, "malware.sample_title"), Find: strings.TrimSpace(r.URL.Query().Get("s"))}
	var err error
	if p.V, err = s.Malware.Get(r.Context(), *p.Principal, id); err != nil {
		s.fail(w, r, err)
		return
	}
	p.CanExplain = s.Assist != nil && s.Assist.LLMEnabled() && len(p.V.Sample.File.Strings) > 0
	if explain && p.CanExplain {
		// The first strings, up to 16 KiB: what the LLM takes at once.
		var strs []string
		size := 0
		for _, st := range p.V.Sample.File.Strings {
			if size += len(st.Text) + 1; size > 16<<10 {
				break
			}
			strs = append(strs, st.Text)
		}
		text, err := s.Assist.ExplainStrings(r.Context(), p.Principal.Actor(), id, strs, p.V.Sample.TLP)
		var ke *koban.Error
		switch {
		case err == nil:
			p.Explanation = text
		case errors.As(err, &ke) && ke.Code == koban.Unavailable:
			p.ExplainKey = ke.Key
		default:
			s.fail(w, r, err)
			return
		}
	}
	find := strings.ToLower(p.Find)
	for _, st := range p.V.Sample.File.Strings {
		if find != "" && !strings.Contains(strings.ToLower(st.Text), find) {
			continue
		}
		if len(p.Strings) == stringsShown {
			p.More++
			continue
		}
		p.Strings = append(p.Strings, st)
	}
	if problem != nil {
		p.setProblems(problem)
	}
	p.TitleText = p.V.Sample.Name
	if p.TitleText == "" {
		p.TitleText = p.V.Sample.File.SHA256
	}
	s.render(w, r, status, "sample", p)
}

// SampleName is how a sample is named in lists: its name, else its SHA-256.
func (p page) SampleName(sm *malware.Sample) string {
	if sm.Name != "" {
		return sm.Name
	}
	return sm.File.SHA256
}

// Hex writes a number as 0x… for addresses, offsets and flags.
func (p page) Hex(v any) string {
	switch n := v.(type) {
	case uint16:
		return fmt.Sprintf("0x%x", n)
	case uint32:
		return fmt.Sprintf("0x%x", n)
	case uint64:
		return fmt.Sprintf("0x%x", n)
	case int64:
		return fmt.Sprintf("0x%x", n)
	case int:
		return fmt.Sprintf("0x%x", n)
	}
	return fmt.Sprint(v)
}

// SizeU is Size for sizes read from a file's headers.
func (p page) SizeU(n uint64) string {
	if n > math.MaxInt64 {
		n = math.MaxInt64
	}
	return p.Size(int64(n))
}

// SizeOf is Size for a resource's 32-bit size.
func (p page) SizeOf(n uint32) string { return p.Size(int64(n)) }

// sectionsPart pairs the page with a file's sections for the
// "sample_sections" partial.
type sectionsPart struct {
	P samplePage
	S []binfile.Section
}

// SectionsOf gives the sections partial its data.
func (p samplePage) SectionsOf(s []binfile.Section) sectionsPart { return sectionsPart{P: p, S: s} }

// Hint says a packer hint in words.
func (p page) Hint(h binfile.Hint) string {
	t := p.T("malware.hint." + h.Code)
	if h.Detail != "" {
		t += " (" + h.Detail + ")"
	}
	return t
}

// HashValue is a hash as a value of the national index, for its link.
func (p page) HashValue(kind, v string) observe.Observable {
	return observe.Observable{Type: observe.Type(kind), Value: v}
}

// Entropy writes a section's entropy to two places.
func (p page) Entropy(e float64) string { return strconv.FormatFloat(e, 'f', 2, 64) }

// sampleDownload sends a sample as a ZIP encrypted with "infected", never
// as it is. A file that turns out damaged cuts the response off.
func (s *Server) sampleDownload(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, _ := principalFrom(r.Context())
	d, err := s.Malware.Fetch(r.Context(), pr, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.Name}))
	w.Header().Set("Cache-Control", "no-store")
	if err := d.Send(w); err != nil {
		s.Log.Error("a sample's download stopped", "sample", id, "err", err)
		panic(http.ErrAbortHandler)
	}
}

type rulesPage struct {
	page
	Sets []yara.RuleSet
}

// sampleRules lists the YARA rule sets with their licence, author and
// source, and the rules yara warns slow every scan down.
func (s *Server) sampleRules(w http.ResponseWriter, r *http.Request) {
	p := rulesPage{page: s.newPage(r, "malware.rules.title")}
	var err error
	if p.Sets, err = s.Malware.Rules(r.Context(), *p.Principal); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "sample_rules", p)
}

// sampleReanalyse queues the sample's analysis again.
func (s *Server) sampleReanalyse(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, _ := principalFrom(r.Context())
	if err := s.Malware.Reanalyse(r.Context(), pr, id); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/samples/%d?done=sample_reanalyse", id), http.StatusSeeOther)
}

func (s *Server) sampleFamily(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSampleFields)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, bodyError(err))
		return
	}
	pr, _ := principalFrom(r.Context())
	err = s.Malware.SetFamily(r.Context(), pr, id, r.PostForm.Get("family"))
	switch {
	case err == nil:
		http.Redirect(w, r, fmt.Sprintf("/samples/%d?done=sample_family", id), http.StatusSeeOther)
	case koban.ErrorCode(err) == koban.Invalid:
		s.renderSample(w, r, id, http.StatusUnprocessableEntity, err)
	default:
		s.fail(w, r, err)
	}
}
