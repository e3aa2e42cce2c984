package patrol

import (
	"testing"
	"time"
)

func TestRobots(t *testing.T) {
	body := []byte(`# a shop that keeps crawlers out of its basket
User-Agent: *
Disallow: /cart/
Disallow: /*.php$
Allow: /cart/help
Crawl-delay: 2

User-agent: BadBot
User-agent: Koban
Disallow: /private
Allow: /private/public
Disallow: /search?q=
Crawl-delay: 5.5

Sitemap: https://shop.example/sitemap.xml
user-agent: koban
disallow: /tmp$
`)
	koban := ParseRobots(body, "koban")
	other := ParseRobots(body, "otherbot")
	for _, c := range []struct {
		r    *Robots
		path string
		want bool
	}{
		// koban's own groups (both, merged; matched without regard to case),
		// not the "*" group.
		{koban, "/cart/checkout", true},
		{koban, "/private", false},
		{koban, "/private/keys", false},
		{koban, "/private/public/page", true}, // longer allow wins
		{koban, "/search?q=バイト", false},
		{koban, "/search", true},
		{koban, "/tmp", false},
		{koban, "/tmp/x", true}, // $ anchors
		{koban, "/robots.txt", true},
		// Everyone else: the "*" group.
		{other, "/cart/checkout", false},
		{other, "/cart/help", true},
		{other, "/index.php", false},
		{other, "/index.php?x=1", true},
		{other, "/", true},
		{other, "", true},
	} {
		if got := c.r.Allowed(c.path); got != c.want {
			t.Errorf("Allowed(%q) = %v, want %v", c.path, got, c.want)
		}
	}
	if koban.CrawlDelay != 5500*time.Millisecond || other.CrawlDelay != 2*time.Second {
		t.Errorf("crawl delays %v, %v", koban.CrawlDelay, other.CrawlDelay)
	}
	// Equal length: allow wins.
	tie := ParseRobots([]byte("User-agent: *\nDisallow: /page\nAllow: /page\n"), "koban")
	if !tie.Allowed("/page") {
		t.Error("a tie between allow and disallow must allow")
	}
	// An empty Disallow allows everything; no group at all allows everything.
	if !ParseRobots([]byte("User-agent: *\nDisallow:\n"), "koban").Allowed("/x") || !ParseRobots(nil, "koban").Allowed("/x") {
		t.Error("an empty robots.txt or an empty Disallow must allow")
	}
	if DisallowAll().Allowed("/") || !DisallowAll().Allowed("/robots.txt") || !AllowAll().Allowed("/anything") {
		t.Error("DisallowAll / AllowAll")
	}
}

func FuzzRobots(f *testing.F) {
	f.Add([]byte("User-agent: *\nDisallow: /a*b$\nAllow: /a\n"), "/a/b")
	f.Add([]byte("user-agent: koban\ncrawl-delay: 1e3\n"), "/")
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		r := ParseRobots(body, "koban")
		_ = r.Allowed(path)
		if r.CrawlDelay < 0 || r.CrawlDelay > 24*time.Hour {
			t.Fatalf("crawl delay %v", r.CrawlDelay)
		}
	})
}
