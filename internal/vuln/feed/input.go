package feed

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// openJSON returns a reader over r's JSON text, gunzipping it when r starts
// with gzip's magic, and fails clearly when the text does not start with open.
func openJSON(r io.Reader, open byte) (*bufio.Reader, error) {
	br, err := openMaybeGzip(r)
	if err != nil {
		return nil, err
	}
	for {
		b, err := br.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, errors.New("input is empty: want JSON")
			}
			return nil, fmt.Errorf("read input: %w", err)
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		case 0xef: // a UTF-8 byte order mark
			if bom, _ := br.Peek(2); len(bom) == 2 && bom[0] == 0xbb && bom[1] == 0xbf {
				br.Discard(2)
				continue
			}
		}
		if b != open {
			return nil, fmt.Errorf("input is neither gzip nor JSON: starts with %q, want %q", b, open)
		}
		if err := br.UnreadByte(); err != nil {
			return nil, fmt.Errorf("read input: %w", err)
		}
		return br, nil
	}
}

// timeLayouts are the forms upstreams write times in. NVD writes no zone,
// which means UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseTime reads an upstream time; a missing zone means UTC. An empty string
// is the zero time.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is in no known form", s)
}

// openMaybeGzip returns a reader over r, gunzipped when r starts with gzip's
// magic bytes.
func openMaybeGzip(r io.Reader) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(2)
	if err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("open gzip stream: %w", err)
		}
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	return br, nil
}
