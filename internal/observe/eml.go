package observe

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
	"golang.org/x/net/html"
	"golang.org/x/net/publicsuffix"
)

// Evidence is what koban reads from an e-mail message (an .eml file).
type Evidence struct {
	// Headers summarises the message's header.
	Headers EmailHeaders `json:"headers"`
	// Observables are every observable of the message, deduplicated, in
	// this order: the sender's addresses (From, Sender, Reply-To,
	// Return-Path) each followed by its domain, the Message-ID's domain,
	// the hosts and IP addresses of the Received chain (newest first), then
	// those of the subject, of each body part and link in order, and the
	// hashes of the attachments. Each is in canonical form.
	Observables []Observable `json:"observables"`
	// Links are the targets of the HTML parts' links (a and area href, form
	// action, iframe src), in order, each once.
	Links []Link `json:"links,omitempty"`
	// Attachments are the parts that are not the message's text.
	Attachments []Attachment `json:"attachments,omitempty"`
	// Warnings say what could not be read as it should have been; the rest
	// of the message was still read.
	Warnings []string `json:"warnings,omitempty"`
}

// EmailHeaders is the part of a message's header that matters as evidence.
// Addresses are in canonical form; the text fields are decoded to UTF-8.
type EmailHeaders struct {
	Subject    string        `json:"subject,omitempty"`
	Date       string        `json:"date,omitempty"` // as written
	From       []string      `json:"from,omitempty"`
	Sender     []string      `json:"sender,omitempty"`
	ReplyTo    []string      `json:"reply_to,omitempty"`
	ReturnPath []string      `json:"return_path,omitempty"`
	To         []string      `json:"to,omitempty"`
	MessageID  string        `json:"message_id,omitempty"` // without <>
	Received   []ReceivedHop `json:"received,omitempty"`   // newest first, as in the header
	XMailer    string        `json:"x_mailer,omitempty"`
}

// ReceivedHop is the "from" clause of one Received header field: the name
// the sending host gave (HELO), the name its address resolved to and its
// address, and the host that received the message.
type ReceivedHop struct {
	Helo string `json:"helo,omitempty"`
	Host string `json:"host,omitempty"`
	IP   string `json:"ip,omitempty"`
	By   string `json:"by,omitempty"`
}

// Link is one link of an HTML part.
type Link struct {
	URL  string `json:"url"`            // canonical
	Text string `json:"text,omitempty"` // the link's text, spaces collapsed
	// Deceptive is set when the text names another site than the target:
	// its first URL or domain has another registrable domain than the
	// URL's host ("https://www.mufg.jp/" linking to a phishing site).
	Deceptive bool `json:"deceptive,omitempty"`
}

// Attachment is a part of the message that is not its text.
type Attachment struct {
	Filename    string `json:"filename,omitempty"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
	SHA256      string `json:"sha256"`
	MD5         string `json:"md5"`
}

// ErrNotEmail is returned by ExtractEmail for input without a single header
// field: not a message. The Evidence still holds the observables of its
// text.
var ErrNotEmail = errors.New("observe: not an e-mail message")

// Limits that keep a hostile message from costing too much.
const (
	maxMIMEDepth = 8   // nested multiparts and attached messages
	maxMIMEParts = 500 // parts read in one message
	maxWarnings  = 50
)

// ExtractEmail reads an e-mail message in RFC 5322 form (an .eml file) and
// returns its observables: the addresses of its senders, the Message-ID's
// domain, the hosts and addresses of the Received chain, the observables
// of its subject and text parts (quoted-printable and base64 decoded,
// ISO-2022-JP, Shift_JIS, EUC-JP or UTF-8 read), the targets of its HTML
// links and the SHA-256 and MD5 hashes of its attachments. Messages
// attached to it (message/rfc822, as when a phishing mail is forwarded)
// are read the same way.
//
// A broken message gives what could be read and warnings; it never
// panics. The error is ErrNotEmail when raw has no header at all.
func ExtractEmail(raw []byte) (ev Evidence, err error) {
	r := &emlReader{seen: make(map[Observable]bool)}
	defer func() {
		if p := recover(); p != nil {
			r.warn("internal error while reading the message: %v", p)
			ev, err = r.evidence(), nil
		}
	}()
	h, body, nfields := r.readHeader(raw)
	if nfields == 0 {
		r.text(string(raw))
		return r.evidence(), ErrNotEmail
	}
	r.ev.Headers = r.headers(h)
	r.entity(h, body, 0)
	return r.evidence(), nil
}

// emlReader collects the evidence of one message.
type emlReader struct {
	ev    Evidence
	seen  map[Observable]bool
	links map[string]bool
	parts int
}

func (r *emlReader) evidence() Evidence {
	if r.ev.Observables == nil {
		r.ev.Observables = []Observable{}
	}
	return r.ev
}

func (r *emlReader) warn(format string, args ...any) {
	if len(r.ev.Warnings) < maxWarnings {
		r.ev.Warnings = append(r.ev.Warnings, fmt.Sprintf(format, args...))
	}
}

// add records an observable once.
func (r *emlReader) add(t Type, v string) {
	o := Observable{t, v}
	if !r.seen[o] {
		r.seen[o] = true
		r.ev.Observables = append(r.ev.Observables, o)
	}
}

// text adds the observables of a piece of text.
func (r *emlReader) text(s string) {
	for _, o := range Extract(s) {
		r.add(o.Type, o.Value)
	}
}

// readHeader reads a header block leniently: an mbox "From " line first is
// skipped, folded lines are unfolded, a line that is not "Name: value" is
// skipped with a warning — or, before any field, ends the header — and the
// header ends at the first empty line (or, with a warning, at a line that
// does not look like a header once fields were read).
func (r *emlReader) readHeader(raw []byte) (message.Header, []byte, int) {
	var h textproto.Header
	n := 0
	var key string
	var val []byte
	flush := func() {
		if key != "" {
			h.Add(key, strings.TrimSpace(string(val)))
			n++
		}
		key, val = "", nil
	}
	rest := raw
	first := true
	for len(rest) > 0 {
		line := rest
		next := []byte(nil)
		if k := bytes.IndexByte(rest, '\n'); k >= 0 {
			line, next = rest[:k], rest[k+1:]
		}
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			flush()
			return message.Header{Header: h}, next, n
		}
		if first && bytes.HasPrefix(line, []byte("From ")) {
			first = false
			rest = next
			continue // an mbox separator
		}
		first = false
		if line[0] == ' ' || line[0] == '\t' {
			if key != "" {
				val = append(val, ' ')
				val = append(val, bytes.TrimSpace(line)...)
			}
			rest = next
			continue
		}
		if !isFieldLine(line) {
			if n == 0 && key == "" {
				return message.Header{Header: h}, raw, 0
			}
			flush()
			if k := bytes.IndexByte(next, '\n'); k >= 0 && isFieldLine(bytes.TrimRight(next[:k], "\r")) {
				r.warn("header line without a name skipped: %q", truncate(string(line), 60))
				rest = next
				continue
			}
			r.warn("header ended without an empty line at %q", truncate(string(line), 60))
			return message.Header{Header: h}, rest, n
		}
		c := bytes.IndexByte(line, ':')
		flush()
		key = string(bytes.TrimSpace(line[:c]))
		val = append([]byte(nil), line[c+1:]...)
		rest = next
	}
	flush()
	return message.Header{Header: h}, nil, n
}

// isFieldLine reports whether a line starts a header field: a name, then
// a colon.
func isFieldLine(line []byte) bool {
	c := bytes.IndexByte(line, ':')
	return c > 0 && validFieldName(line[:c])
}

// validFieldName reports whether b is a header field name: printable ASCII
// without a colon or space (trailing spaces, seen in the wild, allowed).
func validFieldName(b []byte) bool {
	b = bytes.TrimRight(b, " \t")
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// headerText decodes a header field's value: RFC 2047 encoded words, and
// raw ISO-2022-JP (which some Japanese mailers put in headers unencoded).
func headerText(h message.Header, key string) string {
	v, err := h.Text(key)
	if err != nil {
		v = h.Get(key)
	}
	return decodeRawJIS(v)
}

// decodeRawJIS converts text holding ISO-2022-JP escape sequences to UTF-8.
func decodeRawJIS(s string) string {
	if !strings.Contains(s, "\x1b$") {
		return s
	}
	if out, ok := convert("iso-2022-jp", []byte(s)); ok {
		return out
	}
	return s
}

// convert decodes b from the named charset to UTF-8.
func convert(cs string, b []byte) (string, bool) {
	rd, err := charset.Reader(cs, bytes.NewReader(b))
	if err != nil {
		return "", false
	}
	out, err := io.ReadAll(rd)
	if err != nil && len(out) == 0 {
		return "", false
	}
	return string(out), true
}

// addresses reads the addresses of a header field, adding each (and its
// domain) as an observable. An unparsable field is searched for e-mail
// addresses as text.
func (r *emlReader) addresses(h message.Header, key string) []string {
	var out []string
	for _, v := range h.Values(key) {
		v = decodeRawJIS(v)
		list, err := mail.ParseAddressList(v)
		if err != nil {
			for _, o := range Extract(v) {
				if o.Type == Email {
					list = append(list, &mail.Address{Address: o.Value})
				}
			}
		}
		for _, a := range list {
			e, err := Normalize(Email, a.Address)
			if err != nil {
				continue
			}
			out = append(out, e)
			r.add(Email, e)
			r.add(Domain, e[strings.LastIndexByte(e, '@')+1:])
		}
	}
	return out
}

// headers reads the header summary and adds the header's observables.
func (r *emlReader) headers(h message.Header) EmailHeaders {
	var eh EmailHeaders
	eh.From = r.addresses(h, "From")
	eh.Sender = r.addresses(h, "Sender")
	eh.ReplyTo = r.addresses(h, "Reply-To")
	eh.ReturnPath = r.addresses(h, "Return-Path")
	for _, v := range h.Values("To") {
		if list, err := mail.ParseAddressList(decodeRawJIS(v)); err == nil {
			for _, a := range list {
				if e, err := Normalize(Email, a.Address); err == nil {
					eh.To = append(eh.To, e)
				}
			}
		}
	}
	if id := strings.TrimSpace(h.Get("Message-Id")); id != "" {
		id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
		eh.MessageID = id
		if at := strings.LastIndexByte(id, '@'); at >= 0 {
			if d, err := Normalize(Domain, id[at+1:]); err == nil {
				r.add(Domain, d)
			}
		}
	}
	for _, v := range h.Values("Received") {
		hop := parseReceived(v)
		eh.Received = append(eh.Received, hop)
		if hop.Helo != "" {
			if d, err := Normalize(Domain, hop.Helo); err == nil {
				r.add(Domain, d)
			}
		}
		if hop.Host != "" {
			r.add(Domain, hop.Host)
		}
		if hop.IP != "" && publicIP(hop.IP) {
			if strings.IndexByte(hop.IP, ':') >= 0 {
				r.add(IPv6, hop.IP)
			} else {
				r.add(IPv4, hop.IP)
			}
		}
	}
	eh.Subject = headerText(h, "Subject")
	eh.Date = h.Get("Date")
	eh.XMailer = headerText(h, "X-Mailer")
	r.text(eh.Subject)
	return eh
}

// publicIP reports whether an address is worth correlating: not private,
// loopback, link-local, multicast or unspecified.
func publicIP(s string) bool {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	a = a.Unmap()
	return !(a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsMulticast() ||
		a.IsUnspecified() || a.Is4() && a.As4()[0] == 100 && a.As4()[1]&0xc0 == 64) // 100.64/10, shared
}

// parseReceived reads the from clause of a Received field: "from HELO
// (HOST [IP])" as Postfix, Sendmail and most others write it, Exim's "from
// HOST ([IP] helo=HELO)", and "by HOST". The IP may be written
// "[IPv6:…]". Names are kept only when they are domains.
func parseReceived(v string) ReceivedHop {
	var hop ReceivedHop
	v = strings.Join(strings.Fields(v), " ")
	if semi := strings.LastIndexByte(v, ';'); semi >= 0 {
		v = v[:semi] // the date
	}
	// Byte offsets found in the lower-cased text index the original, so only
	// ASCII may change case: strings.ToLower would turn a stray invalid byte
	// into a three-byte U+FFFD and shift every offset after it.
	lower := asciiLower(v)
	from := ""
	if k := wordIndex(lower, "from"); k >= 0 {
		from = v[k+len("from"):]
		if b := wordIndex(asciiLower(from), "by"); b >= 0 {
			from = from[:b]
		}
	}
	if k := wordIndex(lower, "by"); k >= 0 {
		by := strings.Fields(v[k+len("by"):])
		if len(by) > 0 {
			if d, err := Normalize(Domain, by[0]); err == nil {
				hop.By = d
			}
		}
	}
	from = strings.TrimSpace(from)
	if from == "" {
		return hop
	}
	// The first word is the HELO name, or an address literal.
	words := strings.FieldsFunc(from, func(r rune) bool { return r == ' ' || r == '(' || r == ')' })
	for i, w := range words {
		w = strings.Trim(w, ",")
		switch {
		case strings.HasPrefix(w, "["):
			if ip := addrLiteral(w); ip != "" && hop.IP == "" {
				hop.IP = ip
			}
		case hasPrefixFold(w, "helo="):
			if d, err := Normalize(Domain, w[len("helo="):]); err == nil {
				hop.Helo = d
			}
		case i == 0:
			if d, err := Normalize(Domain, w); err == nil {
				hop.Helo = d
			} else if ip, ok := canonicalIPv4(w); ok {
				hop.IP = ip
			}
		default:
			if d, err := Normalize(Domain, w); err == nil && hop.Host == "" {
				hop.Host = d
			} else if ip, ok := canonicalIPv4(w); ok && hop.IP == "" {
				hop.IP = ip
			}
		}
	}
	return hop
}

// wordIndex returns the index of the word w in s (bounded by spaces or the
// ends), or -1.
func wordIndex(s, w string) int {
	for i := 0; ; {
		k := strings.Index(s[i:], w)
		if k < 0 {
			return -1
		}
		k += i
		end := k + len(w)
		if (k == 0 || s[k-1] == ' ') && (end == len(s) || s[end] == ' ') {
			return k
		}
		i = k + 1
	}
}

// addrLiteral reads "[192.0.2.1]" or "[IPv6:2001:db8::1]" (with trailing
// text after the bracket ignored) and returns the canonical address.
func addrLiteral(w string) string {
	end := strings.IndexByte(w, ']')
	if end < 0 {
		return ""
	}
	a := w[1:end]
	if hasPrefixFold(a, "ipv6:") {
		a = a[5:]
	}
	if ip, ok := canonicalIPv4(a); ok {
		return ip
	}
	if ip, ok := canonicalIPv6(a); ok {
		return ip
	}
	return ""
}

// entity reads one MIME entity with header h and (still encoded) body.
func (r *emlReader) entity(h message.Header, body []byte, depth int) {
	r.parts++
	if r.parts > maxMIMEParts {
		if r.parts == maxMIMEParts+1 {
			r.warn("more than %d parts: the rest is not read", maxMIMEParts)
		}
		return
	}
	mt, params, err := h.ContentType()
	if err != nil {
		r.warn("unreadable Content-Type %q: read as text/plain", truncate(h.Get("Content-Type"), 60))
		mt, params = "text/plain", map[string]string{}
	}
	mt = strings.ToLower(mt)
	if strings.HasPrefix(mt, "multipart/") {
		if depth >= maxMIMEDepth {
			r.warn("multipart nested deeper than %d: not read", maxMIMEDepth)
			return
		}
		boundary := params["boundary"]
		if boundary == "" {
			r.warn("%s without a boundary: read as text", mt)
			r.text(string(body))
			return
		}
		parts, closed := splitMultipart(body, boundary)
		if !closed {
			r.warn("multipart with boundary %q is not closed: %d parts read", truncate(boundary, 40), len(parts))
		}
		for _, p := range parts {
			ph, pb, _ := r.readPartHeader(p)
			r.entity(ph, pb, depth+1)
		}
		return
	}
	data := r.decodeBody(h, body)
	disp, dparams, _ := h.ContentDisposition()
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	filename = decodeRawJIS(filename)
	attached := strings.EqualFold(disp, "attachment") || filename != "" ||
		!strings.HasPrefix(mt, "text/") && mt != "message/rfc822"
	if attached || mt == "message/rfc822" {
		r.attachment(filename, mt, data)
	}
	switch {
	case mt == "message/rfc822":
		if depth >= maxMIMEDepth {
			r.warn("attached message nested deeper than %d: not read", maxMIMEDepth)
			return
		}
		ih, ib, n := r.readHeader(data)
		if n == 0 {
			r.text(string(data))
			return
		}
		r.headers(ih) // its observables; the summary is the outer message's
		r.entity(ih, ib, depth+1)
	case mt == "text/html":
		r.html(r.textOf(params["charset"], data))
	case strings.HasPrefix(mt, "text/"):
		r.text(r.textOf(params["charset"], data))
	}
}

// readPartHeader reads a part's header; a part without one is a text/plain
// body (RFC 2046's default).
func (r *emlReader) readPartHeader(p []byte) (message.Header, []byte, int) {
	if len(p) > 0 && (p[0] == '\n' || p[0] == '\r') {
		var h textproto.Header
		return message.Header{Header: h}, bytes.TrimLeft(p, "\r\n"), 0
	}
	h, b, n := r.readHeader(p)
	if n == 0 {
		return h, p, 0
	}
	return h, b, n
}

// splitMultipart splits a multipart body at its boundary lines, leaving
// out the preamble and the epilogue. It reports whether the closing
// boundary was seen.
func splitMultipart(body []byte, boundary string) ([][]byte, bool) {
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1 // where the current part's content starts
	for i := 0; i < len(body); {
		end := bytes.IndexByte(body[i:], '\n')
		next := len(body)
		if end >= 0 {
			next = i + end + 1
			end += i
		} else {
			end = len(body)
		}
		line := bytes.TrimRight(body[i:end], " \t\r")
		if bytes.HasPrefix(line, delim) {
			rest := line[len(delim):]
			closing := bytes.Equal(rest, []byte("--"))
			if len(rest) == 0 || closing {
				if start >= 0 {
					// The line break before the boundary belongs to it.
					e := i
					if e > start && body[e-1] == '\n' {
						e--
						if e > start && body[e-1] == '\r' {
							e--
						}
					}
					parts = append(parts, body[start:e])
				}
				if closing {
					return parts, true
				}
				start = next
			}
		}
		i = next
	}
	if start >= 0 && start < len(body) {
		parts = append(parts, body[start:])
	}
	return parts, false
}

// decodeBody undoes the Content-Transfer-Encoding leniently: base64 with
// stray characters and missing padding, quoted-printable with bad escapes.
// What decodes before an error is kept.
func (r *emlReader) decodeBody(h message.Header, body []byte) []byte {
	switch enc := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))); enc {
	case "base64":
		clean := make([]byte, 0, len(body))
		stray := false
		for _, c := range body {
			switch {
			case c == '=' || c == '+' || c == '/' || isASCIIAlnum(c):
				clean = append(clean, c)
			case c != ' ' && c != '\t' && c != '\r' && c != '\n':
				stray = true
			}
		}
		if stray {
			r.warn("base64 body holds characters outside the alphabet: skipped")
		}
		if k := bytes.IndexByte(clean, '='); k >= 0 {
			clean = clean[:k] // padding ends the data
		}
		if len(clean)%4 == 1 {
			r.warn("base64 body has a stray final character")
			clean = clean[:len(clean)-1]
		}
		out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
		n, err := base64.RawStdEncoding.Decode(out, clean)
		if err != nil {
			r.warn("base64 body is corrupt: %v", err)
		}
		return out[:n]
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		if err != nil {
			r.warn("quoted-printable body is corrupt: %v", err)
		}
		return out
	case "", "7bit", "8bit", "binary":
		return body
	default:
		r.warn("unknown Content-Transfer-Encoding %q: read as is", truncate(enc, 40))
		return body
	}
}

// textOf decodes a text part's bytes from its charset to UTF-8. Without a
// charset, UTF-8 is assumed, then ISO-2022-JP when its escapes are there,
// then Shift_JIS.
func (r *emlReader) textOf(cs string, b []byte) string {
	cs = strings.ToLower(strings.TrimSpace(cs))
	switch cs {
	case "utf-8", "utf8", "us-ascii":
		return string(b)
	case "":
		if utf8.Valid(b) {
			if bytes.Contains(b, []byte("\x1b$B")) || bytes.Contains(b, []byte("\x1b$@")) {
				if s, ok := convert("iso-2022-jp", b); ok {
					return s
				}
			}
			return string(b)
		}
		if s, ok := convert("shift_jis", b); ok {
			return s
		}
		return string(b)
	}
	s, ok := convert(cs, b)
	if !ok {
		r.warn("unknown charset %q: read as UTF-8", truncate(cs, 40))
		return string(b)
	}
	return s
}

// attachment records an attachment's hashes.
func (r *emlReader) attachment(filename, mt string, data []byte) {
	s := sha256.Sum256(data)
	m := md5.Sum(data)
	a := Attachment{
		Filename:    filename,
		ContentType: mt,
		Size:        len(data),
		SHA256:      hex.EncodeToString(s[:]),
		MD5:         hex.EncodeToString(m[:]),
	}
	r.ev.Attachments = append(r.ev.Attachments, a)
	r.add(SHA256, a.SHA256)
	r.add(MD5, a.MD5)
}

// html reads an HTML part: the targets of its links and the observables of
// its text (scripts and styles left out).
func (r *emlReader) html(doc string) {
	z := html.NewTokenizer(strings.NewReader(doc))
	var text strings.Builder
	var linkText strings.Builder
	inLink := -1 // index in Links of the open <a>, or -1
	skip := 0    // inside <script> or <style>
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			r.flushText(&text)
			return
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := string(z.Text())
			text.WriteString(t)
			if inLink >= 0 {
				linkText.WriteString(t)
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			if tt == html.EndTagToken {
				switch tag {
				case "script", "style":
					if skip > 0 {
						skip--
					}
				case "a":
					if inLink >= 0 {
						r.setLinkText(inLink, linkText.String())
						inLink = -1
					}
				}
				text.WriteByte(' ')
				continue
			}
			if tag == "script" || tag == "style" {
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			text.WriteByte(' ')
			var target string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch key := string(k); {
				case key == "href" && (tag == "a" || tag == "area"),
					key == "action" && tag == "form",
					key == "src" && tag == "iframe":
					target = string(v)
				}
			}
			if target == "" {
				continue
			}
			// Text before the link is read on its own, so that the order
			// of observables follows the document.
			r.flushText(&text)
			k := r.link(target)
			if tag == "a" && tt == html.StartTagToken {
				if inLink >= 0 {
					r.setLinkText(inLink, linkText.String())
				}
				inLink = k
				linkText.Reset()
			}
		}
	}
}

// flushText adds the observables of the text gathered so far.
func (r *emlReader) flushText(b *strings.Builder) {
	if b.Len() > 0 {
		r.text(b.String())
		b.Reset()
	}
}

// link records a link target; it returns its index in Links, or -1 when
// it is not a URL koban reads. mailto: and tel: targets give an e-mail
// address or a phone number instead.
func (r *emlReader) link(target string) int {
	target = strings.TrimSpace(html.UnescapeString(target))
	switch {
	case hasPrefixFold(target, "mailto:"):
		addr := target[len("mailto:"):]
		if q := strings.IndexByte(addr, '?'); q >= 0 {
			addr = addr[:q]
		}
		if e, err := Normalize(Email, addr); err == nil {
			r.add(Email, e)
			r.add(Domain, e[strings.LastIndexByte(e, '@')+1:])
		}
		return -1
	case hasPrefixFold(target, "tel:"):
		if p, err := Normalize(Phone, target[len("tel:"):]); err == nil {
			r.add(Phone, p)
		}
		return -1
	}
	u, err := Normalize(URL, target)
	if err != nil {
		return -1
	}
	// The URL, its host, the account of a profile link, and what Extract
	// finds in it besides (hashes, wallets).
	r.add(URL, u)
	if ht, h := urlHost(u); h != "" {
		r.add(ht, h)
	}
	if ty, h, ok := socialFromURL(u); ok {
		r.add(ty, h)
	}
	for _, o := range Extract(u) {
		if o.Type != URL {
			r.add(o.Type, o.Value)
		}
	}
	if r.links == nil {
		r.links = make(map[string]bool)
	}
	if r.links[u] {
		for i, l := range r.ev.Links {
			if l.URL == u {
				return i
			}
		}
	}
	r.links[u] = true
	r.ev.Links = append(r.ev.Links, Link{URL: u})
	return len(r.ev.Links) - 1
}

// setLinkText records a link's text and whether it names another site.
func (r *emlReader) setLinkText(i int, text string) {
	if i < 0 || i >= len(r.ev.Links) {
		return
	}
	text = strings.Join(strings.Fields(text), " ")
	l := &r.ev.Links[i]
	if l.Text != "" || text == "" {
		return
	}
	l.Text = truncate(text, 200)
	shown := ""
	for _, o := range Extract(text) {
		if o.Type == URL {
			continue // its host follows it
		}
		if o.Type == Domain || o.Type == IPv4 || o.Type == IPv6 {
			shown = o.Value
			break
		}
	}
	if shown == "" {
		return
	}
	_, target := urlHost(l.URL)
	l.Deceptive = siteOf(shown) != siteOf(target)
}

// urlHost returns the host of a canonical URL and its type.
func urlHost(u string) (Type, string) {
	sep := strings.Index(u, "://")
	if sep <= 0 {
		return "", ""
	}
	m, ok := parseURL(u, 0, sep, nil)
	if !ok {
		return "", ""
	}
	return m.hostType, m.host
}

// siteOf returns the registrable domain of a host (or the address itself).
func siteOf(host string) string {
	if s, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return s
	}
	return host
}

// asciiLower lower-cases ASCII letters only, keeping every byte offset.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
