package rdap

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// AbuseContact finds where to report abuse of query: a domain name, a URL
// (its host is looked up), an IP address, or an AS number ("AS64496").
//
// Domains are asked of their registry's RDAP server, or, where there is
// none, of the WHOIS server in Options.WhoisServers (.jp: JPRS). Addresses
// and AS numbers are asked of their RIR's RDAP server; an answer that
// refers to JPNIC's WHOIS is followed there when the client has a Dialer,
// and returned as the referral when it has not.
func (c *Client) AbuseContact(ctx context.Context, query string) (Contact, error) {
	kind, value, err := classify(query)
	if err != nil {
		return Contact{}, err
	}
	switch kind {
	case "ip":
		a := netip.MustParseAddr(value)
		ans, err := c.IP(ctx, a)
		if err != nil {
			return Contact{}, err
		}
		return c.follow(ctx, ans, a.String())
	case "asn":
		n, _ := strconv.ParseUint(value, 10, 32)
		ans, err := c.ASN(ctx, uint32(n))
		if err != nil {
			return Contact{}, err
		}
		return c.follow(ctx, ans, "AS"+value)
	}
	reg, err := registeredDomain(value)
	if err != nil {
		return Contact{}, &QueryError{Query: query}
	}
	c.ensure(ctx, DNS)
	if len(c.boot.DomainServers(reg)) == 0 {
		server := c.whoisServerFor(reg)
		if server == "" || c.opts.Dial == nil {
			return Contact{}, &NoServerError{Query: reg}
		}
		return c.whoisContact(ctx, server, reg)
	}
	ans, err := c.Domain(ctx, reg)
	if err != nil {
		return Contact{}, err
	}
	return c.follow(ctx, ans, reg)
}

// follow reads the contact from an RDAP answer and follows a WHOIS
// referral when it can.
func (c *Client) follow(ctx context.Context, ans Answer, query string) (Contact, error) {
	ct, err := ExtractContact(ans.Body, ans.Server, query)
	if err != nil || ct.Basis != BasisReferral || c.opts.Dial == nil {
		return ct, err
	}
	wc, werr := c.whoisContact(ctx, ct.Referral, query)
	if werr != nil {
		var none *NoContactError
		if errors.As(werr, &none) {
			// The referral is still worth showing: the officer can look
			// at the WHOIS record by hand.
			return ct, nil
		}
		return Contact{}, werr
	}
	return wc, nil
}

// whoisServerFor returns the WHOIS server of the longest suffix of name
// that Options.WhoisServers holds.
func (c *Client) whoisServerFor(name string) string {
	for s := name; s != ""; {
		if server, ok := c.opts.WhoisServers[s]; ok {
			return server
		}
		i := strings.IndexByte(s, '.')
		if i < 0 {
			break
		}
		s = s[i+1:]
	}
	return ""
}

// classify tells what a query is: "ip", "asn" or "domain", with the value
// to look up (a URL's host, an address without brackets or zone).
func classify(query string) (kind, value string, err error) {
	q := strings.TrimSpace(query)
	if strings.Contains(q, "://") {
		u, perr := url.Parse(q)
		if perr != nil || u.Hostname() == "" {
			return "", "", &QueryError{Query: query}
		}
		q = u.Hostname()
	}
	q = strings.TrimSuffix(strings.TrimPrefix(q, "["), "]")
	if a, perr := netip.ParseAddr(q); perr == nil {
		return "ip", a.Unmap().WithZone("").String(), nil
	}
	if len(q) > 2 && strings.EqualFold(q[:2], "AS") {
		if n, perr := strconv.ParseUint(q[2:], 10, 32); perr == nil {
			return "asn", strconv.FormatUint(n, 10), nil
		}
	}
	if q == "" || strings.ContainsAny(q, " /\\@") {
		return "", "", &QueryError{Query: query}
	}
	return "domain", q, nil
}
