package web

import (
	"io"
	"net/http"
	"strconv"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/tlp"
)

// intelPage is the feed status page: the sources of the officer's line
// with their last polls and errors, and the form that adds one.
type intelPage struct {
	page
	Sources   []intel.SourceView
	CanManage bool
	Form      intel.SourceInput // a refused form's input, kept (never the secret)
}

// TLPLabel names a level as TLP writes it.
func (p page) TLPLabel(l tlp.Level) string { return l.Label() }

// TLPExplain says in the page's language how far a level lets a record go.
func (p page) TLPExplain(l tlp.Level) string { return p.T(l.MessageKey()) }

// SourceKinds are the kinds an officer adds (push sources are made by
// partners adding to a collection).
func (p intelPage) SourceKinds() []string {
	return []string{intel.SourceTAXII, intel.SourceMISP, intel.SourceCSV, intel.SourceFile}
}

// TLPChoices are the default markings offered, amber (the default) first.
func (p intelPage) TLPChoices() []tlp.Level {
	return []tlp.Level{tlp.Amber, tlp.Clear, tlp.Green, tlp.AmberStrict, tlp.Red}
}

// LastPoll is a source's newest poll, or nil.
func (p intelPage) LastPoll(v intel.SourceView) *intel.Poll {
	if len(v.Polls) == 0 {
		return nil
	}
	return &v.Polls[0]
}

// Delimiters are the CSV column separators offered.
func (p intelPage) Delimiters() []string { return []string{",", ";", "tab", "|", " "} }

// DelimiterKey names a delimiter in the catalog (intel.csv.delim.<key>).
func (p intelPage) DelimiterKey(d string) string {
	switch d {
	case ",":
		return "comma"
	case ";":
		return "semicolon"
	case "|":
		return "bar"
	case " ":
		return "space"
	}
	return "tab"
}

// Minutes writes a source's schedule in minutes.
func (p intelPage) Minutes(v intel.SourceView) string { return strconv.Itoa(int(v.Every.Minutes())) }

func (s *Server) intelSources(w http.ResponseWriter, r *http.Request) {
	s.renderIntel(w, r, http.StatusOK, intelPage{page: s.newPage(r, "intel.title")})
}

func (s *Server) renderIntel(w http.ResponseWriter, r *http.Request, status int, p intelPage) {
	list, err := s.Intel.Sources(r.Context(), *p.Principal)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Sources, p.CanManage = list, p.Principal.Can(auth.PermIntelManage)
	p.SwitchForm = "source-form-submit"
	s.render(w, r, status, "intel", p)
}

// intelSourceCreate adds a source from the form; every problem of the
// form is shown at once with what was typed (the secret typed again).
func (s *Server) intelSourceCreate(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r, 64<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	f := r.PostForm
	in := intel.SourceInput{Name: f.Get("name"), Kind: f.Get("kind"), OrgCode: f.Get("org"), PartnerCode: f.Get("partner"), URL: f.Get("url"),
		Collection: f.Get("collection"), Username: f.Get("username"), Secret: f.Get("secret"), DefaultTLP: f.Get("tlp"),
		Confidence: f.Get("confidence"), EveryMin: f.Get("every"),
		CSV: intel.CSVInput{Delimiter: f.Get("csv_delimiter"), Value: f.Get("csv_value"), Type: f.Get("csv_type"), TypeColumn: f.Get("csv_type_column"),
			FirstSeen: f.Get("csv_first_seen"), Comment: f.Get("csv_comment"), Tags: f.Get("csv_tags"), Header: f.Get("csv_header") != ""}}
	_, err := s.Intel.CreateSource(r.Context(), pr, in)
	if koban.ErrorCode(err) == koban.Invalid || koban.ErrorCode(err) == koban.Conflict {
		in.Secret = ""
		p := intelPage{page: s.newPage(r, "intel.title"), Form: in}
		p.setProblems(err)
		s.renderIntel(w, r, guard.Status(koban.ErrorCode(err)), p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/intel?done=source_created", http.StatusSeeOther)
}

// intelObjectPage is an indicator's (or any intel object's) page.
type intelObjectPage struct {
	page
	V *intel.ObjectView
	// Writable are the collections the officer may put it into.
	Writable []intel.CollectionView
}

// RecordURL is where a sighting's link goes.
func (p intelObjectPage) RecordURL(o correlate.Occurrence) string {
	return "/reports/" + strconv.FormatInt(o.ID, 10)
}

func (s *Server) intelObject(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderIntelObject(w, r, id, http.StatusOK, nil)
}

// renderIntelObject shows an object's page, with the share form's
// problem when a share was refused.
func (s *Server) renderIntelObject(w http.ResponseWriter, r *http.Request, id int64, status int, problem error) {
	p := intelObjectPage{page: s.newPage(r, "intel.object_title")}
	var err error
	if p.V, err = s.Intel.Get(r.Context(), *p.Principal, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Principal.Can(auth.PermIntelManage) && p.Principal.Role != auth.RolePartner {
		cs, err := s.Intel.CollectionList(r.Context(), *p.Principal)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, c := range cs {
			if c.CanWrite {
				p.Writable = append(p.Writable, c)
			}
		}
	}
	if problem != nil {
		p.setProblems(problem)
	}
	p.TitleText = p.V.Name
	s.render(w, r, status, "intel_object", p)
}

// CanIntel tells whether the viewer reads intel (shows the menu).
func (p page) CanIntel() bool { return p.Principal != nil && p.Principal.Can(auth.PermIntelRead) }

// maxIntelFile is the largest file an officer imports through the page;
// it is read as a stream, never held whole.
const maxIntelFile = 1 << 30

// intelImport imports a STIX bundle or a MISP export into a file source,
// read from the form as it arrives, and shows what it did.
func (s *Server) intelImport(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxIntelFile)
	mr, err := r.MultipartReader()
	if err != nil {
		s.fail(w, r, koban.Errorf(koban.Invalid, "error.malformed"))
		return
	}
	pr, _ := principalFrom(r.Context())
	format := ""
	var res intel.ImportResult
	found := false
	for {
		part, err := mr.NextPart()
		if err != nil {
			break
		}
		switch part.FormName() {
		case "format":
			b, _ := io.ReadAll(io.LimitReader(part, 16))
			format = string(b)
		case "file":
			found = true
			switch format {
			case "misp":
				res, err = s.Intel.ImportFileMISP(r.Context(), pr, id, part)
			case "csv":
				res, err = s.Intel.ImportFileCSV(r.Context(), pr, id, part)
			default:
				res, err = s.Intel.ImportFile(r.Context(), pr, id, part)
			}
			if err != nil {
				s.fail(w, r, err)
				return
			}
		}
		part.Close()
	}
	p := intelPage{page: s.newPage(r, "intel.title")}
	if !found {
		p.NoticeText = p.T("intel.import_no_file")
	} else {
		p.NoticeText = p.T("intel.imported", "seen", strconv.Itoa(res.Seen), "added", strconv.Itoa(res.Stored.Added),
			"dup", strconv.Itoa(res.Stored.Duplicates), "rejected", strconv.Itoa(res.Rejected), "sightings", strconv.Itoa(res.Stored.Sightings))
		if res.Broken != nil {
			p.NoticeText += " " + p.T("intel.import_first_problem", "problem", res.Broken.Error())
		}
	}
	s.renderIntel(w, r, http.StatusOK, p)
}
