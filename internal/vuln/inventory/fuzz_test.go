package inventory

import (
	"bytes"
	"testing"

	"github.com/koban-project/koban/internal/vuln/cpe"
	"github.com/package-url/packageurl-go"
)

// checkAccepted is the property every reader keeps: each asset has a name,
// and a CPE or purl, each of which reads back as itself.
func checkAccepted(t *testing.T, assets []Asset, problems []Problem, err error) {
	t.Helper()
	if err != nil && (assets != nil || problems != nil) {
		t.Fatalf("an error (%v) came with %d assets and %d problems", err, len(assets), len(problems))
	}
	for _, a := range assets {
		if a.Name == "" {
			t.Fatalf("%s: accepted without a name", a.Ref)
		}
		if a.CPE == "" && a.PURL == "" {
			t.Fatalf("%s: accepted with neither CPE nor purl", a.Ref)
		}
		if a.CPE != "" {
			n, err := cpe.Parse(a.CPE)
			if err != nil || n.FS() != a.CPE {
				t.Fatalf("%s: CPE %q does not read back (%v)", a.Ref, a.CPE, err)
			}
		}
		if a.PURL != "" {
			p, err := packageurl.FromString(a.PURL)
			if err != nil || p.ToString() != a.PURL {
				t.Fatalf("%s: purl %q does not read back (%v)", a.Ref, a.PURL, err)
			}
		}
		if a.Exposure != "" && a.Exposure != Internet && a.Exposure != Internal {
			t.Fatalf("%s: exposure %q", a.Ref, a.Exposure)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add(fixture(f, "assets-en.csv"))
	f.Add(fixture(f, "assets-ja-sjis.csv"))
	f.Add([]byte("\ufeffname,purl,exposure\nx,pkg:npm/x,公開\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		assets, problems, err := ReadCSV(bytes.NewReader(data))
		checkAccepted(t, assets, problems, err)
	})
}

func FuzzReadCycloneDX(f *testing.F) {
	f.Add(fixture(f, "cyclonedx-1.5.json"))
	f.Add(fixture(f, "cyclonedx-1.4.xml"))
	f.Fuzz(func(t *testing.T, data []byte) {
		assets, problems, err := ReadCycloneDX(bytes.NewReader(data))
		checkAccepted(t, assets, problems, err)
	})
}

func FuzzReadSPDX(f *testing.F) {
	f.Add(fixture(f, "spdx-2.3.json"))
	f.Add(fixture(f, "spdx-2.2.spdx"))
	f.Fuzz(func(t *testing.T, data []byte) {
		assets, problems, err := ReadSPDX(bytes.NewReader(data))
		checkAccepted(t, assets, problems, err)
	})
}
