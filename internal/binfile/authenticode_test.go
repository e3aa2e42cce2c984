package binfile

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"hash"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// der encodes one DER value: a tag and its content.
func der(tag byte, content ...[]byte) []byte {
	c := bytes.Join(content, nil)
	b := []byte{tag}
	switch n := len(c); {
	case n < 0x80:
		b = append(b, byte(n))
	case n < 0x100:
		b = append(b, 0x81, byte(n))
	case n < 0x10000:
		b = append(b, 0x82, byte(n>>8), byte(n))
	default:
		b = append(b, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, c...)
}

func mustDER(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// testSigner is a self-signed certificate and its key.
type testSigner struct {
	cert   *x509.Certificate
	key    crypto.Signer
	noCert bool // leave the certificate out of the SignedData
}

func newTestSigner(t testing.TB, key crypto.Signer, cn string) testSigner {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(0x4b6f62616e),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"Koban Test"}},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	raw, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(raw)
	if err != nil {
		t.Fatal(err)
	}
	return testSigner{cert: cert, key: key}
}

// contiguousImageHash is the Authenticode hash of a PE without a
// certificate table whose sections follow the headers without gaps:
// everything but the CheckSum and the security directory entry.
func contiguousImageHash(t testing.TB, b []byte, h hash.Hash) []byte {
	o := peLayout(t, b)
	cs, sec := o.opt+64, o.dirs+8*4
	h.Write(b[:cs])
	h.Write(b[cs+4 : sec])
	h.Write(b[sec+8:])
	return h.Sum(nil)
}

// sign appends a certificate table to b holding an Authenticode SignedData
// that the test assembles itself: the image's SHA-256, signed attributes
// with the digest of the SpcIndirectDataContent, and the signer's
// signature over them. The file is first padded to 8 bytes, as signtool
// and osslsigncode do.
func (s testSigner) sign(t testing.TB, b []byte) []byte {
	t.Helper()
	b = append(bytes.Clone(b), make([]byte, (8-len(b)%8)%8)...)
	oidSHA256 := asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	sha256Alg := mustDER(pkix.AlgorithmIdentifier{Algorithm: oidSHA256, Parameters: asn1.NullRawValue})
	image := contiguousImageHash(t, b, sha256.New())

	spcPEImageData := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 15}
	spc := der(0x30,
		der(0x30, mustDER(spcPEImageData), der(0x30, der(0x03, []byte{0}))),
		der(0x30, sha256Alg, der(0x04, image)))
	contentDigest := sha256.Sum256(spc[len(spc)-len(mustContent(spc)):])

	attrs := bytes.Join([][]byte{
		der(0x30, mustDER(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}), der(0x31, mustDER(oidSpcIndirectData))),
		der(0x30, mustDER(oidMessageDigest), der(0x31, der(0x04, contentDigest[:]))),
	}, nil)
	attrDigest := sha256.Sum256(der(0x31, attrs))
	var sig []byte
	var sigAlg []byte
	var err error
	switch k := s.key.(type) {
	case *rsa.PrivateKey:
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, attrDigest[:])
		sigAlg = mustDER(pkix.AlgorithmIdentifier{Algorithm: oidRSAEncryption, Parameters: asn1.NullRawValue})
	case *ecdsa.PrivateKey:
		sig, err = ecdsa.SignASN1(rand.Reader, k, attrDigest[:])
		sigAlg = mustDER(pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256})
	}
	if err != nil {
		t.Fatal(err)
	}
	signerInfo := der(0x30,
		mustDER(1),
		der(0x30, s.cert.RawIssuer, mustDER(s.cert.SerialNumber)),
		sha256Alg,
		der(0xa0, attrs),
		sigAlg,
		der(0x04, sig))
	certs := der(0xa0, s.cert.Raw)
	if s.noCert {
		certs = nil
	}
	signedData := der(0x30,
		mustDER(1),
		der(0x31, sha256Alg),
		der(0x30, mustDER(oidSpcIndirectData), der(0xa0, spc)),
		certs,
		der(0x31, signerInfo))
	ci := der(0x30, mustDER(oidSignedData), der(0xa0, signedData))

	entry := binary.LittleEndian.AppendUint32(nil, uint32(8+len(ci)))
	entry = binary.LittleEndian.AppendUint16(entry, 0x0200)
	entry = binary.LittleEndian.AppendUint16(entry, 2)
	entry = append(entry, ci...)
	entry = append(entry, make([]byte, (8-len(entry)%8)%8)...)
	o := peLayout(t, b)
	binary.LittleEndian.PutUint32(b[o.dirs+8*4:], uint32(len(b)))
	binary.LittleEndian.PutUint32(b[o.dirs+8*4+4:], uint32(len(entry)))
	return append(b, entry...)
}

// mustContent is the content of a DER value, without its tag and length.
func mustContent(b []byte) []byte {
	var v asn1.RawValue
	if _, err := asn1.Unmarshal(b, &v); err != nil {
		panic(err)
	}
	return v.Bytes
}

func rsaKey(t testing.TB) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestAuthenticode(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signers := map[string]testSigner{
		"rsa":   newTestSigner(t, rsaKey(t), "Koban RSA Signer"),
		"ecdsa": newTestSigner(t, ec, "Koban ECDSA Signer"),
	}
	files := map[string][]byte{"synthetic": syntheticPE(), "synthetic with resources": withResources(t, syntheticPE())}
	if !testing.Short() {
		files["windows/amd64"] = buildSample(t, "windows/amd64")
	}
	for sname, s := range signers {
		for fname, unsigned := range files {
			t.Run(sname+" "+fname, func(t *testing.T) {
				b := s.sign(t, unsigned)
				a := parseAuthenticode(t, b)
				if !a.ImageHashMatches || !a.SignatureValid || a.Problem != "" {
					t.Fatalf("signed file: %+v", a)
				}
				if a.Signer == nil || a.Signer.CommonName != s.cert.Subject.CommonName || a.Signer.Organization != "Koban Test" ||
					a.Signer.Serial != "4b6f62616e" || !a.Signer.NotAfter.Equal(s.cert.NotAfter) {
					t.Errorf("signer %+v", a.Signer)
				}
				if len(a.Chain) != 1 || a.Chain[0].Subject != s.cert.Subject.String() {
					t.Errorf("chain %+v", a.Chain)
				}
				if a.Trust != "signed by "+s.cert.Subject.CommonName+", not checked against trust roots" {
					t.Errorf("trust %q", a.Trust)
				}
				if len(a.Certificates) != 1 || a.Certificates[0].Revision != 0x0200 || a.Certificates[0].Type != 2 {
					t.Errorf("certificate table %+v", a.Certificates)
				}
				if a.DigestAlgorithm != "sha256" || a.SignedDigest != a.ImageDigest {
					t.Errorf("digest %s %s, image %s", a.DigestAlgorithm, a.SignedDigest, a.ImageDigest)
				}

				// A byte changed in a section after signing.
				changed := bytes.Clone(b)
				p, _ := ParsePE(bytes.NewReader(b), int64(len(b)))
				changed[p.Sections[0].Offset+10] ^= 0xff
				a2 := parseAuthenticode(t, changed)
				if a2.ImageHashMatches || !a2.SignatureValid {
					t.Errorf("changed section: matches %v valid %v", a2.ImageHashMatches, a2.SignatureValid)
				}
				if !hasHint(t, changed, "signature-mismatch") {
					t.Error("no signature-mismatch hint")
				}
				// The checksum is not signed.
				o := peLayout(t, b)
				changed = bytes.Clone(b)
				changed[o.opt+64] ^= 0xff
				if a := parseAuthenticode(t, changed); !a.ImageHashMatches {
					t.Error("a changed checksum broke the image hash")
				}
				// The signature itself damaged: its last byte is inside the
				// signature (or the padding after it).
				changed = bytes.Clone(b)
				sigEnd := int(a.Certificates[0].Offset) + int(a.Certificates[0].Length)
				changed[sigEnd-3] ^= 0x55
				if a := parseAuthenticode(t, changed); a.SignatureValid || !a.ImageHashMatches {
					t.Errorf("damaged signature: valid %v matches %v (%s)", a.SignatureValid, a.ImageHashMatches, a.Problem)
				}
			})
		}
	}
}

func parseAuthenticode(t *testing.T, b []byte) *Authenticode {
	t.Helper()
	p, err := ParsePE(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Authenticode == nil {
		t.Fatal("no Authenticode")
	}
	return p.Authenticode
}

func hasHint(t *testing.T, b []byte, code string) bool {
	p, err := ParsePE(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range p.Hints {
		if h.Code == code {
			return true
		}
	}
	return false
}

func TestHostileAuthenticode(t *testing.T) {
	base := newTestSigner(t, rsaKey(t), "Koban").sign(t, syntheticPE())
	o := peLayout(t, base)
	entry := o.dirs + 8*4
	table := int(binary.LittleEndian.Uint32(base[entry:]))
	mangle := func(f func(b []byte)) []byte {
		b := bytes.Clone(base)
		f(b)
		return b
	}
	put32 := func(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
	for _, tc := range []struct {
		name    string
		b       []byte
		problem string
		valid   bool // the signature and the image hash still hold
	}{
		{"table past the end", mangle(func(b []byte) { put32(b, entry, 0x7fffff00) }), "the certificate table lies outside the file", false},
		{"table larger than the file", mangle(func(b []byte) { put32(b, entry+4, 0xffffffff) }), "the certificate table runs past the end of the file", true},
		{"entry length zero", mangle(func(b []byte) { put32(b, table, 0) }), "no PKCS#7 signature in the certificate table", false},
		{"entry length huge", mangle(func(b []byte) { put32(b, table, 0xfffffff0) }), "no PKCS#7 signature in the certificate table", false},
		{"not PKCS#7", mangle(func(b []byte) { b[table+6] = 1 }), "no PKCS#7 signature in the certificate table", false},
		{"garbage signature", mangle(func(b []byte) { copy(b[table+8:], bytes.Repeat([]byte{0x30, 0x84}, 16)) }), "the signature is no PKCS#7 ContentInfo", false},
		{"truncated in the table", base[:table+100], "the certificate table runs past the end of the file", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePE(bytes.NewReader(tc.b), int64(len(tc.b)))
			if err != nil {
				t.Fatal(err)
			}
			checkBounds(t, p)
			a := p.Authenticode
			if a == nil || a.SignatureValid != tc.valid || a.ImageHashMatches != tc.valid && tc.name != "truncated in the table" {
				t.Fatalf("%+v", a)
			}
			if !strings.Contains(a.Problem, tc.problem) || a.Problem == "" {
				t.Errorf("problem %q, want %q", a.Problem, tc.problem)
			}
		})
	}

	// The signer's certificate left out: the image hash still holds, the
	// signature cannot be checked, and the signer is named by its issuer.
	lacking := newTestSigner(t, rsaKey(t), "Koban")
	lacking.noCert = true
	a := parseAuthenticode(t, lacking.sign(t, syntheticPE()))
	if !a.ImageHashMatches || a.SignatureValid || !strings.Contains(a.Problem, "the signer's certificate is not in the signature") ||
		a.Trust != "signed by a certificate the signature lacks (issuer CN=Koban,O=Koban Test, serial 4b6f62616e), not checked against trust roots" {
		t.Errorf("without the signer's certificate: %+v", a)
	}

	// Sections that all claim the whole file make the hash give up rather
	// than read it a thousand times.
	var secs []rawRange
	for range 1000 {
		secs = append(secs, rawRange{0, int64(len(base))})
	}
	l := imageLayout{checksum: int64(o.opt + 64), securityEntry: int64(entry), sizeOfHeaders: 0x400, sections: secs}
	if err := imageHash(bytes.NewReader(base), int64(len(base)), l, sha256.New()); err == nil {
		t.Error("a thousand overlapping sections were hashed")
	}
}

// TestParseSignedDataHostile damages a SignedData byte by byte and cuts it
// at every length: the parser never panics.
func TestParseSignedDataHostile(t *testing.T) {
	s := newTestSigner(t, rsaKey(t), "Koban")
	b := s.sign(t, syntheticPE())
	a := parseAuthenticode(t, b)
	c := a.Certificates[0]
	table := b[c.Offset+8 : c.Offset+int64(c.Length)]
	for i := range table {
		d := bytes.Clone(table)
		d[i] ^= 0xa5
		parseSignedData(d)
		parseSignedData(table[:i])
	}
}

// TestOsslsigncode signs a Go build with osslsigncode and a self-signed
// certificate from openssl: the signer, the image hash and the signature
// agree with koban's reading, and a byte changed after signing is seen.
func TestOsslsigncode(t *testing.T) {
	for _, tool := range []string{"osslsigncode", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (CI installs it); TestAuthenticode checks signatures the test assembles itself", tool)
		}
	}
	dir := t.TempDir()
	key, cert := filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
		"-days", "30", "-subj", "/CN=Koban Osslsigncode Test/O=Koban Project")
	type job struct {
		name, hash string
		unsigned   []byte
	}
	jobs := []job{
		{"synthetic with resources", "sha256", withResources(t, syntheticPE())},
		{"synthetic sha1", "sha1", syntheticPE()},
	}
	if !testing.Short() {
		jobs = append(jobs, job{"windows/386", "sha256", buildSample(t, "windows/386")},
			job{"windows/amd64 with resources", "sha256", withResources(t, buildSample(t, "windows/amd64"))})
	}
	for _, j := range jobs {
		t.Run(j.name, func(t *testing.T) {
			in, out := filepath.Join(t.TempDir(), "in.exe"), filepath.Join(t.TempDir(), "out.exe")
			if err := os.WriteFile(in, j.unsigned, 0o600); err != nil {
				t.Fatal(err)
			}
			run("osslsigncode", "sign", "-certs", cert, "-key", key, "-h", j.hash, "-n", "Koban", "-in", in, "-out", out)
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			a := parseAuthenticode(t, b)
			if !a.ImageHashMatches || !a.SignatureValid || a.Problem != "" || a.DigestAlgorithm != j.hash {
				t.Fatalf("signed by osslsigncode: %+v", a)
			}
			if a.Signer == nil || a.Signer.CommonName != "Koban Osslsigncode Test" || a.Signer.Organization != "Koban Project" {
				t.Errorf("signer %+v", a.Signer)
			}
			p, _ := ParsePE(bytes.NewReader(b), int64(len(b)))
			changed := bytes.Clone(b)
			changed[p.Sections[len(p.Sections)-1].Offset] ^= 1
			if a := parseAuthenticode(t, changed); a.ImageHashMatches {
				t.Error("a byte changed in the last section left the image hash matching")
			}
			// osslsigncode's own verdict on the image hash agrees.
			cmd := exec.Command("osslsigncode", "verify", "-in", out)
			msg, _ := cmd.CombinedOutput()
			if !bytes.Contains(msg, []byte("Calculated message digest : "+strings.ToUpper(a.ImageDigest))) {
				t.Errorf("osslsigncode verify does not show koban's image digest %s:\n%s", a.ImageDigest, msg)
			}
		})
	}
}
