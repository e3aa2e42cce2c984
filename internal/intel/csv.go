package intel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/misp"
	"github.com/koban-project/koban/internal/stix"
	"github.com/koban-project/koban/internal/taxii"
	"github.com/koban-project/koban/internal/tlp"
)

// CSVMapping is a CSV feed's column mapping as a source keeps it (its
// Settings): which column holds what, columns numbered from 1 as MISP's
// feed settings number them, 0 for a column the feed does not have.
type CSVMapping struct {
	Delimiter  string `json:"delimiter,omitempty"` // one character; "" is ","; "tab" is a tab
	Header     bool   `json:"header,omitempty"`    // the first line names the columns
	Value      int    `json:"value"`
	Type       string `json:"type,omitempty"`        // the MISP type of every value, when TypeColumn is 0
	TypeColumn int    `json:"type_column,omitempty"` // the column holding each line's MISP type
	FirstSeen  int    `json:"first_seen,omitempty"`
	Comment    int    `json:"comment,omitempty"`
	Tags       int    `json:"tags,omitempty"`
}

// CSVInput is a column mapping as the form gives it: every field text.
type CSVInput struct {
	Delimiter, Value, Type, TypeColumn, FirstSeen, Comment, Tags string
	Header                                                       bool
}

// parseCSVInput reads a form's mapping, adding a problem for each field at
// fault (field names "csv_value", "csv_type", …).
func parseCSVInput(in CSVInput, bad *koban.Problems) CSVMapping {
	m := CSVMapping{Delimiter: in.Delimiter, Header: in.Header, Type: strings.TrimSpace(in.Type)}
	col := func(field, s string, required bool) int {
		s = strings.TrimSpace(s)
		if s == "" && !required {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			bad.Add(field, "intel.error.csv_column")
			return 0
		}
		return n
	}
	m.Value = col("csv_value", in.Value, true)
	m.TypeColumn = col("csv_type_column", in.TypeColumn, false)
	m.FirstSeen = col("csv_first_seen", in.FirstSeen, false)
	m.Comment = col("csv_comment", in.Comment, false)
	m.Tags = col("csv_tags", in.Tags, false)
	if _, ok := m.delimiter(); !ok {
		bad.Add("csv_delimiter", "intel.error.csv_delimiter")
	}
	switch {
	case m.TypeColumn == 0 && m.Type == "":
		bad.Add("csv_type", "intel.error.csv_type_missing")
	case m.TypeColumn == 0 && !misp.Mapped(m.Type):
		bad.Add("csv_type", "intel.error.csv_type")
	}
	return m
}

func (m CSVMapping) delimiter() (rune, bool) {
	switch m.Delimiter {
	case "", ",":
		return ',', true
	case "tab", "\t":
		return '\t', true
	case ";", "|", " ":
		return rune(m.Delimiter[0]), true
	}
	return 0, false
}

// feed is the mapping as misp's CSV reader takes it; times without a zone
// are read in loc.
func (m CSVMapping) feed(loc *time.Location) misp.Feed {
	d, _ := m.delimiter()
	return misp.Feed{Delimiter: d, Header: m.Header, Value: m.Value, Type: m.Type, TypeColumn: m.TypeColumn,
		FirstSeen: m.FirstSeen, CommentCol: m.Comment, Tags: m.Tags, Location: loc}
}

// csvMapping reads a source's mapping from its settings.
func (src *Source) csvMapping() (CSVMapping, error) {
	var m CSVMapping
	if len(src.Settings) == 0 {
		return m, errors.New("the source has no column mapping")
	}
	if err := json.Unmarshal(src.Settings, &m); err != nil {
		return m, fmt.Errorf("the source's column mapping cannot be read: %w", err)
	}
	return m, nil
}

// csvNamespace names the indicators made from CSV lines (UUID version 5).
var csvNamespace = uuid.MustParse("5c3f1a8e-2b7d-4e61-9f0a-7d2c8b4e1a93")

// indicatorOfCSV makes the STIX indicator that stands for one line of a
// feed. Its id comes from the source, the type and the value, and its
// version from the line's first-seen time (else the source's creation):
// the same line read again at the next poll is the same version, a
// duplicate, never a second import.
func indicatorOfCSV(src *Source, rec misp.Record) (*stix.Object, bool, error) {
	obs, err := misp.Observables(rec.Type, rec.Value)
	if err != nil {
		return nil, false, err
	}
	pat, ok := PatternOf(obs)
	if !ok {
		return nil, false, nil
	}
	at := rec.Time
	if at.IsZero() {
		at = src.CreatedAt
	}
	stamp := at.UTC().Format("2006-01-02T15:04:05.000Z")
	id := stableID(csvNamespace, "indicator", strconv.FormatInt(src.ID, 10)+"\x00"+rec.Type+"\x00"+rec.Value)
	o := map[string]any{
		"type": "indicator", "spec_version": "2.1", "id": id, "created": stamp, "modified": stamp,
		"name": rec.Type + ": " + rec.Value, "pattern": pat, "pattern_type": "stix", "valid_from": stamp,
		"external_references": []map[string]string{{"source_name": "csv-feed", "description": src.Name + ", line " + strconv.Itoa(rec.Line)}},
	}
	if rec.Comment != "" {
		o["description"] = rec.Comment
	}
	var labels []string
	for _, t := range rec.Tags {
		if l, ok := tlp.Parse(strings.TrimPrefix(strings.ToLower(t), "tlp:")); ok {
			if m, ok := tlpMarkings[l]; ok {
				o["object_marking_refs"] = []string{m}
			}
			continue
		}
		labels = append(labels, t)
	}
	if len(labels) > 0 {
		o["labels"] = labels
	}
	b, err := json.Marshal(o)
	if err != nil {
		return nil, false, err
	}
	obj, err := stix.ParseObject(b)
	return obj, true, err
}

// ImportCSV stores the lines of a CSV feed that name observables koban
// knows, each as a STIX indicator of the source; a line that cannot be
// read is counted as rejected with its line number, and the rest go on.
func (s *Service) ImportCSV(ctx context.Context, actor audit.Actor, src *Source, r io.Reader) (ImportResult, error) {
	m, err := src.csvMapping()
	if err != nil {
		return ImportResult{}, err
	}
	rd := misp.NewCSVReader(r, m.feed(time.UTC)) // a time written without a zone is UTC, as MISP reads feeds
	index := 0
	next := func() (*stix.Object, error) {
		for {
			rec, err := rd.Next()
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			index++
			var p *misp.Problem
			if errors.As(err, &p) && p.Code != misp.CodeCSVConfig {
				return nil, &stix.ObjectError{Index: index - 1, Err: err}
			}
			if err != nil {
				return nil, err // the mapping, or the feed broke off
			}
			o, ok, err := indicatorOfCSV(src, rec)
			if err != nil {
				return nil, &stix.ObjectError{Index: index - 1, Err: fmt.Errorf("line %d: %w", rec.Line, err)}
			}
			if ok {
				return o, nil
			}
		}
	}
	return s.ImportSTIX(ctx, actor, src, next)
}

// ImportFileCSV imports a CSV file an officer brings in through a CSV
// source of theirs, read with the source's column mapping.
func (s *Service) ImportFileCSV(ctx context.Context, p auth.Principal, sourceID int64, r io.Reader) (ImportResult, error) {
	src, err := s.source(ctx, p, sourceID)
	if err != nil {
		return ImportResult{}, err
	}
	if src.Kind != SourceCSV {
		return ImportResult{}, koban.Errorf(koban.Invalid, "intel.error.not_csv")
	}
	return s.ImportCSV(ctx, p.Actor(), src, r)
}

// pollCSV fetches the feed at the source's URL and imports its lines.
// Lines koban holds already are duplicates, so no cursor is kept.
func (s *Service) pollCSV(ctx context.Context, doer taxii.Doer, src *Source, p *Poll) error {
	return s.pollFeed(ctx, doer, src, p, "text/csv, text/plain;q=0.9", s.ImportCSV)
}
