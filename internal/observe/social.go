package observe

import (
	"strings"
	"unicode/utf8"
)

// platform describes a social network whose accounts koban extracts.
type platform struct {
	typ Type
	// words name the platform in text, compared as written (ASCII words
	// also in upper and lower case, see platformWordAt).
	words []string
	// min and max bound the length of a handle; extra lists the characters
	// a handle may hold besides ASCII letters and digits.
	min, max int
	extra    string
	// reserved are first path segments of the platform's site that are
	// pages, not accounts.
	reserved map[string]bool
}

// platforms lists the social networks in the order the package documents
// them.
var platforms = []*platform{
	{
		typ:   X,
		words: []string{"X", "Twitter", "ツイッター", "エックス"},
		min:   1, max: 15, extra: "_",
		reserved: setOf("home", "search", "explore", "notifications", "messages", "settings", "i",
			"intent", "share", "hashtag", "login", "logout", "signup", "tos", "privacy", "compose",
			"account", "about", "download", "jobs", "lists", "bookmarks", "communities", "premium",
			"verified", "help", "rules", "oauth", "widgets", "who_to_follow", "search-advanced"),
	},
	{
		typ:   Instagram,
		words: []string{"Instagram", "インスタグラム", "インスタ", "insta"},
		min:   1, max: 30, extra: "._",
		reserved: setOf("p", "reel", "reels", "tv", "explore", "accounts", "stories", "direct",
			"about", "legal", "developer", "web", "static", "challenge", "emails", "api", "graphql",
			"oauth", "session", "privacy", "terms", "press", "help", "directory", "ar", "topics",
			"locations", "tags"),
	},
	{
		typ:   Telegram,
		words: []string{"Telegram", "テレグラム", "テレグラム"},
		min:   5, max: 32, extra: "_",
		reserved: setOf("joinchat", "s", "addstickers", "addemoji", "addtheme", "addlist", "share",
			"proxy", "socks", "c", "iv", "login", "setlanguage", "confirmphone", "bg", "invoice",
			"boost", "contact"),
	},
	{
		typ:   Line,
		words: []string{"LINE", "Line", "ライン"},
		min:   4, max: 20, extra: "._-",
	},
	{
		typ:   TikTok,
		words: []string{"TikTok", "ティックトック", "ティクトク"},
		min:   2, max: 24, extra: "._",
	},
}

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

func platformOf(t Type) *platform {
	for _, p := range platforms {
		if p.typ == t {
			return p
		}
	}
	return nil
}

// isHandleByte reports whether c may be in a handle of p.
func (p *platform) isHandleByte(c byte) bool {
	return isASCIIAlnum(c) || c != 0 && strings.IndexByte(p.extra, c) >= 0
}

// canonicalHandle checks a handle (without '@', except a LINE official
// account's) and returns it in lower case.
func (p *platform) canonicalHandle(h string) (string, bool) {
	official := false
	if p.typ == Line && strings.HasPrefix(h, "@") {
		// An official account's basic or premium ID keeps its '@': it is
		// another namespace than personal LINE IDs.
		official = true
		h = h[1:]
	}
	n := len(h)
	lo := p.min
	if official {
		lo = 2
	}
	if n < lo || n > p.max {
		return "", false
	}
	for i := 0; i < n; i++ {
		if !p.isHandleByte(h[i]) {
			return "", false
		}
	}
	switch p.typ {
	case Instagram, TikTok, Line:
		// No dot at either end and no two in a row.
		if h[0] == '.' || h[n-1] == '.' || strings.Contains(h, "..") {
			return "", false
		}
	case Telegram:
		if !('a' <= h[0]|0x20 && h[0]|0x20 <= 'z') {
			return "", false
		}
	}
	h = strings.ToLower(h)
	if official {
		h = "@" + h
	}
	return h, true
}

// socialNormalizer returns the normaliser of a platform's type: a handle,
// with or without '@', or a profile URL (with or without its scheme).
func socialNormalizer(t Type) normalizer {
	return func(v string) (string, error) {
		p := platformOf(t)
		if strings.IndexByte(v, '/') >= 0 {
			u := v
			if !strings.Contains(u, "://") {
				u = "https://" + u
			}
			if c, err := normalizeURL(u); err == nil {
				if pt, h, ok := socialFromURL(c); ok && pt == t {
					return h, nil
				}
			}
			return "", invalid(t, "not a profile URL of the platform")
		}
		h := v
		if p.typ != Line {
			h = strings.TrimPrefix(h, "@")
		}
		c, ok := p.canonicalHandle(h)
		if !ok {
			return "", invalid(t, "not a valid handle")
		}
		return c, nil
	}
}

// socialFromURL returns the account a canonical URL names: x.com or
// twitter.com/handle, instagram.com/handle, t.me, telegram.me or
// telegram.dog/handle, line.me/ti/p/~id (or /R/ti/p/~id, and @id for an
// official account), tiktok.com/@handle — each also under "www.", "m." or
// "mobile.".
func socialFromURL(u string) (Type, string, bool) {
	k := strings.Index(u, "://")
	if k < 0 {
		return "", "", false
	}
	rest := u[k+3:]
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return "", "", false
	}
	host, path := rest[:slash], rest[slash+1:]
	if strings.ContainsAny(host, "@:") {
		return "", "", false // userinfo or a port: not a profile link
	}
	return socialFromPath(host, path)
}

// socialFromPath reads the account named by the path (after its first '/')
// of a URL on host, a canonical domain.
func socialFromPath(host, path string) (Type, string, bool) {
	for _, sub := range []string{"www.", "mobile.", "m."} {
		if strings.HasPrefix(host, sub) {
			host = host[len(sub):]
			break
		}
	}
	if end := strings.IndexAny(path, "?#"); end >= 0 {
		path = path[:end]
	}
	seg := path
	if end := strings.IndexByte(seg, '/'); end >= 0 {
		seg = seg[:end]
	}
	var p *platform
	switch host {
	case "x.com", "twitter.com":
		p = platforms[0]
	case "instagram.com":
		p = platforms[1]
	case "t.me", "telegram.me", "telegram.dog":
		p = platforms[2]
	case "line.me":
		p = platforms[3]
		path = strings.TrimPrefix(path, "R/")
		if !strings.HasPrefix(path, "ti/p/") {
			return "", "", false
		}
		seg = path[len("ti/p/"):]
		if end := strings.IndexByte(seg, '/'); end >= 0 {
			seg = seg[:end]
		}
		switch {
		case strings.HasPrefix(seg, "~"):
			seg = seg[1:]
		case strings.HasPrefix(seg, "@"):
		case hasPrefixFold(seg, "%40"):
			seg = "@" + seg[3:]
		default:
			return "", "", false // a QR-code token, not an ID
		}
		h, ok := p.canonicalHandle(seg)
		return p.typ, h, ok
	case "tiktok.com":
		p = platforms[4]
		if !strings.HasPrefix(seg, "@") {
			return "", "", false
		}
		seg = seg[1:]
	default:
		return "", "", false
	}
	if p.reserved[strings.ToLower(seg)] {
		return "", "", false
	}
	h, ok := p.canonicalHandle(seg)
	return p.typ, h, ok
}

// socialURL adds the account that a URL (or a bare "host/path" in text)
// found at pos names, if any, and reports whether there was one.
func (s *scanner) socialURL(pos int, host, path string) bool {
	ty, h, ok := socialFromPath(host, path)
	if ok {
		s.add(pos, ty, h)
	}
	return ok
}

// isSocialHost reports whether a canonical domain is one socialFromPath
// reads.
func isSocialHost(d string) bool {
	switch d {
	case "x.com", "twitter.com", "instagram.com", "t.me", "telegram.me", "telegram.dog", "line.me", "tiktok.com":
		return true
	}
	for _, sub := range []string{"www.", "mobile.", "m."} {
		if strings.HasPrefix(d, sub) {
			return isSocialHost(d[len(sub):])
		}
	}
	return false
}

// connectors may stand between a platform's name and a handle: "Xの@abc",
// "LINE ID: abc", "インスタのアカウント @abc", "X(旧Twitter) @abc".
var connectors = []string{
	" ", "\t", ":", "の", "は", "が", "で", "、", ",", "(", ")", "「", "」", "【", "】", "[", "]",
	"=", "→", "ID", "アカウント", "ユーザー名", "ユーザーネーム", "公式", "旧", "現",
}

// platformWordAt reports which platform's word ends at t[k] (with nothing
// glued before it that would make it part of a longer word).
func platformWordAt(t string, k int) *platform {
	for _, p := range platforms {
		for _, w := range p.words {
			if len(w) > k {
				continue
			}
			start := k - len(w)
			got := t[start:k]
			ascii := w[0] < utf8.RuneSelf
			switch {
			case got == w:
			case ascii && len(w) > 1 && p.typ != Line && strings.EqualFold(got, w):
			default:
				continue
			}
			if start > 0 {
				if ascii && isWordByte(t[start-1]) {
					continue
				}
				if !ascii {
					if r, _ := utf8.DecodeLastRuneInString(t[:start]); isKatakana(r) {
						continue // "オンライン" is not LINE
					}
				}
			}
			return p
		}
	}
	return nil
}

func isKatakana(r rune) bool { return 0x30A1 <= r && r <= 0x30FA || r == 0x30FC }

// platformBefore looks back from t[k] over at most a few connectors for a
// platform's name.
func platformBefore(t string, k int) *platform {
	for steps := 0; steps < 8 && k > 0; steps++ {
		if p := platformWordAt(t, k); p != nil {
			return p
		}
		stripped := false
		for _, c := range connectors {
			if strings.HasSuffix(t[:k], c) {
				k -= len(c)
				stripped = true
				break
			}
		}
		if !stripped {
			return nil
		}
	}
	return nil
}

// readHandle reads the handle of p at t[i] (after the '@', if one was
// written) and returns it in canonical form and where it ends. The handle
// must be whole: not longer than the platform allows, and not followed by
// a character that would continue it or make it an address.
func (p *platform) readHandle(t string, i int, official bool) (string, int, bool) {
	j := i
	for j < len(t) && p.isHandleByte(t[j]) {
		j++
	}
	// Trailing dots and hyphens are punctuation.
	for j > i && (t[j-1] == '.' || t[j-1] == '-') {
		j--
	}
	if j < len(t) {
		c := t[j]
		if isWordByte(c) || c == '@' || (c == '.' || c == '-') && j+1 < len(t) && isASCIIAlnum(t[j+1]) {
			return "", 0, false
		}
	}
	h := t[i:j]
	if official {
		h = "@" + h
	}
	c, ok := p.canonicalHandle(h)
	return c, j, ok
}

// scanSocial finds accounts written as a handle with the platform named
// just before it: "Xの@abc", "ツイッター @abc", "インスタ @abc", "テレグラム
// @abc", "TikTok @abc", "LINE ID: abc", "LINEのID abc", "ライン ID abc". A
// bare "@abc" is not extracted. Profile URLs are read by the URL and domain
// passes (socialURL).
func scanSocial(s *scanner) {
	t := s.t
	// '@' anchors.
	for i := 0; i < len(t); {
		j := strings.IndexByte(t[i:], '@')
		if j < 0 {
			break
		}
		at := i + j
		i = at + 1
		if at > 0 && isLocalByte(t[at-1]) || s.claimed(at, claimURL, claimEmail) {
			continue
		}
		p := platformBefore(t, at)
		if p == nil {
			continue
		}
		if h, end, ok := p.readHandle(t, at+1, p.typ == Line); ok {
			s.add(at, p.typ, h)
			i = end
		}
	}
	// "ID" anchors: "LINE ID: abc".
	for i := 0; i < len(t); {
		j := strings.Index(t[i:], "ID")
		if j < 0 {
			return
		}
		id := i + j
		i = id + 2
		if id+2 < len(t) && isWordByte(t[id+2]) || s.claimed(id, claimURL, claimEmail) {
			continue
		}
		p := platformBefore(t, id)
		if p == nil {
			continue
		}
		k := id + 2
		for n := 0; n < 4 && k < len(t); n++ {
			switch {
			case t[k] == ' ' || t[k] == ':' || t[k] == '=':
				k++
			case strings.HasPrefix(t[k:], "は"):
				k += len("は")
			default:
				n = 4
			}
		}
		if k < len(t) && t[k] == '@' {
			continue // the '@' anchor has read it
		}
		if h, end, ok := p.readHandle(t, k, false); ok {
			s.add(k, p.typ, h)
			i = end
		}
	}
}
