package xarf

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/net/idna"

	"github.com/koban-project/koban/internal/koban"
)

// Limits of the specification (xarf-core.json).
const (
	MaxNote                = 1000    // description, in characters
	MaxEvidenceDescription = 500     // an evidence item's description, in characters
	MaxEvidenceSize        = 5 << 20 // bytes in one evidence item (5,242,880)
	MaxEvidence            = 50      // evidence items in one report
	MaxTags                = 20
	MaxOrgName             = 200
)

// Organisation is a party of a report: the police organisation that asks
// (reporter) or that sends (sender).
type Organisation struct {
	Name   string // org: the organisation's name, as the provider should read it
	Email  string // contact: the address that takes the provider's answer
	Domain string // domain: the organisation's own domain, for verification
}

// Evidence is a file the officer attaches: a screenshot, the page's HTML,
// the spam message. Build writes it base64-encoded with its SHA-256 and
// size.
type Evidence struct {
	ContentType string // a MIME type: image/png, text/html, message/rfc822 …
	Description string // the officer's words for it (at most 500 characters)
	Data        []byte
}

// Request is what an officer asks to have taken down. It holds no field
// for the citizen who reported the abuse: Note is what the officer wrote.
type Request struct {
	// ID is the report's id (a UUID, version 4); Build draws one when it
	// is empty.
	ID       string
	Kind     Kind
	Observed time.Time // when the abuse was seen (timestamp)

	Reporter Organisation  // the police organisation asking
	Sender   *Organisation // who transmits the report; nil means the reporter

	// URL is the page to take down; required for phishing, malware and
	// fraud.
	URL string
	// Source is the IP address or domain the report is about
	// (source_identifier); empty means the URL's host. Required for spam
	// (the sending server's address).
	Source     string
	SourcePort int // the source's port; required for spam by SMTP

	// Note is the officer's description of the abuse (description), at
	// most 1,000 characters. Only what the officer wrote goes here.
	Note     string
	Evidence []Evidence
	// Tags are namespaced ("namespace:value", lower case), at most 20.
	Tags []string
	// Confidence is 0–1; nil leaves it out.
	Confidence *float64
	// EvidenceSource says where the evidence comes from; empty means
	// user_report (user_complaint for spam).
	EvidenceSource string
	// VerifiedAt is when an officer last saw the content live; it is
	// written with verification_method "manual".
	VerifiedAt time.Time

	// Phishing.
	TargetBrand string // the brand imitated (also written for fraud and malware when set)
	LureType    string // account_suspension, security_alert, payment_issue, …

	// Fraud.
	FraudType      string // investment, romance, tech_support, shopping, … (required)
	ClaimedEntity  string // who the scam claims to be
	PaymentMethods []string

	// Malware.
	MalwareFamily      string
	MalwareType        string // trojan, ransomware, infostealer, …
	DistributionMethod string // direct_download, drive_by_download, …
	FileSHA256         string // the sample's SHA-256, hex

	// Spam.
	Protocol  string // smtp, sms, … (required)
	SMTPFrom  string // the envelope sender; required for smtp
	Subject   string
	MessageID string
}

// report is a report as written: the fields in the specification's order,
// empty ones left out.
type report struct {
	Version          string         `json:"xarf_version"`
	ID               string         `json:"report_id"`
	Timestamp        string         `json:"timestamp"`
	Reporter         wireOrg        `json:"reporter"`
	Sender           wireOrg        `json:"sender"`
	Source           string         `json:"source_identifier"`
	SourcePort       int            `json:"source_port,omitempty"`
	Category         string         `json:"category"`
	Type             string         `json:"type"`
	EvidenceSource   string         `json:"evidence_source,omitempty"`
	Description      string         `json:"description,omitempty"`
	Confidence       *float64       `json:"confidence,omitempty"`
	URL              string         `json:"url,omitempty"`
	Domain           string         `json:"domain,omitempty"`
	VerifiedAt       string         `json:"verified_at,omitempty"`
	VerificationMeth string         `json:"verification_method,omitempty"`
	TargetBrand      string         `json:"target_brand,omitempty"`
	LureType         string         `json:"lure_type,omitempty"`
	FraudType        string         `json:"fraud_type,omitempty"`
	ClaimedEntity    string         `json:"claimed_entity,omitempty"`
	PaymentMethods   []string       `json:"payment_methods,omitempty"`
	MalwareFamily    string         `json:"malware_family,omitempty"`
	MalwareType      string         `json:"malware_type,omitempty"`
	Distribution     string         `json:"distribution_method,omitempty"`
	FileHashes       *fileHashes    `json:"file_hashes,omitempty"`
	Protocol         string         `json:"protocol,omitempty"`
	SMTPFrom         string         `json:"smtp_from,omitempty"`
	Subject          string         `json:"subject,omitempty"`
	MessageID        string         `json:"message_id,omitempty"`
	Evidence         []wireEvidence `json:"evidence,omitempty"`
	Tags             []string       `json:"tags,omitempty"`
}

type wireOrg struct {
	Org     string `json:"org"`
	Contact string `json:"contact"`
	Domain  string `json:"domain"`
}

type fileHashes struct {
	SHA256 string `json:"sha256"`
}

type wireEvidence struct {
	ContentType string `json:"content_type"`
	Description string `json:"description,omitempty"`
	Payload     string `json:"payload"`
	Hash        string `json:"hash"`
	Size        int    `json:"size"`
}

var (
	tagRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9_+-]*:[a-z0-9][a-z0-9_+-]*$`)
	hostnameRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	// contentDomainRE is the pattern content-base.json sets on domain; a
	// host that does not match it (an IDN's "xn--" label) is left out of
	// that field, which is only recommended.
	contentDomainRE = regexp.MustCompile(`^([a-z0-9]+(-[a-z0-9]+)*\.)+[a-z]{2,}$`)
	sha256RE        = regexp.MustCompile(`^[a-fA-F0-9]{64}$`)
)

// Build checks r and writes its X-ARF v4 report. Every problem found is
// returned at once as a *koban.ProblemsError: Field names the request
// field ("reporter.email", "evidence[2].content_type") and Key the catalog
// sentence (xarf.problem.*).
func Build(r Request) ([]byte, error) {
	rep, problems := check(r)
	if err := problems.Err(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // a URL's & stays &: the report is read by mail systems, not put in a page
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return nil, fmt.Errorf("xarf: writing the report: %w", err)
	}
	return buf.Bytes(), nil
}

func check(r Request) (*report, koban.Problems) {
	var p koban.Problems
	rep := &report{Version: Version}

	category, typ := r.Kind.Category()
	if category == "" {
		p.Add("kind", "xarf.problem.kind")
	}
	rep.Category, rep.Type = category, typ

	rep.ID = r.ID
	if rep.ID == "" {
		id, err := uuid.NewRandom()
		if err != nil {
			p = append(p, &koban.Error{Code: koban.Internal, Key: "error.internal", Field: "id", Err: err})
		}
		rep.ID = id.String()
	} else if u, err := uuid.Parse(r.ID); err != nil || len(r.ID) != 36 || u.Version() != 4 {
		p.Add("id", "xarf.problem.id")
	} else {
		rep.ID = strings.ToLower(r.ID)
	}

	if r.Observed.IsZero() {
		p.Add("observed", "xarf.problem.required")
	}
	rep.Timestamp = r.Observed.UTC().Format(time.RFC3339)

	rep.Reporter = checkOrg(&p, "reporter", r.Reporter)
	if r.Sender != nil {
		rep.Sender = checkOrg(&p, "sender", *r.Sender)
	} else {
		rep.Sender = rep.Reporter
	}

	// The URL and the source.
	var host string
	switch {
	case r.URL != "":
		u, h, err := asciiURL(r.URL)
		if err != nil {
			p.Add("url", "xarf.problem.url")
		} else {
			rep.URL, host = u, h
		}
	case r.Kind.content():
		p.Add("url", "xarf.problem.required")
	}
	switch {
	case r.Source != "":
		s, ok := sourceIdentifier(r.Source)
		if !ok {
			p.Add("source", "xarf.problem.source")
		}
		rep.Source = s
	case host != "":
		rep.Source = host
	case r.Kind == Spam:
		p.Add("source", "xarf.problem.required")
	}
	if r.Kind.content() && host != "" && contentDomainRE.MatchString(host) {
		rep.Domain = host
	}
	if r.SourcePort != 0 {
		if r.SourcePort < 1 || r.SourcePort > 65535 {
			p.Add("source_port", "xarf.problem.port")
		}
		rep.SourcePort = r.SourcePort
	}

	if n := utf8.RuneCountInString(r.Note); n > MaxNote {
		p.Add("note", "xarf.problem.too_long")
	} else if !utf8.ValidString(r.Note) {
		p.Add("note", "xarf.problem.text")
	}
	rep.Description = strings.TrimSpace(r.Note)

	if r.Confidence != nil {
		if c := *r.Confidence; c < 0 || c > 1 || c != c {
			p.Add("confidence", "xarf.problem.confidence")
		}
		rep.Confidence = r.Confidence
	}

	// Where the evidence comes from.
	allowed := contentEvidenceSources
	rep.EvidenceSource = "user_report"
	if r.Kind == Spam {
		allowed, rep.EvidenceSource = spamEvidenceSources, "user_complaint"
	}
	if r.EvidenceSource != "" {
		if !slices.Contains(allowed, r.EvidenceSource) {
			p.Add("evidence_source", "xarf.problem.value")
		}
		rep.EvidenceSource = r.EvidenceSource
	}
	if !r.VerifiedAt.IsZero() && r.Kind.content() {
		rep.VerifiedAt = r.VerifiedAt.UTC().Format(time.RFC3339)
		rep.VerificationMeth = "manual"
	}

	// Type-specific fields. With no kind there is nothing to hold them
	// against: the kind's own problem says enough.
	notFor := func(field string) {
		if category != "" {
			p.Add(field, "xarf.problem.not_for_kind")
		}
	}
	rep.TargetBrand = strings.TrimSpace(r.TargetBrand)
	if rep.TargetBrand != "" && !r.Kind.content() {
		notFor("target_brand")
	}
	checkEnum(&p, notFor, r.Kind == Phishing, "lure_type", r.LureType, lureTypes, &rep.LureType)
	checkEnum(&p, notFor, r.Kind == Fraud, "fraud_type", r.FraudType, fraudTypes, &rep.FraudType)
	if r.Kind == Fraud && r.FraudType == "" {
		p.Add("fraud_type", "xarf.problem.required")
	}
	rep.ClaimedEntity = strings.TrimSpace(r.ClaimedEntity)
	if rep.ClaimedEntity != "" && r.Kind != Fraud {
		notFor("claimed_entity")
	}
	for i, m := range r.PaymentMethods {
		field := "payment_methods[" + strconv.Itoa(i) + "]"
		switch {
		case r.Kind != Fraud:
			notFor(field)
		case !slices.Contains(paymentMethods, m):
			p.Add(field, "xarf.problem.value")
		case !slices.Contains(rep.PaymentMethods, m):
			rep.PaymentMethods = append(rep.PaymentMethods, m)
		}
	}
	rep.MalwareFamily = strings.TrimSpace(r.MalwareFamily)
	if rep.MalwareFamily != "" && r.Kind != Malware {
		notFor("malware_family")
	}
	checkEnum(&p, notFor, r.Kind == Malware, "malware_type", r.MalwareType, malwareTypes, &rep.MalwareType)
	checkEnum(&p, notFor, r.Kind == Malware, "distribution_method", r.DistributionMethod, distributionMethods, &rep.Distribution)
	if r.FileSHA256 != "" {
		switch {
		case r.Kind != Malware:
			notFor("file_sha256")
		case !sha256RE.MatchString(r.FileSHA256):
			p.Add("file_sha256", "xarf.problem.hash")
		default:
			rep.FileHashes = &fileHashes{SHA256: strings.ToLower(r.FileSHA256)}
		}
	}
	checkEnum(&p, notFor, r.Kind == Spam, "protocol", r.Protocol, spamProtocols, &rep.Protocol)
	if r.Kind == Spam && r.Protocol == "" {
		p.Add("protocol", "xarf.problem.required")
	}
	if r.SMTPFrom != "" {
		if r.Kind != Spam {
			notFor("smtp_from")
		} else if !IsAddress(r.SMTPFrom) {
			p.Add("smtp_from", "xarf.problem.email")
		}
		rep.SMTPFrom = r.SMTPFrom
	}
	if r.Kind == Spam && r.Protocol == "smtp" {
		if r.SMTPFrom == "" {
			p.Add("smtp_from", "xarf.problem.required")
		}
		if r.SourcePort == 0 {
			p.Add("source_port", "xarf.problem.required")
		}
	}
	for _, f := range []struct {
		name, value string
		max         int
		into        *string
	}{{"subject", r.Subject, 500, &rep.Subject}, {"message_id", r.MessageID, 200, &rep.MessageID}} {
		if f.value == "" {
			continue
		}
		if r.Kind != Spam {
			notFor(f.name)
		} else if utf8.RuneCountInString(f.value) > f.max {
			p.Add(f.name, "xarf.problem.too_long")
		}
		*f.into = f.value
	}

	// Evidence.
	if len(r.Evidence) > MaxEvidence {
		p.Add("evidence", "xarf.problem.too_many")
	}
	for i, e := range r.Evidence {
		field := "evidence[" + strconv.Itoa(i) + "]"
		mt, _, err := mime.ParseMediaType(e.ContentType)
		if err != nil || !strings.Contains(mt, "/") {
			p.Add(field+".content_type", "xarf.problem.content_type")
		}
		switch {
		case len(e.Data) == 0:
			p.Add(field+".data", "xarf.problem.required")
		case len(e.Data) > MaxEvidenceSize:
			p.Add(field+".data", "xarf.problem.evidence_size")
		}
		if utf8.RuneCountInString(e.Description) > MaxEvidenceDescription {
			p.Add(field+".description", "xarf.problem.too_long")
		}
		sum := sha256.Sum256(e.Data)
		rep.Evidence = append(rep.Evidence, wireEvidence{
			ContentType: e.ContentType,
			Description: strings.TrimSpace(e.Description),
			Payload:     base64.StdEncoding.EncodeToString(e.Data),
			Hash:        "sha256:" + hex.EncodeToString(sum[:]),
			Size:        len(e.Data),
		})
	}

	if len(r.Tags) > MaxTags {
		p.Add("tags", "xarf.problem.too_many")
	}
	for i, t := range r.Tags {
		if !tagRE.MatchString(t) {
			p.Add("tags["+strconv.Itoa(i)+"]", "xarf.problem.tag")
		}
	}
	rep.Tags = r.Tags
	return rep, p
}

// checkEnum checks an optional enumerated field: empty is fine, a value
// outside the list, or a field for another kind, is a problem.
func checkEnum(p *koban.Problems, notFor func(string), forKind bool, field, value string, allowed []string, into *string) {
	if value == "" {
		return
	}
	switch {
	case !forKind:
		notFor(field)
	case !slices.Contains(allowed, value):
		p.Add(field, "xarf.problem.value")
	}
	*into = value
}

func checkOrg(p *koban.Problems, field string, o Organisation) wireOrg {
	w := wireOrg{Org: strings.TrimSpace(o.Name), Contact: strings.TrimSpace(o.Email), Domain: strings.ToLower(strings.TrimSuffix(strings.TrimSpace(o.Domain), "."))}
	switch n := utf8.RuneCountInString(w.Org); {
	case n == 0:
		p.Add(field+".name", "xarf.problem.required")
	case n > MaxOrgName:
		p.Add(field+".name", "xarf.problem.too_long")
	}
	switch {
	case w.Contact == "":
		p.Add(field+".email", "xarf.problem.required")
	case !IsAddress(w.Contact):
		p.Add(field+".email", "xarf.problem.email")
	}
	switch {
	case w.Domain == "":
		p.Add(field+".domain", "xarf.problem.required")
	default:
		if a, err := idna.Lookup.ToASCII(w.Domain); err != nil || !hostnameRE.MatchString(a) || len(a) > 253 {
			p.Add(field+".domain", "xarf.problem.domain")
		} else {
			w.Domain = a
		}
	}
	return w
}

// IsAddress accepts a bare address (local@domain, ASCII), the form the
// schema's "email" format and every mail system take.
func IsAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return false
	}
	for _, r := range s {
		if r > 127 {
			return false
		}
	}
	return hostnameRE.MatchString(strings.ToLower(s[at+1:]))
}

// asciiURL returns an http(s) URL in the ASCII form the schema's "uri"
// format requires (the host in A-labels, the rest percent-encoded), and
// its host.
func asciiURL(raw string) (string, string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", "", err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", "", fmt.Errorf("xarf: want an http(s) URL without credentials")
	}
	host, port := u.Hostname(), u.Port()
	if a, err := netip.ParseAddr(host); err == nil {
		host = a.Unmap().WithZone("").String()
		if a.Is6() && !a.Is4In6() {
			u.Host = "[" + host + "]"
		} else {
			u.Host = host
		}
	} else {
		ascii, err := idna.Lookup.ToASCII(strings.TrimSuffix(host, "."))
		if err != nil || !hostnameRE.MatchString(ascii) {
			return "", "", fmt.Errorf("xarf: host %q", host)
		}
		host, u.Host = ascii, ascii
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", "", fmt.Errorf("xarf: port %q", port)
		}
		u.Host += ":" + port
	}
	// String escapes the path and fragment; the query it writes as given.
	u.RawQuery = escapeNonASCII(u.RawQuery)
	return u.String(), host, nil
}

// escapeNonASCII percent-encodes the bytes of s that are not printable
// ASCII, leaving the rest (and existing escapes) alone.
func escapeNonASCII(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' || c == '}' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// sourceIdentifier checks a source: an IP address, or a host name (given
// in Unicode or A-labels).
func sourceIdentifier(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone("").String(), true
	}
	ascii, err := idna.Lookup.ToASCII(strings.TrimSuffix(s, "."))
	if err != nil || !hostnameRE.MatchString(ascii) {
		return s, false
	}
	return ascii, true
}
