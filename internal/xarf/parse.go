package xarf

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/koban-project/koban/internal/koban"
)

// Report is an X-ARF v4 report as read by Parse.
type Report struct {
	Version        string
	ID             string
	Timestamp      time.Time // in UTC
	Reporter       Organisation
	Sender         Organisation
	Source         string
	SourcePort     int // 0 when absent
	Category       string
	Type           string
	EvidenceSource string
	Description    string
	Confidence     *float64
	URL            string
	Evidence       []EvidenceItem
	Tags           []string
	// Fields holds every other member of the report (the type-specific
	// ones: target_brand, fraud_type, smtp_from …) as compact JSON. The
	// _internal member is dropped: the specification says it is never
	// passed on.
	Fields map[string]json.RawMessage
}

// EvidenceItem is one evidence item of a report read back.
type EvidenceItem struct {
	ContentType string
	Description string
	Data        []byte // the payload, decoded
	Hash        string // as written ("sha256:…")
	Size        *int   // as written, when present
	// Verified is true when Hash is present and matches Data (and Size,
	// when given, is Data's length): the evidence is what the sender
	// hashed. It is false for an item without a hash.
	Verified bool
}

// The members Parse reads itself; everything else goes to Fields.
var coreMembers = map[string]bool{
	"xarf_version": true, "report_id": true, "timestamp": true, "reporter": true, "sender": true,
	"source_identifier": true, "source_port": true, "category": true, "type": true, "evidence_source": true,
	"description": true, "confidence": true, "url": true, "evidence": true, "tags": true, "_internal": true,
}

var (
	versionRE = regexp.MustCompile(`^4\.[0-9]+\.[0-9]+$`)
	hashRE    = regexp.MustCompile(`^(md5|sha1|sha256|sha512):[a-fA-F0-9]+$`)
)

// Parse reads an X-ARF v4 report: koban's own, or one a provider sends.
// It checks what koban relies on — the core members of xarf-core.json
// (version, id, time, reporter and sender, source, a category and type of
// the specification, evidence payloads and their hashes) — and keeps the
// type-specific members as they are in Fields. A report that is not JSON
// is a koban.Malformed error (key xarf.problem.json); every other problem
// is returned at once as a *koban.ProblemsError naming the member
// ("reporter.contact", "evidence[0].hash"). The caller bounds the size of
// data.
func Parse(data []byte) (*Report, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil || top == nil {
		return nil, &koban.Error{Code: koban.Malformed, Key: "xarf.problem.json", Err: err}
	}
	var p koban.Problems
	r := &Report{}

	str := func(name string, required bool) string {
		raw, ok := top[name]
		if !ok {
			if required {
				p.Add(name, "xarf.problem.required")
			}
			return ""
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			p.Add(name, "xarf.problem.type")
			return ""
		}
		if required && strings.TrimSpace(s) == "" {
			p.Add(name, "xarf.problem.required")
		}
		return s
	}

	r.Version = str("xarf_version", true)
	if r.Version != "" && !versionRE.MatchString(r.Version) {
		p.Add("xarf_version", "xarf.problem.version")
	}
	r.ID = str("report_id", true)
	if r.ID != "" {
		if _, err := uuid.Parse(r.ID); err != nil || len(r.ID) != 36 {
			p.Add("report_id", "xarf.problem.id")
		}
	}
	if ts := str("timestamp", true); ts != "" {
		t, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			p.Add("timestamp", "xarf.problem.time")
		}
		r.Timestamp = t.UTC()
	}
	r.Reporter = parseOrg(&p, top, "reporter")
	r.Sender = parseOrg(&p, top, "sender")
	r.Source = str("source_identifier", true)
	r.Category = str("category", true)
	r.Type = str("type", true)
	if r.Category != "" {
		if _, ok := categoryTypes[r.Category]; !ok {
			p.Add("category", "xarf.problem.category")
		} else if r.Type != "" && !knownType(r.Category, r.Type) {
			p.Add("type", "xarf.problem.type_unknown")
		}
	}
	r.EvidenceSource = str("evidence_source", false)
	r.Description = str("description", false)
	r.URL = str("url", false)
	if r.Category == "content" && r.URL == "" {
		if _, ok := top["url"]; !ok {
			p.Add("url", "xarf.problem.required")
		}
	}
	if raw, ok := top["source_port"]; ok {
		n, ok := integer(raw)
		if !ok || n < 1 || n > 65535 {
			p.Add("source_port", "xarf.problem.port")
		} else {
			r.SourcePort = int(n)
		}
	}
	if raw, ok := top["confidence"]; ok {
		var c float64
		if err := json.Unmarshal(raw, &c); err != nil || c < 0 || c > 1 {
			p.Add("confidence", "xarf.problem.confidence")
		} else {
			r.Confidence = &c
		}
	}
	if raw, ok := top["tags"]; ok {
		if err := json.Unmarshal(raw, &r.Tags); err != nil {
			p.Add("tags", "xarf.problem.type")
			r.Tags = nil
		}
	}
	if raw, ok := top["evidence"]; ok {
		r.Evidence = parseEvidence(&p, raw)
	}

	for name, raw := range top {
		if coreMembers[name] {
			continue
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			p.Add(name, "xarf.problem.type")
			continue
		}
		if r.Fields == nil {
			r.Fields = map[string]json.RawMessage{}
		}
		r.Fields[name] = buf.Bytes()
	}
	if err := p.Err(); err != nil {
		sort.SliceStable(p, func(i, j int) bool { return p[i].Field < p[j].Field })
		return nil, p.Err()
	}
	return r, nil
}

func parseOrg(p *koban.Problems, top map[string]json.RawMessage, name string) Organisation {
	raw, ok := top[name]
	if !ok {
		p.Add(name, "xarf.problem.required")
		return Organisation{}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		p.Add(name, "xarf.problem.type")
		return Organisation{}
	}
	var o Organisation
	for _, f := range []struct {
		member string
		into   *string
	}{{"org", &o.Name}, {"contact", &o.Email}, {"domain", &o.Domain}} {
		v, ok := m[f.member]
		if !ok {
			p.Add(name+"."+f.member, "xarf.problem.required")
			continue
		}
		if err := json.Unmarshal(v, f.into); err != nil {
			p.Add(name+"."+f.member, "xarf.problem.type")
		}
	}
	if o.Email != "" && !IsAddress(o.Email) {
		p.Add(name+".contact", "xarf.problem.email")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k != "org" && k != "contact" && k != "domain" {
			p.Add(name+"."+k, "xarf.problem.unknown_field")
		}
	}
	return o
}

func parseEvidence(p *koban.Problems, raw json.RawMessage) []EvidenceItem {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		p.Add("evidence", "xarf.problem.type")
		return nil
	}
	if len(items) > MaxEvidence {
		p.Add("evidence", "xarf.problem.too_many")
	}
	var out []EvidenceItem
	for i, itemRaw := range items {
		field := "evidence[" + strconv.Itoa(i) + "]"
		var m map[string]json.RawMessage
		if err := json.Unmarshal(itemRaw, &m); err != nil || m == nil {
			p.Add(field, "xarf.problem.type")
			continue
		}
		var e EvidenceItem
		var payload string
		for _, f := range []struct {
			member   string
			into     *string
			required bool
		}{{"content_type", &e.ContentType, true}, {"payload", &payload, true}, {"description", &e.Description, false}, {"hash", &e.Hash, false}} {
			v, ok := m[f.member]
			if !ok {
				if f.required {
					p.Add(field+"."+f.member, "xarf.problem.required")
				}
				continue
			}
			if err := json.Unmarshal(v, f.into); err != nil {
				p.Add(field+"."+f.member, "xarf.problem.type")
			}
		}
		data, err := base64.StdEncoding.DecodeString(payload)
		if err != nil {
			p.Add(field+".payload", "xarf.problem.base64")
		}
		e.Data = data
		if e.Hash != "" && !hashRE.MatchString(e.Hash) {
			p.Add(field+".hash", "xarf.problem.hash")
		}
		sizeOK := true
		if v, ok := m["size"]; ok {
			n, ok := integer(v)
			if !ok || n < 0 || n > MaxEvidenceSize {
				p.Add(field+".size", "xarf.problem.evidence_size")
			} else {
				size := int(n)
				e.Size, sizeOK = &size, size == len(data)
			}
		}
		// A hash that does not match is no reason to refuse the report
		// (the specification's own samples carry made-up ones): the item
		// says so, and koban treats its data as unverified.
		e.Verified = err == nil && sizeOK && e.Hash != "" && hashMatches(e.Hash, data)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch k {
			case "content_type", "payload", "description", "hash", "size":
			default:
				p.Add(field+"."+k, "xarf.problem.unknown_field")
			}
		}
		out = append(out, e)
	}
	return out
}

// integer reads a JSON number that is a whole number (25 or 25.0, as JSON
// Schema's "integer" allows).
func integer(raw json.RawMessage) (int64, bool) {
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

func hashMatches(h string, data []byte) bool {
	alg, want, _ := strings.Cut(h, ":")
	var hh hash.Hash
	switch alg {
	case "md5":
		hh = md5.New()
	case "sha1":
		hh = sha1.New()
	case "sha256":
		hh = sha256.New()
	case "sha512":
		hh = sha512.New()
	default:
		return false
	}
	hh.Write(data)
	return strings.EqualFold(hex.EncodeToString(hh.Sum(nil)), want)
}

// Marshal writes a report read by Parse back as JSON (members in name
// order, Fields included).
func Marshal(r *Report) ([]byte, error) {
	m := map[string]any{}
	for k, v := range r.Fields {
		if !coreMembers[k] {
			m[k] = v
		}
	}
	m["xarf_version"] = r.Version
	m["report_id"] = r.ID
	m["timestamp"] = r.Timestamp.UTC().Format(time.RFC3339Nano)
	m["reporter"] = wireOrg{Org: r.Reporter.Name, Contact: r.Reporter.Email, Domain: r.Reporter.Domain}
	m["sender"] = wireOrg{Org: r.Sender.Name, Contact: r.Sender.Email, Domain: r.Sender.Domain}
	m["source_identifier"] = r.Source
	m["category"] = r.Category
	m["type"] = r.Type
	if r.SourcePort != 0 {
		m["source_port"] = r.SourcePort
	}
	for k, v := range map[string]string{"evidence_source": r.EvidenceSource, "description": r.Description, "url": r.URL} {
		if v != "" {
			m[k] = v
		}
	}
	if r.Confidence != nil {
		m["confidence"] = *r.Confidence
	}
	if r.Tags != nil {
		m["tags"] = r.Tags
	}
	if r.Evidence != nil {
		items := make([]map[string]any, 0, len(r.Evidence))
		for _, e := range r.Evidence {
			item := map[string]any{"content_type": e.ContentType, "payload": base64.StdEncoding.EncodeToString(e.Data)}
			if e.Description != "" {
				item["description"] = e.Description
			}
			if e.Hash != "" {
				item["hash"] = e.Hash
			}
			if e.Size != nil {
				item["size"] = *e.Size
			}
			items = append(items, item)
		}
		m["evidence"] = items
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("xarf: writing the report: %w", err)
	}
	return buf.Bytes(), nil
}
