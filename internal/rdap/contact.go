package rdap

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

// Sources of a contact.
const (
	SourceRDAP  = "rdap"
	SourceWhois = "whois"
)

// Bases: the rule that found a contact, strongest first.
const (
	BasisAbuse     = "abuse"     // an entity with the role "abuse" (RDAP), or a WHOIS abuse field
	BasisRemark    = "remark"    // an address named in a remark's prose
	BasisRegistrar = "registrar" // a domain's registrar, which has no abuse entity of its own
	BasisContact   = "contact"   // WHOIS: the registrant's or network's contact address
	BasisReferral  = "referral"  // no address here: ask the WHOIS server in Referral
)

// Contact is where to send an abuse report.
type Contact struct {
	Email  string   // the address to write to; empty for a referral or a phone-only abuse entity
	Emails []string // every address of the same entity or remark, Email first
	Phone  string
	Name   string // the entity's full name (vCard fn), or the WHOIS organisation
	Handle string // the entity's (or WHOIS contact's) handle
	Source string // SourceRDAP or SourceWhois
	Basis  string // which rule found it (Basis*)
	// Path is the chain of entities from the top of the answer to the one
	// that holds the contact, by handle ("[role]" for one without). Empty
	// when the contact is in the top-level object's remarks.
	Path []string
	// Server is the host that answered (RDAP or WHOIS).
	Server string
	// Referral is the WHOIS server to ask next when Basis is BasisReferral.
	Referral string
}

// Limits on walking an answer: deeper nesting or more entities than this
// are not read (real answers nest three levels and hold a few dozen).
const (
	maxDepth    = 16
	maxEntities = 2000
)

// object is the part of an RDAP answer (RFC 9083) koban reads. Every field
// is decoded leniently: a server that sends a string where a list belongs,
// or junk in a field koban does not need, still has its contacts read.
type object struct {
	ClassName   string
	Handle      string
	Roles       []string
	VCard       json.RawMessage
	Entities    []object
	Remarks     []remark
	Notices     []remark
	ErrorCode   int
	IsError     bool
	Title       string
	Description []string
}

type remark struct {
	Title       string
	Description []string
}

func (o *object) UnmarshalJSON(data []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	o.ClassName = lenientString(m["objectClassName"])
	o.Handle = lenientString(m["handle"])
	o.Roles = lenientStrings(m["roles"])
	o.VCard = m["vcardArray"]
	o.Title = lenientString(m["title"])
	o.Description = lenientStrings(m["description"])
	if raw, ok := m["errorCode"]; ok {
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			if v, err := n.Int64(); err == nil {
				o.ErrorCode, o.IsError = int(v), true
			}
		}
	}
	var entities []json.RawMessage
	if json.Unmarshal(m["entities"], &entities) == nil {
		for _, raw := range entities {
			var e object
			if json.Unmarshal(raw, &e) == nil {
				o.Entities = append(o.Entities, e)
			}
		}
	}
	o.Remarks = lenientRemarks(m["remarks"])
	o.Notices = lenientRemarks(m["notices"])
	return nil
}

func lenientString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// lenientStrings reads a list of strings, or one string as a list of one;
// anything in the list that is not a string is skipped.
func lenientStrings(raw json.RawMessage) []string {
	if s := lenientString(raw); s != "" {
		return []string{s}
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	var out []string
	for _, r := range list {
		if s := lenientString(r); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func lenientRemarks(raw json.RawMessage) []remark {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	var out []remark
	for _, r := range list {
		var m map[string]json.RawMessage
		if json.Unmarshal(r, &m) != nil {
			continue
		}
		out = append(out, remark{Title: lenientString(m["title"]), Description: lenientStrings(m["description"])})
	}
	return out
}

// card is what koban reads from an entity's jCard (RFC 7095).
type card struct {
	name   string
	emails []string
	phones []string // voice numbers first, fax numbers never
}

func readCard(raw json.RawMessage) card {
	var c card
	var top []json.RawMessage
	if json.Unmarshal(raw, &top) != nil || len(top) < 2 {
		return c
	}
	var props [][]json.RawMessage
	if json.Unmarshal(top[1], &props) != nil {
		// One broken property should not hide the others: read them one
		// by one.
		var loose []json.RawMessage
		if json.Unmarshal(top[1], &loose) != nil {
			return c
		}
		for _, p := range loose {
			var prop []json.RawMessage
			if json.Unmarshal(p, &prop) == nil {
				props = append(props, prop)
			}
		}
	}
	var voice, other []string
	for _, p := range props {
		if len(p) < 4 {
			continue
		}
		name := strings.ToLower(lenientString(p[0]))
		values := propValues(p[3:])
		switch name {
		case "fn":
			if c.name == "" && len(values) > 0 {
				c.name = values[0]
			}
		case "email":
			for _, v := range values {
				if isEmail(v) {
					c.emails = appendUnique(c.emails, v)
				}
			}
		case "tel":
			types := strings.ToLower(strings.Join(paramTypes(p[1]), ","))
			if strings.Contains(types, "fax") && !strings.Contains(types, "voice") {
				continue
			}
			for _, v := range values {
				v = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(v, "tel:"), "TEL:"))
				if v == "" {
					continue
				}
				if strings.Contains(types, "voice") {
					voice = appendUnique(voice, v)
				} else {
					other = appendUnique(other, v)
				}
			}
		}
	}
	c.phones = append(voice, other...)
	return c
}

// propValues returns the string values of a jCard property (a property
// may carry several, or a structured list).
func propValues(raws []json.RawMessage) []string {
	var out []string
	for _, r := range raws {
		if s := strings.TrimSpace(lenientString(r)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// paramTypes returns a property's "type" parameter, a string or a list.
func paramTypes(raw json.RawMessage) []string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return lenientStrings(m["type"])
}

func appendUnique(list []string, v string) []string {
	for _, have := range list {
		if strings.EqualFold(have, v) {
			return list
		}
	}
	return append(list, v)
}

var emailRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+`)

func isEmail(s string) bool {
	m := emailRE.FindString(s)
	return m != "" && len(m) == len(s)
}

// emailsIn returns the addresses named in prose, trimmed of the
// punctuation that ends a sentence.
func emailsIn(s string) []string {
	var out []string
	for _, m := range emailRE.FindAllString(s, -1) {
		out = appendUnique(out, strings.TrimRight(m, "."))
	}
	return out
}

func hasRole(o *object, role string) bool {
	for _, r := range o.Roles {
		if strings.EqualFold(strings.TrimSpace(r), role) {
			return true
		}
	}
	return false
}

func pathName(o *object) string {
	if o.Handle != "" {
		return o.Handle
	}
	if len(o.Roles) > 0 {
		return "[" + strings.Join(o.Roles, ",") + "]"
	}
	return "[entity]"
}

// visited is one entity met in the walk, with the chain that leads to it.
type visited struct {
	obj   *object
	path  []string
	depth int
}

// walk lists the entities below o breadth first, so that a shallower
// entity comes before a deeper one and, at one depth, the answer's order
// is kept.
func walk(o *object) []visited {
	var out []visited
	queue := []visited{{obj: o}}
	for len(queue) > 0 && len(out) < maxEntities {
		v := queue[0]
		queue = queue[1:]
		if v.depth >= maxDepth {
			continue
		}
		for i := range v.obj.Entities {
			e := &v.obj.Entities[i]
			path := append(append([]string(nil), v.path...), pathName(e))
			child := visited{obj: e, path: path, depth: v.depth + 1}
			out = append(out, child)
			queue = append(queue, child)
		}
	}
	return out
}

// referrals are remarks that send the reader to another WHOIS for the
// contacts, and the server each names. APNIC's records of JPNIC blocks say
// "look up JPNIC Whois" (and name whois.nic.ad.jp).
var referrals = []struct {
	re     *regexp.Regexp
	server string
}{
	{regexp.MustCompile(`(?i)\bwhois\.nic\.ad\.jp\b|\bJPNIC\s+whois\b`), "whois.nic.ad.jp"},
}

// ExtractContact reads an RDAP answer (the body server sent for query) and
// returns its abuse contact by the rules in the package comment. An RDAP
// error document gives a *ServerError; an answer with no contact (a help
// document among them) a *NoContactError; one that is not a JSON object a
// *MalformedError.
func ExtractContact(body []byte, server, query string) (Contact, error) {
	var top object
	if err := json.Unmarshal(bytes.TrimSpace(body), &top); err != nil {
		return Contact{}, &MalformedError{Server: server, Detail: "not an RDAP JSON object: " + err.Error()}
	}
	if top.IsError {
		title := top.Title
		if title == "" && len(top.Description) > 0 {
			title = top.Description[0]
		}
		return Contact{}, &ServerError{Server: server, Status: top.ErrorCode, Title: title}
	}
	entities := walk(&top)
	base := Contact{Source: SourceRDAP, Server: server}

	// 1. An abuse entity with an address, the shallowest first.
	var phoneOnly *Contact
	for _, v := range entities {
		if !hasRole(v.obj, "abuse") {
			continue
		}
		c := fromEntity(base, v, BasisAbuse)
		if c.Email != "" {
			return c, nil
		}
		if c.Phone != "" && phoneOnly == nil {
			phoneOnly = &c
		}
	}

	// 2. An address a remark names for abuse reports.
	holders := append([]visited{{obj: &top}}, entities...)
	for _, v := range holders {
		for _, r := range v.obj.Remarks {
			if emails := abuseEmails(r); len(emails) > 0 {
				c := base
				c.Basis, c.Email, c.Emails, c.Path = BasisRemark, emails[0], emails, v.path
				c.Handle = v.obj.Handle
				return c, nil
			}
		}
	}
	for _, r := range top.Notices {
		if emails := abuseEmails(r); len(emails) > 0 {
			c := base
			c.Basis, c.Email, c.Emails = BasisRemark, emails[0], emails
			c.Handle = top.Handle
			return c, nil
		}
	}

	// 3. A domain's registrar.
	if strings.EqualFold(top.ClassName, "domain") {
		for _, v := range entities {
			if hasRole(v.obj, "registrar") {
				if c := fromEntity(base, v, BasisRegistrar); c.Email != "" {
					return c, nil
				}
			}
		}
	}

	// 4. A referral to another WHOIS.
	for _, v := range holders {
		for _, r := range append(append([]remark(nil), v.obj.Remarks...), v.obj.Notices...) {
			text := r.Title + "\n" + strings.Join(r.Description, "\n")
			for _, ref := range referrals {
				if ref.re.MatchString(text) {
					c := base
					c.Basis, c.Referral, c.Path, c.Handle = BasisReferral, ref.server, v.path, v.obj.Handle
					return c, nil
				}
			}
		}
	}

	// 5. An abuse entity with a telephone number only.
	if phoneOnly != nil {
		return *phoneOnly, nil
	}
	return Contact{}, &NoContactError{Server: server, Query: query}
}

func fromEntity(base Contact, v visited, basis string) Contact {
	card := readCard(v.obj.VCard)
	c := base
	c.Basis, c.Name, c.Handle, c.Path = basis, card.name, v.obj.Handle, v.path
	c.Emails = card.emails
	if len(card.emails) > 0 {
		c.Email = card.emails[0]
	}
	if len(card.phones) > 0 {
		c.Phone = card.phones[0]
	}
	return c
}

// abuseEmails returns the addresses a remark names for abuse: those on a
// line that speaks of abuse, or every address of a remark whose title
// does. A remark that never says "abuse" names none, whatever addresses
// it holds (a maintainer's, a registry's help desk).
func abuseEmails(r remark) []string {
	titleAbuse := strings.Contains(strings.ToLower(r.Title), "abuse")
	var onAbuseLines, all []string
	for i, line := range r.Description {
		found := emailsIn(line)
		for _, e := range found {
			all = appendUnique(all, e)
		}
		if len(found) == 0 {
			continue
		}
		// "For abuse reports, write to" may end one line and the address
		// start the next.
		if strings.Contains(strings.ToLower(line), "abuse") || (i > 0 && strings.Contains(strings.ToLower(r.Description[i-1]), "abuse")) {
			for _, e := range found {
				onAbuseLines = appendUnique(onAbuseLines, e)
			}
		}
	}
	if len(onAbuseLines) > 0 {
		return onAbuseLines
	}
	if titleAbuse {
		return all
	}
	return nil
}
