package patrol

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"time"
)

// Robots is a parsed robots.txt (RFC 9309) as it applies to one crawler.
type Robots struct {
	rules []robotsRule
	// CrawlDelay is the group's Crawl-delay (not in RFC 9309, widely
	// written); 0 when it says none.
	CrawlDelay time.Duration
	// disallowAll answers every path with "no" (robots.txt unreachable: a
	// 5xx or a time-out, RFC 9309 2.3.1.4).
	disallowAll bool
}

type robotsRule struct {
	allow   bool
	pattern string
}

// MaxRobots is how much of a robots.txt is read (RFC 9309 2.5: at least
// 500 KiB); the rest is ignored.
const MaxRobots = 500 << 10

// AllowAll is the robots of a site whose robots.txt is missing (a 4xx):
// everything may be crawled.
func AllowAll() *Robots { return &Robots{} }

// DisallowAll is the robots of a site whose robots.txt could not be read (a
// 5xx, a time-out, a refused connection): nothing is crawled until it can.
func DisallowAll() *Robots { return &Robots{disallowAll: true} }

// ParseRobots reads a robots.txt for the crawler whose product token is
// agent ("koban"): the groups naming it (matched without regard to case),
// else the "*" groups, else none (everything allowed). Lines it does not
// understand are ignored, as the RFC asks.
func ParseRobots(body []byte, agent string) *Robots {
	if len(body) > MaxRobots {
		body = body[:MaxRobots]
	}
	agent = strings.ToLower(agent)
	type group struct {
		agents []string
		rules  []robotsRule
		delay  time.Duration
	}
	var groups []*group
	var cur *group
	inAgents := false // the previous line was a user-agent line
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 4096), MaxRobots+1)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key, value = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(value)
		switch key {
		case "user-agent":
			if !inAgents || cur == nil {
				cur = &group{}
				groups = append(groups, cur)
			}
			cur.agents = append(cur.agents, strings.ToLower(value))
			inAgents = true
		case "allow", "disallow":
			inAgents = false
			if cur == nil {
				continue // rules before any user-agent line belong to nobody
			}
			if value == "" {
				continue // "Disallow:" with nothing allows everything: no rule
			}
			cur.rules = append(cur.rules, robotsRule{allow: key == "allow", pattern: value})
		case "crawl-delay":
			inAgents = false
			if cur == nil {
				continue
			}
			if f, err := strconv.ParseFloat(value, 64); err == nil && f > 0 && f < 86400 {
				cur.delay = time.Duration(f * float64(time.Second))
			}
		default:
			inAgents = false // sitemap and other records end a run of user-agent lines
		}
	}
	r := &Robots{}
	pick := func(match func(a string) bool) bool {
		found := false
		for _, g := range groups {
			for _, a := range g.agents {
				if match(a) {
					r.rules = append(r.rules, g.rules...)
					r.CrawlDelay = max(r.CrawlDelay, g.delay)
					found = true
					break
				}
			}
		}
		return found
	}
	if !pick(func(a string) bool { return a == agent }) {
		pick(func(a string) bool { return a == "*" })
	}
	return r
}

// Allowed reports whether the path (with its query, as the URL writes it)
// may be crawled: the longest matching rule decides, allow winning a tie;
// no matching rule allows. /robots.txt itself is always allowed.
func (r *Robots) Allowed(path string) bool {
	if path == "/robots.txt" {
		return true
	}
	if r.disallowAll {
		return false
	}
	if path == "" {
		path = "/"
	}
	best, allow := -1, true
	for _, rule := range r.rules {
		if !robotsMatch(rule.pattern, path) {
			continue
		}
		n := len(rule.pattern)
		if n > best || (n == best && rule.allow) {
			best, allow = n, rule.allow
		}
	}
	return allow
}

// robotsMatch matches a robots.txt path pattern: "*" is any run of
// characters, a final "$" anchors the end, anything else is literal and
// the pattern is matched from the start of the path.
func robotsMatch(pattern, path string) bool {
	anchored := strings.HasSuffix(pattern, "$")
	if anchored {
		pattern = pattern[:len(pattern)-1]
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(path, parts[0]) {
		return false
	}
	rest := path[len(parts[0]):]
	for i, part := range parts[1:] {
		last := i == len(parts)-2
		if last && anchored {
			return strings.HasSuffix(rest, part)
		}
		j := strings.Index(rest, part)
		if j < 0 {
			return false
		}
		rest = rest[j+len(part):]
	}
	return !anchored || rest == ""
}
