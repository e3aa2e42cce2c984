package vuln

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/locale"
	"github.com/koban-project/koban/internal/vuln/feed"
)

// ImportJob is the job kind of a source's scheduled import.
const ImportJob = "vuln.import"

// Bounds of a source's schedule.
const (
	MinEvery     = time.Hour
	MaxEvery     = 30 * 24 * time.Hour
	DefaultEvery = 24 * time.Hour
	// nvdPage is how many CVEs one NVD API request asks for (its maximum).
	nvdPage = 2000
	// nvdWindow is the longest lastModified range NVD's API accepts.
	nvdWindow = 120 * 24 * time.Hour
)

// Suggestion is a source the page offers with one click.
type Suggestion struct {
	Kind Kind
	Name string
	URL  string
}

// Suggestions are the public sources of each kind.
var Suggestions = []Suggestion{
	{KindNVD, "NVD CVE API 2.0", "https://services.nvd.nist.gov/rest/json/cves/2.0"},
	{KindKEV, "CISA KEV", "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"},
	{KindEPSS, "FIRST EPSS", "https://epss.cyentia.com/epss_scores-current.csv.gz"},
	{KindJVNRSS, "JVN iPedia", "https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf"},
}

// SourceInput is a source as an administrator describes it.
type SourceInput struct {
	Kind     string
	Location string // an http(s) address, or an absolute path on the server
	Name     string
	EveryH   string // hours; "" is a day
}

// AddSource follows a source for the whole installation and imports it at
// once. A path must exist on the server; an address must be one the
// egress client would fetch.
func (s *Service) AddSource(ctx context.Context, p auth.Principal, in SourceInput) (*Source, error) {
	if err := need(p, auth.PermVulnFeeds); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	src := &Source{Kind: Kind(strings.TrimSpace(in.Kind)), Name: strings.TrimSpace(in.Name), Every: DefaultEvery, Enabled: true, Gen: 1,
		CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
	var bad koban.Problems
	if !src.Kind.Valid() {
		bad.Add("kind", "vuln.error.kind")
	}
	loc := strings.TrimSpace(in.Location)
	switch {
	case strings.HasPrefix(loc, "/"):
		if p, ok := s.inFeedDir(loc); ok {
			src.Location = p
		} else {
			bad.Add("location", "vuln.error.path")
		}
	default:
		u, err := url.Parse(loc)
		switch {
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(loc) > 2000:
			bad.Add("location", "vuln.error.location")
		case s.egress == nil || s.egress.CheckURL(u) != nil:
			bad.Add("location", "vuln.error.refused")
		default:
			u.Fragment = ""
			src.Location = u.String()
		}
	}
	if src.Name == "" {
		src.Name = string(src.Kind)
	}
	if len(src.Name) > maxName {
		bad.Add("name", "vuln.error.name")
	}
	if h := strings.TrimSpace(in.EveryH); h != "" {
		n, err := strconv.Atoi(h)
		if d := time.Duration(n) * time.Hour; err != nil || d < MinEvery || d > MaxEvery {
			bad.Add("every", "vuln.error.every")
		} else {
			src.Every = d
		}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	e := audit.Entry{Actor: p.Actor(), Action: "vuln.source_add", Detail: map[string]any{"kind": string(src.Kind), "location": src.Location}}
	if err := s.store.CreateVulnSource(ctx, src, e); err != nil {
		return nil, err
	}
	return src, s.schedule(ctx, src, now)
}

// SetSourceEnabled stops or resumes a source's imports; audited.
func (s *Service) SetSourceEnabled(ctx context.Context, p auth.Principal, id int64, enabled bool) (*Source, error) {
	if err := need(p, auth.PermVulnFeeds); err != nil {
		return nil, err
	}
	src, err := s.store.VulnSource(ctx, id)
	if err != nil || src.Enabled == enabled {
		return src, err
	}
	action := "vuln.source_disable"
	if enabled {
		action = "vuln.source_enable"
	}
	now := s.clock.Now()
	if src, err = s.store.SetVulnSourceEnabled(ctx, id, enabled, now, audit.Entry{Actor: p.Actor(), Action: action,
		Detail: map[string]any{"location": src.Location}}); err != nil {
		return nil, err
	}
	if enabled {
		return src, s.schedule(ctx, src, now)
	}
	return src, nil
}

// Sources lists the sources.
func (s *Service) Sources(ctx context.Context, p auth.Principal) ([]*Source, error) {
	if err := need(p, auth.PermVulnRead); err != nil {
		return nil, err
	}
	return s.store.VulnSources(ctx)
}

// SetFeedDir names the folder local sources must lie in (the data
// folder's feeds/, where an offline installation puts what it carries
// in): a source is never a path elsewhere on the server.
func (s *Service) SetFeedDir(dir string) { s.feedDir = dir }

// inFeedDir resolves a local location (symbolic links followed) and tells
// whether it exists within the feed folder.
func (s *Service) inFeedDir(loc string) (string, bool) {
	if s.feedDir == "" {
		return "", false
	}
	root, err := filepath.EvalSymlinks(s.feedDir)
	if err != nil {
		return "", false
	}
	p, err := filepath.EvalSymlinks(filepath.Clean(loc))
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", false
	}
	return p, true
}

type importPayload struct {
	Source int64 `json:"source"`
	Gen    int64 `json:"gen"`
}

func (s *Service) schedule(ctx context.Context, src *Source, at time.Time) error {
	if s.jobs == nil {
		return nil
	}
	key := "source:" + strconv.FormatInt(src.ID, 10) + ":" + strconv.FormatInt(src.Gen, 10)
	_, err := s.jobs.Enqueue(ctx, jobs.New{Kind: ImportJob, Key: key, Payload: importPayload{Source: src.ID, Gen: src.Gen}, RunAt: at})
	return err
}

// importJob is one scheduled import of one source; a source gone,
// disabled or enabled again since ends its job.
func (s *Service) importJob(ctx context.Context, j jobs.Job) (jobs.Result, error) {
	var pl importPayload
	if err := jobs.Decode(j, &pl); err != nil {
		return jobs.Result{}, err
	}
	src, err := s.store.VulnSource(ctx, pl.Source)
	if err == nil && (!src.Enabled || src.Gen != pl.Gen) {
		return jobs.Result{}, nil
	}
	if err != nil {
		if koban.ErrorCode(err) == koban.NotFound {
			return jobs.Result{}, nil
		}
		return jobs.Result{}, err
	}
	if err := s.RunSource(ctx, src); err != nil {
		return jobs.Result{}, err
	}
	return jobs.Result{Next: s.clock.Now().Add(src.Every)}, nil
}

// RunSource imports a source once and records how it went on the source.
// An error is a failure to record (the database); a source that cannot
// be fetched or read is recorded on it.
func (s *Service) RunSource(ctx context.Context, src *Source) error {
	start := s.clock.Now()
	var st ImportStats
	var err error
	up := *src
	switch {
	case strings.HasPrefix(src.Location, "/"):
		if p, ok := s.inFeedDir(src.Location); ok {
			st, err = s.ImportPath(ctx, src.Kind, p)
		} else {
			err = fmt.Errorf("%s is not within the feed folder", src.Location)
		}
	case src.Kind == KindNVD:
		st, err = s.importNVD(ctx, &up)
	default:
		st, err = s.importURL(ctx, &up)
	}
	up.CheckedAt, up.Records, up.Changed = start, st.Read, st.Changed
	if err != nil {
		var ke *koban.Error
		if errors.As(err, &ke) && ke.Code == koban.Internal {
			return err
		}
		up.LastError = locale.Keyed("vuln.import.failed", err.Error())
		s.log.Warn("vuln: import", "source", src.ID, "err", err)
	} else {
		up.LastError, up.OKAt = "", start
		s.log.Info("vuln: imported", "source", src.ID, "kind", src.Kind, "read", st.Read, "changed", st.Changed, "findings", st.Findings)
	}
	return s.store.RecordVulnImport(ctx, src.ID, &up)
}

// get fetches an address through the egress client, conditionally when
// the source has validators.
func (s *Service) get(ctx context.Context, u string, src *Source) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if src.ETag != "" {
		req.Header.Set("If-None-Match", src.ETag)
	}
	if src.LastModified != "" {
		req.Header.Set("If-Modified-Since", src.LastModified)
	}
	resp, err := s.egress.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotModified {
		resp.Body.Close()
		return nil, fmt.Errorf("%s answered %s", req.URL.Host, resp.Status)
	}
	return resp, nil
}

// importURL fetches one document (KEV, EPSS, a JVN feed, a CVE 5 record)
// and imports it streaming; 304 imports nothing.
func (s *Service) importURL(ctx context.Context, src *Source) (ImportStats, error) {
	resp, err := s.get(ctx, src.Location, src)
	if err != nil {
		return ImportStats{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return ImportStats{}, nil
	}
	st, err := s.Import(ctx, src.Kind, resp.Body)
	if err == nil {
		src.ETag, src.LastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	}
	return st, err
}

// importNVD pages through NVD's API 2.0: everything the first time, then
// what was modified since the last import that worked (NVD takes at most
// 120 days per range; an older one imports everything again, which
// changes only what differs).
func (s *Service) importNVD(ctx context.Context, src *Source) (ImportStats, error) {
	var total ImportStats
	now := s.clock.Now().UTC()
	base, err := url.Parse(src.Location)
	if err != nil {
		return total, err
	}
	for start := 0; ; {
		q := base.Query()
		q.Set("resultsPerPage", strconv.Itoa(nvdPage))
		q.Set("startIndex", strconv.Itoa(start))
		if !src.OKAt.IsZero() && now.Sub(src.OKAt) < nvdWindow {
			q.Set("lastModStartDate", src.OKAt.UTC().Format("2006-01-02T15:04:05.000Z"))
			q.Set("lastModEndDate", now.Format("2006-01-02T15:04:05.000Z"))
		}
		u := *base
		u.RawQuery = q.Encode()
		resp, err := s.get(ctx, u.String(), &Source{})
		if err != nil {
			return total, err
		}
		im := &importer{s: s, ctx: ctx, kind: KindNVD, fetched: s.clock.Now()}
		d, err := feed.NewNVDDecoder(resp.Body)
		if err == nil {
			err = im.nvd(d)
		}
		resp.Body.Close()
		if ferr := im.flush(); err == nil {
			err = ferr
		}
		if err == nil {
			_, err = im.finish()
		}
		total.Read += im.stats.Read
		total.Changed += im.stats.Changed
		total.Problems += im.stats.Problems
		total.Findings += im.stats.Findings
		if err != nil {
			return total, err
		}
		pg := d.Page()
		start += pg.ResultsPerPage
		if pg.ResultsPerPage == 0 || start >= pg.TotalResults {
			return total, nil
		}
	}
}

// nvd reads the records of one NVD page.
func (im *importer) nvd(d *feed.NVDDecoder) error {
	for {
		v, err := d.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := im.addVuln(v); err != nil {
			return err
		}
	}
}
