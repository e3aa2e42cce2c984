package misp

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Feed describes a CSV (or plain list) feed: which column holds what.
// Columns are numbered from 1, as MISP's feed settings number them; 0
// means the feed has no such column.
type Feed struct {
	Delimiter  rune   // between columns; 0 means ','
	Comment    rune   // a line starting with it is skipped; 0 means '#', NoComment reads every line
	Header     bool   // the first line that is not a comment names the columns and is skipped
	Value      int    // the column of the value (required)
	Type       string // the MISP attribute type of every value ("ip-dst", "url"), when TypeColumn is 0
	TypeColumn int    // the column holding each line's MISP type
	FirstSeen  int    // the column of the time the value was first seen
	CommentCol int    // the column of a comment
	Tags       int    // the column of tags, split at TagSeparator
	// TagSeparator splits the tags column; 0 means ','.
	TagSeparator rune
	// TimeLayout reads the first-seen column (Go layout); "" tries RFC 3339,
	// "2006-01-02 15:04:05", "2006-01-02" and seconds since 1970.
	TimeLayout string
	// Location is the zone of times written without one; nil means UTC.
	Location *time.Location
}

// NoComment, as Feed.Comment, reads lines starting with '#' as data.
const NoComment rune = -1

// Record is one value of a feed.
type Record struct {
	Line    int    // the line it was read from (1-based)
	Type    string // its MISP attribute type
	Value   string
	Comment string
	Time    time.Time // first seen; zero when the feed does not say
	Tags    []string
}

// CSVReader reads a feed a line at a time.
type CSVReader struct {
	feed     Feed
	r        *csv.Reader
	header   bool // the header is still to be skipped
	need     int  // columns a line must have
	timeFor  []string
	loc      *time.Location
	fatalErr error
}

// NewCSVReader returns a reader of the feed in r. A feed definition that
// cannot work (no value column, no type, an unknown fixed type, a
// delimiter that is a quote or a line break) is reported by the first
// call to Next, as a *Problem with CodeCSVConfig.
func NewCSVReader(r io.Reader, f Feed) *CSVReader {
	cr := &CSVReader{feed: f, header: f.Header, loc: f.Location}
	if cr.loc == nil {
		cr.loc = time.UTC
	}
	c := csv.NewReader(r)
	c.Comma = f.Delimiter
	if c.Comma == 0 {
		c.Comma = ','
	}
	switch f.Comment {
	case 0:
		c.Comment = '#'
	case NoComment:
	default:
		c.Comment = f.Comment
	}
	c.FieldsPerRecord = -1
	c.TrimLeadingSpace = true
	c.ReuseRecord = true
	cr.r = c
	cr.fatalErr = cr.check(c)
	for _, n := range []int{f.Value, f.TypeColumn, f.FirstSeen, f.CommentCol, f.Tags} {
		cr.need = max(cr.need, n)
	}
	if f.TimeLayout != "" {
		cr.timeFor = []string{f.TimeLayout}
	} else {
		cr.timeFor = []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"}
	}
	return cr
}

func (cr *CSVReader) check(c *csv.Reader) error {
	f := cr.feed
	bad := func(setting, why string) error {
		return &Problem{Code: CodeCSVConfig, Path: setting, Value: why}
	}
	switch {
	case f.Value < 1:
		return bad("Value", "no value column")
	case f.Value < 0 || f.TypeColumn < 0 || f.FirstSeen < 0 || f.CommentCol < 0 || f.Tags < 0:
		return bad("columns", "a column number below 1")
	case f.TypeColumn == 0 && f.Type == "":
		return bad("Type", "neither a type nor a type column")
	case f.TypeColumn == 0 && !KnownType(f.Type):
		return bad("Type", fmt.Sprintf("%q is not a MISP attribute type", f.Type))
	case c.Comma == '"' || c.Comma == '\r' || c.Comma == '\n' || c.Comma == c.Comment || c.Comma == 0xFFFD:
		return bad("Delimiter", fmt.Sprintf("%q cannot separate columns", c.Comma))
	case c.Comment == '"' || c.Comment == '\r' || c.Comment == '\n' || c.Comment == 0xFFFD:
		return bad("Comment", fmt.Sprintf("%q cannot start a comment", c.Comment))
	}
	return nil
}

// Next returns the next record. A line that cannot give one yields a
// *Problem naming its line (Problem.Line) and the reader goes on with the
// next line at the following call; io.EOF ends the feed. Any other error
// (the feed definition, the underlying reader) ends it too.
func (cr *CSVReader) Next() (Record, error) {
	if cr.fatalErr != nil {
		return Record{}, cr.fatalErr
	}
	for {
		fields, err := cr.r.Read()
		if err == io.EOF {
			return Record{}, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return Record{}, &Problem{Code: CodeCSVSyntax, Line: pe.Line, Path: fmt.Sprintf("column %d", pe.Column), Value: pe.Err.Error()}
			}
			cr.fatalErr = err
			return Record{}, err
		}
		line, _ := cr.r.FieldPos(0)
		if cr.header {
			cr.header = false
			continue
		}
		if len(fields) == 1 && strings.TrimSpace(fields[0]) == "" {
			continue // a line of spaces
		}
		return cr.record(line, fields)
	}
}

func (cr *CSVReader) record(line int, fields []string) (Record, error) {
	f := cr.feed
	if len(fields) < cr.need {
		return Record{}, &Problem{Code: CodeCSVColumns, Line: line, Value: strconv.Itoa(len(fields)), Want: strconv.Itoa(cr.need)}
	}
	col := func(n int) string {
		if n == 0 {
			return ""
		}
		return strings.TrimSpace(fields[n-1])
	}
	rec := Record{Line: line, Type: f.Type, Value: col(f.Value), Comment: col(f.CommentCol)}
	if f.TypeColumn > 0 {
		rec.Type = col(f.TypeColumn)
		if !KnownType(rec.Type) {
			return Record{}, &Problem{Code: CodeTypeUnknown, Line: line, Path: fmt.Sprintf("column %d", f.TypeColumn), Value: short(rec.Type)}
		}
	}
	if rec.Value == "" {
		return Record{}, &Problem{Code: CodeMissing, Line: line, Path: fmt.Sprintf("column %d", f.Value)}
	}
	if Composite(rec.Type) {
		if _, _, ok := splitComposite(rec.Type, rec.Value); !ok {
			return Record{}, &Problem{Code: CodeCompositeParts, Line: line, Path: fmt.Sprintf("column %d", f.Value), Value: short(rec.Value), Want: "2 parts"}
		}
	}
	if s := col(f.FirstSeen); s != "" {
		t, ok := cr.time(s)
		if !ok {
			return Record{}, &Problem{Code: CodeTimestampInvalid, Line: line, Path: fmt.Sprintf("column %d", f.FirstSeen), Value: short(s)}
		}
		rec.Time = t
	}
	if s := col(f.Tags); s != "" {
		sep := f.TagSeparator
		if sep == 0 {
			sep = ','
		}
		for _, t := range strings.Split(s, string(sep)) {
			if t = strings.TrimSpace(t); t != "" {
				rec.Tags = append(rec.Tags, t)
			}
		}
	}
	return rec, nil
}

func (cr *CSVReader) time(s string) (time.Time, bool) {
	for _, l := range cr.timeFor {
		if t, err := time.ParseInLocation(l, s, cr.loc); err == nil {
			return t.UTC(), true
		}
	}
	if cr.feed.TimeLayout == "" && strings.Trim(s, "0123456789") == "" {
		if t, ok := parseUnix(s); ok && !t.IsZero() {
			return t, true
		}
	}
	return time.Time{}, false
}
