package inventory

import (
	"fmt"
	"strings"

	"github.com/package-url/packageurl-go"
)

// canonicalPURL parses a package URL and returns its canonical string. A
// purl whose canonical form does not read back as itself is refused, so
// that every purl kept is a fixed point and compares as a string.
func canonicalPURL(s string) (string, error) {
	p, err := packageurl.FromString(s)
	if err != nil {
		return "", fmt.Errorf("the purl %q does not parse: %v", s, err)
	}
	canon := p.ToString()
	again, err := packageurl.FromString(canon)
	if err != nil || again.ToString() != canon {
		return "", fmt.Errorf("the purl %q has no stable canonical form", s)
	}
	return canon, nil
}

// CPECandidate guesses the CPE vendor and product of a purl-only asset,
// lower case, or two empty strings when the purl does not parse. It is a
// guess from naming habits (a Maven group's organisation, an npm scope, a Go
// module's owner), good only for the low-confidence "vendor-product only"
// match of match.MatchVendorProduct, never for a version-range match:
//
//	pkg:maven/org.apache.logging.log4j/log4j-core → apache, log4j
//	pkg:npm/lodash                               → lodash, lodash
//	pkg:golang/github.com/gin-gonic/gin          → gin-gonic, gin
func CPECandidate(purl string) (vendor, product string) {
	p, err := packageurl.FromString(purl)
	if err != nil {
		return "", ""
	}
	ns := strings.ToLower(strings.Trim(p.Namespace, "/"))
	name := strings.ToLower(p.Name)
	switch p.Type {
	case "maven":
		return mavenVendor(ns, name), mavenProduct(ns, name)
	case "npm":
		if scope := strings.TrimPrefix(ns, "@"); scope != "" {
			return scope, name
		}
		return name, name
	case "golang":
		if v := moduleOwner(ns); v != "" {
			return v, name
		}
		return name, name
	case "github", "gitlab", "bitbucket", "composer", "generic":
		if ns != "" {
			return lastSegment(ns), name
		}
		return name, name
	}
	// Distribution packages (deb, rpm, apk) carry the distribution as their
	// namespace, not the upstream vendor; registries without namespaces
	// (pypi, gem, cargo, nuget) name the project once. NVD most often names
	// such a project after itself.
	return name, name
}

// reverseDomainTops are the first labels of Maven groups written as reversed
// domain names ("org.apache…"), after which the organisation follows.
var reverseDomainTops = map[string]bool{
	"org": true, "com": true, "net": true, "io": true, "de": true, "jp": true,
	"uk": true, "fr": true, "nl": true, "ch": true, "eu": true, "dev": true,
}

func mavenVendor(group, artifact string) string {
	labels := strings.Split(group, ".")
	switch {
	case group == "":
		return artifact
	case len(labels) >= 2 && reverseDomainTops[labels[0]]:
		return labels[1]
	}
	return labels[0]
}

// artifactSuffixes are the module parts a Maven project splits into; NVD
// names the project, not the part (log4j-core is log4j).
var artifactSuffixes = []string{"-core", "-api", "-impl", "-common", "-commons", "-all", "-parent"}

func mavenProduct(group, artifact string) string {
	for _, s := range artifactSuffixes {
		if base, ok := strings.CutSuffix(artifact, s); ok && base != "" {
			return base
		}
	}
	return artifact
}

// moduleOwner is the organisation in a Go module path: the owner on a code
// host (github.com/gin-gonic), else the domain's own label (golang.org/x).
func moduleOwner(ns string) string {
	segs := strings.Split(ns, "/")
	switch segs[0] {
	case "github.com", "gitlab.com", "bitbucket.org", "codeberg.org":
		if len(segs) >= 2 {
			return segs[1]
		}
		return ""
	}
	labels := strings.Split(segs[0], ".")
	if len(labels) >= 2 {
		return labels[len(labels)-2]
	}
	return labels[0]
}

func lastSegment(s string) string {
	return s[strings.LastIndexByte(s, '/')+1:]
}
