package match

import (
	"testing"

	"github.com/koban-project/koban/internal/vuln/cpe"
	"github.com/koban-project/koban/internal/vuln/version"
)

// FuzzMatch: any asset version against any bounds never panics, and a
// version-range Yes only ever rests on versions the scheme could read.
func FuzzMatch(f *testing.F) {
	f.Add("2.4.51", "2.4.0", "2.4.52", "apache", "http_server")
	f.Add("1.1.1j", "1.1.1", "1.1.1k", "openssl", "openssl")
	f.Add("15.2(4)m3", "", "15.2(4)m4", "cisco", "ios")
	f.Add("1:2.2-1", "", "2.3", "debian", "example")
	f.Add("8u301", "1.8.0_201", "", "oracle", "jdk")
	f.Fuzz(func(t *testing.T, v, start, end, vendor, product string) {
		if vendor == "" || product == "" {
			return
		}
		var asset cpe.Name
		asset.Attr[cpe.Part] = cpe.Value{Kind: cpe.Str, S: "a"}
		asset.Attr[cpe.Vendor] = cpe.Literal(vendor)
		asset.Attr[cpe.Product] = cpe.Literal(product)
		asset.Attr[cpe.Version] = cpe.Literal(v)
		crit := asset
		crit.Attr[cpe.Version] = cpe.Value{}
		m := CPEMatch{Vulnerable: true, Criteria: crit.FS(), VersionStartIncluding: start, VersionEndExcluding: end}
		r := Match(asset, single(m))
		if r.Matched != Yes || r.How != VersionRange {
			return
		}
		scheme := version.Guess(vendor, product, boundsAnd(m, v)...)
		for _, b := range []string{start, end} {
			if b == "" {
				continue
			}
			if _, err := version.Compare(scheme, upstream(scheme, v, b), b); err != nil {
				t.Fatalf("%q in [%q, %q) said yes under %s, but: %v", v, start, end, scheme, err)
			}
		}
	})
}
