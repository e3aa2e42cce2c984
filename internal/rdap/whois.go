package rdap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

// whoisEnglish are the servers that answer in Japanese unless the query
// ends in "/e" (JPRS and JPNIC both say so in their banners).
var whoisEnglish = map[string]bool{"whois.jprs.jp": true, "whois.nic.ad.jp": true}

// Whois asks a WHOIS server (RFC 3912) one query, through the cache and the
// server's rate limit, and returns its answer as UTF-8 text. JPRS and
// JPNIC are asked for English output ("/e" is added).
func (c *Client) Whois(ctx context.Context, server, query string) (Answer, error) {
	if c.opts.Dial == nil {
		return Answer{}, &NoServerError{Query: query}
	}
	server = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(server), "."))
	if whoisEnglish[server] && !strings.HasSuffix(query, "/e") {
		query += "/e"
	}
	if strings.ContainsAny(query, "\r\n") || server == "" {
		return Answer{}, &QueryError{Query: query}
	}
	key := "whois " + server + " " + query
	if a, ok := c.cache.get(key, c.opts.Clock.Now()); ok {
		a.Cached = true
		return a, nil
	}
	if err := c.hosts.take(ctx, server, c.opts.Clock.Now, c.opts.MaxWait, c.opts.Sleep); err != nil {
		return Answer{}, err
	}
	raw, err := c.whoisExchange(ctx, server, query)
	if err != nil {
		return Answer{}, err
	}
	a := Answer{Query: query, Server: server, Body: []byte(decodeWhois(raw)), Fetched: c.opts.Clock.Now()}
	c.cache.put(key, a, a.Fetched)
	return a, nil
}

// whoisExchange sends the query and reads the answer until the server
// closes, within the time and size limits.
func (c *Client) whoisExchange(ctx context.Context, server, query string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.WhoisTimeout)
	defer cancel()
	conn, err := c.opts.Dial(ctx, "tcp", net.JoinHostPort(server, c.opts.WhoisPort))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, &TimeoutError{Server: server, Limit: c.opts.WhoisTimeout}
		}
		return nil, fmt.Errorf("rdap: connecting to %s: %w", server, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	// Close the connection when the caller gives up, so a blocked read
	// returns.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := io.WriteString(conn, query+"\r\n"); err != nil {
		return nil, c.whoisErr(ctx, server, err)
	}
	raw, err := io.ReadAll(io.LimitReader(conn, c.opts.MaxWhois+1))
	if err != nil {
		return nil, c.whoisErr(ctx, server, err)
	}
	if int64(len(raw)) > c.opts.MaxWhois {
		return nil, &TooLargeError{Server: server, Limit: c.opts.MaxWhois}
	}
	return raw, nil
}

func (c *Client) whoisErr(ctx context.Context, server string, err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &TimeoutError{Server: server, Limit: c.opts.WhoisTimeout}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("rdap: talking to %s: %w", server, err)
}

// decodeWhois turns an answer into UTF-8: JPRS and JPNIC answer in
// ISO-2022-JP when asked without "/e", and older servers in Shift_JIS or
// EUC-JP; UTF-8 and ASCII pass unchanged.
func decodeWhois(raw []byte) string {
	if utf8.Valid(raw) && !bytes.Contains(raw, []byte("\x1b$B")) {
		return string(raw)
	}
	for _, dec := range []func() ([]byte, error){
		func() ([]byte, error) { return japanese.ISO2022JP.NewDecoder().Bytes(raw) },
		func() ([]byte, error) { return japanese.EUCJP.NewDecoder().Bytes(raw) },
		func() ([]byte, error) { return japanese.ShiftJIS.NewDecoder().Bytes(raw) },
	} {
		if out, err := dec(); err == nil && utf8.Valid(out) && !bytes.ContainsRune(out, utf8.RuneError) {
			return string(out)
		}
	}
	return strings.ToValidUTF8(string(raw), "\uFFFD")
}

// whoisFields are what koban reads from a WHOIS answer.
type whoisFields struct {
	abuse    []string // addresses an abuse field or line names
	contact  []string // addresses of the contact shown ([Email], e-mail:)
	phone    string
	name     string // the organisation, else the person
	person   string
	handle   string   // the contact handle, when the answer is a contact's
	handles  []string // contact handles to ask next: technical first
	notFound bool
}

var (
	// JPRS and JPNIC: "a. [Domain Name]   EXAMPLE.JP" or "[Email]   x@y".
	bracketLine = regexp.MustCompile(`^(?:[a-z]\.\s*)?\[([^\]\s][^\]]*)\]\s*(.*)$`)
	// RIRs and gTLD registrars: "abuse-mailbox: x@y".
	colonLine = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9 _/-]{0,40}):\s*(.*)$`)
)

func parseWhois(text string) whoisFields {
	var f whoisFields
	var tech, admin []string
	noMatch, fields := false, 0
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.TrimRight(line, "\r"))
		lower := strings.ToLower(line)
		if line == "" || strings.HasPrefix(line, "[ ") {
			continue
		}
		if strings.HasPrefix(line, "%") || strings.HasPrefix(line, "#") {
			// Comments, but RIPE writes "% Abuse contact for … is 'x@y'"
			// in one.
			if strings.Contains(lower, "abuse") {
				f.abuse = appendAll(f.abuse, emailsIn(line))
			}
			continue
		}
		if strings.HasPrefix(lower, "no match") || strings.HasPrefix(lower, "no entries found") || strings.HasPrefix(lower, "not found") {
			noMatch = true
			continue
		}
		key, value := "", ""
		if m := bracketLine.FindStringSubmatch(line); m != nil {
			key, value = m[1], strings.TrimSpace(m[2])
		} else if m := colonLine.FindStringSubmatch(line); m != nil {
			key, value = m[1], strings.TrimSpace(m[2])
		}
		k := strings.ToLower(key)
		if key != "" && value != "" {
			fields++
		}
		switch {
		case key == "":
			if strings.Contains(lower, "abuse") {
				f.abuse = appendAll(f.abuse, emailsIn(line))
			}
		case strings.Contains(k, "abuse"):
			f.abuse = appendAll(f.abuse, emailsIn(value))
		case k == "email" || k == "e-mail" || k == "電子メール" || k == "電子メイル" || k == "メールアドレス":
			f.contact = appendAll(f.contact, emailsIn(value))
		case (k == "phone" || k == "tel" || k == "電話番号") && f.phone == "":
			f.phone = value
		case (k == "organization" || k == "registrant" || k == "組織名" || k == "登録者名" || k == "org-name" || k == "orgname") && f.name == "":
			f.name = value
		case (k == "name" || k == "last, first" || k == "名前" || k == "氏名") && f.person == "":
			f.person = value
		case k == "jpnic handle" || k == "jprs handle" || k == "nic handle" || k == "jpnicハンドル":
			f.handle = value
		case k == "technical contact" || k == "技術連絡担当者":
			tech = appendAll(tech, strings.Fields(value))
		case k == "administrative contact" || k == "登録担当者" || k == "管理者連絡窓口" || k == "公開連絡窓口":
			admin = appendAll(admin, strings.Fields(value))
		}
	}
	f.handles = appendAll(tech, admin)
	// JPNIC writes "No match!!" under "More Specific Info." of an answer
	// that did match: only an answer with no field is a miss.
	f.notFound = noMatch && fields == 0
	if f.name == "" {
		f.name = f.person
	}
	return f
}

func appendAll(list, add []string) []string {
	for _, v := range add {
		list = appendUnique(list, v)
	}
	return list
}

// ParseWhois reads the abuse contact from a WHOIS answer: an abuse field
// or a line naming an abuse address first, then the contact address the
// answer shows. It returns a *NotFoundError for "No match!!" and a
// *NoContactError when no address is named.
func ParseWhois(text []byte, server, query string) (Contact, error) {
	f := parseWhois(decodeWhois(text))
	c, ok := f.contactFor(server)
	if !ok {
		if f.notFound {
			return Contact{}, &NotFoundError{Server: server, Query: query}
		}
		return Contact{}, &NoContactError{Server: server, Query: query}
	}
	return c, nil
}

func (f whoisFields) contactFor(server string) (Contact, bool) {
	c := Contact{Source: SourceWhois, Server: server, Name: f.name, Phone: f.phone, Handle: f.handle}
	switch {
	case len(f.abuse) > 0:
		c.Basis, c.Emails = BasisAbuse, f.abuse
	case len(f.contact) > 0:
		c.Basis, c.Emails = BasisContact, f.contact
	default:
		return Contact{}, false
	}
	c.Email = c.Emails[0]
	return c, true
}

// whoisContact asks server about query and, when the answer names no
// address but lists contact handles (JPRS and JPNIC show handles only),
// asks the same server about the handles in turn, technical contact first.
func (c *Client) whoisContact(ctx context.Context, server, query string) (Contact, error) {
	a, err := c.Whois(ctx, server, query)
	if err != nil {
		return Contact{}, err
	}
	f := parseWhois(string(a.Body))
	if ct, ok := f.contactFor(a.Server); ok {
		return ct, nil
	}
	if f.notFound {
		return Contact{}, &NotFoundError{Server: a.Server, Query: query}
	}
	for i, h := range f.handles {
		if i >= 2 {
			break
		}
		ha, err := c.Whois(ctx, server, h)
		if err != nil {
			return Contact{}, err
		}
		hf := parseWhois(string(ha.Body))
		if ct, ok := hf.contactFor(ha.Server); ok {
			if ct.Handle == "" {
				ct.Handle = h
			}
			ct.Path = []string{ct.Handle}
			if ct.Name == "" {
				ct.Name = f.name
			}
			return ct, nil
		}
	}
	return Contact{}, &NoContactError{Server: a.Server, Query: query}
}
