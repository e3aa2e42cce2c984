package vuln

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/vuln/cvss"
	"github.com/koban-project/koban/internal/vuln/feed"
)

// batchSize is how many records one transaction writes.
const batchSize = 500

// record turns a feed's vulnerability into the dictionary's record, with
// its best score, products and digest.
func record(v feed.Vuln) (*Record, error) {
	r := &Record{ID: v.ID, Source: v.Source, Status: v.Status, Title: v.Title, Published: v.Published.UTC(),
		Modified: v.LastModified.UTC(), FetchedAt: v.FetchedAt, Descriptions: v.Descriptions, Aliases: v.Aliases,
		CWEs: v.CWEs, References: v.References, Metrics: v.Metrics, Configurations: configurations(v.Configurations),
		Affected: v.Affected}
	if r.ID == "" {
		return nil, errors.New("a record without an id")
	}
	return r, r.seal()
}

// seal sets the record's derived fields and its digest.
func (r *Record) seal() error {
	Derive(r)
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	r.Digest, r.body = hex.EncodeToString(sum[:]), body
	return nil
}

// Derive sets what a record's stored JSON implies: the best score (its
// version, vector, source and severity) and the products it names.
func Derive(r *Record) {
	ms := make([]cvss.Metric, len(r.Metrics))
	for i, m := range r.Metrics {
		ms[i] = cvss.Metric(m)
	}
	if b := cvss.Best(ms); b.Version != "" {
		r.Score, r.Severity, r.ScoreSource, r.ScoreVersion, r.ScoreVector = b.BaseScore, strings.ToUpper(b.Severity), b.Source, b.Version, b.Vector
		if r.Severity == "" {
			r.Severity = severityOf(b.BaseScore)
		}
	}
	r.Products = products(r.Configurations, r.Affected)
}

// Body is the JSON the store keeps of a record, which its digest covers:
// the bytes seal hashed, so an import marshals each record once.
func (r *Record) Body() ([]byte, error) {
	if r.body != nil {
		return r.body, nil
	}
	return json.Marshal(r)
}

// importer gathers one import's records into batches and stores them.
type importer struct {
	s       *Service
	ctx     context.Context
	kind    Kind
	fetched time.Time
	stats   ImportStats
	vulns   []*Record
	kev     []*KEV
	epss    []*EPSS
	changed []string // ids written, to rematch
}

func (im *importer) addVuln(v feed.Vuln) error {
	v.FetchedAt = im.fetched
	r, err := record(v)
	if err != nil {
		im.stats.Problems++
		return nil
	}
	im.stats.Read++
	im.vulns = append(im.vulns, r)
	if len(im.vulns) >= batchSize {
		return im.flush()
	}
	return nil
}

// fallback keeps NVD's analysis and CVE 5's affected products together
// under one id: a CVE 5 record does not replace an NVD record that has
// configurations (NVD's analysis is what matching trusts), and an NVD
// record still without configurations (NVD's backlog) keeps the affected
// products a CVE 5 record brought, for the vendor-product fallback.
func (im *importer) fallback() error {
	var ask []string
	for _, r := range im.vulns {
		if r.Source == feed.SourceCVE5 || (r.Source == feed.SourceNVD && len(r.Configurations) == 0) {
			ask = append(ask, r.ID)
		}
	}
	if len(ask) == 0 {
		return nil
	}
	held, err := im.s.store.VulnRecords(im.ctx, ask)
	if err != nil {
		return err
	}
	keep := im.vulns[:0]
	for _, r := range im.vulns {
		h := held[r.ID]
		switch {
		case h == nil:
		case r.Source == feed.SourceCVE5 && h.Source == feed.SourceNVD && len(h.Configurations) > 0:
			continue // NVD's analysis stays
		case r.Source == feed.SourceNVD && len(r.Configurations) == 0 && len(r.Affected) == 0 && len(h.Affected) > 0:
			r.Affected = h.Affected
			if err := r.seal(); err != nil {
				return err
			}
		}
		keep = append(keep, r)
	}
	im.vulns = keep
	return nil
}

func (im *importer) flush() error {
	if len(im.vulns) > 0 {
		if err := im.fallback(); err != nil {
			return err
		}
	}
	if len(im.vulns) > 0 {
		ids, err := im.s.store.UpsertVulns(im.ctx, im.vulns)
		if err != nil {
			return err
		}
		im.vulns = im.vulns[:0]
		im.changed = append(im.changed, ids...)
		im.stats.Changed += len(ids)
	}
	if len(im.kev) > 0 {
		ids, err := im.s.store.UpsertKEV(im.ctx, im.kev)
		if err != nil {
			return err
		}
		im.kev = im.kev[:0]
		im.changed = append(im.changed, ids...)
		im.stats.Changed += len(ids)
	}
	if len(im.epss) > 0 {
		ids, err := im.s.store.UpsertEPSS(im.ctx, im.epss)
		if err != nil {
			return err
		}
		im.epss = im.epss[:0]
		im.changed = append(im.changed, ids...)
		im.stats.Changed += len(ids)
	}
	return nil
}

// read reads one document of the importer's kind.
func (im *importer) read(r io.Reader) error {
	switch im.kind {
	case KindNVD:
		d, err := feed.NewNVDDecoder(r)
		if err != nil {
			return err
		}
		return im.nvd(d)
	case KindCVE5:
		v, err := feed.ReadCVE5(r)
		if err != nil {
			return err
		}
		return im.addVuln(v)
	case KindJVNRSS, KindVULDEF, KindMyJVN:
		read := feed.ReadJVNRSS
		switch im.kind {
		case KindVULDEF:
			read = feed.ReadVULDEF
		case KindMyJVN:
			read = feed.ReadJVNFeedJSON
		}
		f, err := read(r)
		if err != nil {
			return err
		}
		for _, v := range f.Vulns {
			if err := im.addVuln(v); err != nil {
				return err
			}
		}
		return nil
	case KindKEV:
		br := bufio.NewReader(r)
		var entries []feed.KEVEntry
		var err error
		if first, _ := firstByte(br); first == '{' {
			_, entries, err = feed.ReadKEVJSON(br)
		} else {
			entries, err = feed.ReadKEVCSV(br)
		}
		if err != nil {
			return err
		}
		for _, e := range entries {
			k := &KEV{KEVEntry: e, FetchedAt: im.fetched}
			body, _ := json.Marshal(e)
			sum := sha256.Sum256(body)
			k.Digest = hex.EncodeToString(sum[:])
			im.kev = append(im.kev, k)
			im.stats.Read++
			if len(im.kev) >= batchSize {
				if err := im.flush(); err != nil {
					return err
				}
			}
		}
		return nil
	case KindEPSS:
		f, err := feed.ReadEPSS(r)
		if err != nil {
			return err
		}
		im.stats.Problems += len(f.Problems)
		for _, sc := range f.Scores {
			im.epss = append(im.epss, &EPSS{CVE: sc.CVE, Score: sc.EPSS, Percentile: sc.Percentile, ScoreDate: f.ScoreDate, Model: f.ModelVersion, FetchedAt: im.fetched})
			im.stats.Read++
			if len(im.epss) >= batchSize*4 {
				if err := im.flush(); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return fmt.Errorf("unknown source kind %q", im.kind)
}

// firstByte peeks at the first byte that is not white space or a BOM.
func firstByte(br *bufio.Reader) (byte, error) {
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if err != nil {
			return 0, err
		}
		c := b[i-1]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xEF || c == 0xBB || c == 0xBF {
			if i > 64 {
				return c, nil
			}
			continue
		}
		return c, nil
	}
}

// Import reads one document of a kind (an NVD page, a CVE 5 record, a JVN
// feed, the KEV catalog, an EPSS file; gzip or not) and stores what it
// holds, each batch durable before the next is read; then it matches what
// changed against the inventory. Records refused are counted, not stored.
func (s *Service) Import(ctx context.Context, kind Kind, r io.Reader) (ImportStats, error) {
	im := &importer{s: s, ctx: ctx, kind: kind, fetched: s.clock.Now()}
	err := im.read(r)
	if ferr := im.flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return im.stats, err
	}
	return im.finish()
}

// finish matches what an import changed against the inventory.
func (im *importer) finish() (ImportStats, error) {
	ids := im.changed
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if im.kind == KindKEV || im.kind == KindEPSS {
		// Scores change matches' priority, not whether they match: only
		// records some finding names need another look.
		var err error
		if ids, err = im.s.store.WithFindings(im.ctx, ids); err != nil {
			return im.stats, err
		}
	}
	n, err := im.s.rematchVulns(im.ctx, ids)
	im.stats.Findings = n
	return im.stats, err
}

// ImportPath imports a file, a tarball (.tar, .tar.gz, .tgz) or every file
// of a folder (in name order) of one kind: the offline route, for a copy
// of NVD's pages or of a CVE list carried in.
func (s *Service) ImportPath(ctx context.Context, kind Kind, path string) (ImportStats, error) {
	im := &importer{s: s, ctx: ctx, kind: kind, fetched: s.clock.Now()}
	err := im.path(path)
	if ferr := im.flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return im.stats, err
	}
	return im.finish()
}

func (im *importer) path(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return im.file(path)
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && dataFile(d.Name()) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		if err := im.file(f); err != nil {
			return err
		}
	}
	return nil
}

// dataFile tells whether a folder's file is data to import: JSON, CSV,
// XML or RSS, gzipped or not, or a tarball — not a README beside them.
func dataFile(name string) bool {
	name = strings.ToLower(name)
	if strings.HasPrefix(name, ".") {
		return false
	}
	name = strings.TrimSuffix(name, ".gz")
	for _, ext := range []string{".json", ".csv", ".xml", ".rdf", ".tar", ".tgz"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

func (im *importer) file(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	name := strings.ToLower(path)
	if strings.HasSuffix(name, ".tar") || strings.HasSuffix(name, ".tar.gz") || strings.HasSuffix(name, ".tgz") {
		var r io.Reader = f
		if !strings.HasSuffix(name, ".tar") {
			zr, err := gzip.NewReader(f)
			if err != nil {
				return fmt.Errorf("%s: %w", filepath.Base(path), err)
			}
			defer zr.Close()
			r = zr
		}
		return im.tarball(r, filepath.Base(path))
	}
	if err := im.read(f); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

func (im *importer) tarball(r io.Reader, name string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if h.Typeflag != tar.TypeReg || strings.HasPrefix(filepath.Base(h.Name), ".") {
			continue
		}
		if err := im.read(tr); err != nil {
			return fmt.Errorf("%s/%s: %w", name, h.Name, err)
		}
	}
}
