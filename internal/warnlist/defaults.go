package warnlist

import "strings"

// Some MISP lists name places where anyone can put content: cloud and CDN
// ranges, VPN exits, hosting platforms inside the top-site rankings
// (blogspot.com, github.io, pages.dev …), dynamic DNS, URL shorteners,
// link-in-bio pages and disposable mail. A phishing site or a fraudster's
// address under them is exactly what koban must link, so these lists are
// imported switched off; an administrator may switch one on
// (`koban warninglists enable NAME`).
var offByDefault = []string{
	"akamai", "alexa", "amazon-aws", "bunny-net", "cisco_top", "cloudflare", "disposable-email", "dynamic-dns",
	"fastly", "github", "google-gcp", "icloud-private-relay", "link-in-bio", "lots-project", "majestic_million",
	"microsoft-azure", "moz-top", "oracle-oci", "ovh-cluster", "parking-domain", "public-ipfs-gateways",
	"second-level-tlds", "stackpath", "tranco", "university_domains", "url-shortener", "vpn-ipv",
}

// OffByDefault reports whether an imported list starts switched off: its
// folder or name begins with one of offByDefault's prefixes.
func OffByDefault(l List) bool {
	for _, p := range offByDefault {
		if strings.HasPrefix(l.Folder, p) {
			return true
		}
	}
	return false
}
