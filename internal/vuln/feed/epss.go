package feed

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// EPSSScore is one CVE's exploit prediction score.
type EPSSScore struct {
	CVE        string
	EPSS       float64 // probability, 0–1
	Percentile float64 // 0–1; zero when the file has no percentile column
}

// EPSSFile is one EPSS CSV: the model and date from its comment line (when
// it has one), the scores, and every line that could not be read.
type EPSSFile struct {
	ModelVersion string
	ScoreDate    time.Time
	Scores       []EPSSScore
	Problems     []LineError
}

// LineError is a problem with one line of a text feed.
type LineError struct {
	Line int
	Err  error
}

// Error says the line and what was wrong with it.
func (e LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the problem without its line.
func (e LineError) Unwrap() error { return e.Err }

// maxEPSSLine bounds one line; a real one is under 60 bytes.
const maxEPSSLine = 64 << 10

// ReadEPSS reads an EPSS CSV, gzipped or not, in either header form:
// "cve,epss" or a "#model_version:…,score_date:…" comment then
// "cve,epss,percentile". A bad data line is recorded in Problems with its
// line number and reading goes on; a missing or unknown header is an error.
func ReadEPSS(r io.Reader) (EPSSFile, error) {
	br, err := openMaybeGzip(r)
	if err != nil {
		return EPSSFile{}, fmt.Errorf("epss: %w", err)
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 4096), maxEPSSLine)
	var (
		out        EPSSFile
		line       int
		cveCol     = -1
		epssCol    = -1
		pctCol     = -1
		columns    int
		seenHeader bool
	)
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if text == "" {
			continue
		}
		if strings.HasPrefix(text, "#") {
			if err := out.readComment(text[1:]); err != nil {
				return EPSSFile{}, fmt.Errorf("epss: line %d: %w", line, err)
			}
			continue
		}
		fields := strings.Split(text, ",")
		if !seenHeader {
			for i, f := range fields {
				switch strings.ToLower(strings.TrimSpace(f)) {
				case "cve":
					cveCol = i
				case "epss":
					epssCol = i
				case "percentile":
					pctCol = i
				}
			}
			if cveCol < 0 || epssCol < 0 {
				return EPSSFile{}, fmt.Errorf("epss: line %d: header %q has no cve and epss columns", line, text)
			}
			columns = len(fields)
			seenHeader = true
			continue
		}
		score, err := readEPSSLine(fields, columns, cveCol, epssCol, pctCol)
		if err != nil {
			out.Problems = append(out.Problems, LineError{Line: line, Err: err})
			continue
		}
		out.Scores = append(out.Scores, score)
	}
	if err := sc.Err(); err != nil {
		return EPSSFile{}, fmt.Errorf("epss: after line %d: %w", line, err)
	}
	if !seenHeader {
		return EPSSFile{}, errors.New("epss: no header line")
	}
	return out, nil
}

// readComment reads "model_version:v2023.03.01,score_date:2023-06-01T00:00:00+0000".
func (f *EPSSFile) readComment(text string) error {
	for _, part := range strings.Split(text, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "model_version":
			f.ModelVersion = strings.TrimSpace(value)
		case "score_date":
			t, err := parseTime(value)
			if err != nil {
				return fmt.Errorf("score_date: %w", err)
			}
			f.ScoreDate = t
		}
	}
	return nil
}

func readEPSSLine(fields []string, columns, cveCol, epssCol, pctCol int) (EPSSScore, error) {
	if len(fields) != columns {
		return EPSSScore{}, fmt.Errorf("%d fields, header has %d", len(fields), columns)
	}
	s := EPSSScore{CVE: strings.TrimSpace(fields[cveCol])}
	if !strings.HasPrefix(s.CVE, "CVE-") {
		return EPSSScore{}, fmt.Errorf("%q is not a CVE id", s.CVE)
	}
	var err error
	if s.EPSS, err = readProbability(fields[epssCol]); err != nil {
		return EPSSScore{}, fmt.Errorf("%s: epss: %w", s.CVE, err)
	}
	if pctCol >= 0 {
		if s.Percentile, err = readProbability(fields[pctCol]); err != nil {
			return EPSSScore{}, fmt.Errorf("%s: percentile: %w", s.CVE, err)
		}
	}
	return s, nil
}

// readProbability reads a number in [0, 1], scientific notation included.
func readProbability(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(v) || v < 0 || v > 1 {
		return 0, fmt.Errorf("%q is not between 0 and 1", s)
	}
	return v, nil
}
