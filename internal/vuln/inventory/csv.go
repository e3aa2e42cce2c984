package inventory

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

// columns maps each accepted header, folded to lower case, to the field it
// fills. Japanese names are those of the forces' own asset registers.
var columns = map[string]string{
	"name": "name", "名称": "name", "製品名": "name",
	"version": "version", "バージョン": "version", "版": "version",
	"cpe":      "cpe",
	"purl":     "purl",
	"supplier": "supplier", "供給元": "supplier", "ベンダー": "supplier",
	"owner": "owner", "所管": "owner",
	"exposure": "exposure", "公開": "exposure", "露出": "exposure",
	"notes": "notes", "備考": "notes",
}

// ReadCSV reads an asset register with a header row. Columns are found by
// name in any order and any case, in English or Japanese; unknown columns
// are ignored. The text is UTF-8, with or without a byte order mark, or
// Shift_JIS when it is not valid UTF-8. Each row needs a name and a cpe or
// purl; a row that fails is a Problem for its line and the rest are kept.
// A header without a name column, or with neither cpe nor purl, is an error.
func ReadCSV(r io.Reader) ([]Asset, []Problem, error) {
	data, err := readBounded(r)
	if err != nil {
		return nil, nil, err
	}
	return parseCSV(data)
}

func parseCSV(data []byte) ([]Asset, []Problem, error) {
	text, err := decodeText(data)
	if err != nil {
		return nil, nil, err
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1 // a short row leaves its last columns empty
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, errors.New("the CSV is empty: want a header row")
		}
		return nil, nil, fmt.Errorf("CSV header: %w", err)
	}
	index, names, err := readHeader(header)
	if err != nil {
		return nil, nil, err
	}
	var c collector
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("CSV: %w", err)
		}
		if blank(row) {
			continue
		}
		if err := c.count(); err != nil {
			return nil, nil, err
		}
		line, _ := cr.FieldPos(0)
		get := func(field string) string {
			if i, ok := index[field]; ok && i < len(row) {
				return row[i]
			}
			return ""
		}
		rec := record{Asset: Asset{
			Ref:      fmt.Sprintf("line %d", line),
			Name:     get("name"),
			Version:  get("version"),
			CPE:      get("cpe"),
			PURL:     get("purl"),
			Supplier: get("supplier"),
			Owner:    get("owner"),
			Notes:    get("notes"),
		}, exposure: get("exposure")}
		c.add(rec, names["cpe"], names["purl"], names["exposure"])
	}
	return c.assets, c.problems, nil
}

// readHeader returns each field's column and the header text naming it, so
// a Problem names the column as the file does.
func readHeader(header []string) (map[string]int, map[string]string, error) {
	index := map[string]int{}
	names := map[string]string{"cpe": "cpe", "purl": "purl", "exposure": "exposure"}
	for i, h := range header {
		h = strings.TrimSpace(h)
		field, ok := columns[strings.ToLower(h)]
		if !ok {
			continue
		}
		if j, dup := index[field]; dup {
			return nil, nil, fmt.Errorf("CSV header: columns %d and %d both give the %s", j+1, i+1, field)
		}
		index[field] = i
		names[field] = h
	}
	if _, ok := index["name"]; !ok {
		return nil, nil, errors.New("CSV header: no name column (name or 名称)")
	}
	_, hasCPE := index["cpe"]
	_, hasPURL := index["purl"]
	if !hasCPE && !hasPURL {
		return nil, nil, errors.New("CSV header: neither a cpe nor a purl column")
	}
	return index, names, nil
}

func blank(row []string) bool {
	for _, f := range row {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// decodeText returns the text as UTF-8 without a byte order mark, decoding
// Shift_JIS (as Excel in Japan saves CSV) when the bytes are not UTF-8.
func decodeText(data []byte) ([]byte, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if utf8.Valid(data) {
		return data, nil
	}
	text, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
	if err != nil {
		return nil, fmt.Errorf("the text is neither UTF-8 nor Shift_JIS: %w", err)
	}
	if !utf8.Valid(text) || bytes.ContainsRune(text, utf8.RuneError) {
		return nil, errors.New("the text is neither UTF-8 nor Shift_JIS")
	}
	return text, nil
}
