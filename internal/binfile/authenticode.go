package binfile

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"sort"
	"time"

	_ "crypto/md5" // registered for crypto.Hash.New
	_ "crypto/sha1"
	_ "crypto/sha256"
	_ "crypto/sha512"
)

// Caps on the certificate table.
const (
	maxCertTable        = 8 << 20 // bytes read of the certificate table
	maxWinCertificates  = 16
	maxSignedDataCerts  = 64
	maxSignedAttributes = 64
)

// Authenticode is what a PE's certificate table (the security data
// directory) holds and what koban made of its first PKCS#7 signature. The
// chain is never checked against trust roots: SignatureValid says the
// signer's key signed this digest, not that the signer is who it claims.
type Authenticode struct {
	Certificates     []WinCertificate
	DigestAlgorithm  string // "sha256", "sha1", … of SpcIndirectDataContent
	SignedDigest     string // hex: the image hash the signer signed
	ImageDigest      string // hex: the image hash koban computed with the same algorithm
	ImageHashMatches bool   // the file is as signed: a file changed after signing fails
	SignatureValid   bool   // the signed attributes carry the content's digest and the signer certificate's key verifies them
	Signer           *CertificateInfo
	Chain            []CertificateInfo // every certificate the signature carries, in its order
	Trust            string            // "signed by X, not checked against trust roots"
	Problem          string            // why part of the signature could not be read or checked, "; " between reasons; "" when none
}

func (a *Authenticode) note(problem string) {
	if a.Problem != "" {
		a.Problem += "; "
	}
	a.Problem += problem
}

// WinCertificate is one entry of the certificate table.
type WinCertificate struct {
	Offset   int64 // in the file
	Length   uint32
	Revision uint16 // 0x0200 for WIN_CERT_REVISION_2_0
	Type     uint16 // 2 for WIN_CERT_TYPE_PKCS_SIGNED_DATA
}

// CertificateInfo is what a certificate says of its subject.
type CertificateInfo struct {
	Subject      string
	CommonName   string
	Organization string
	Issuer       string
	Serial       string // hex
	NotBefore    time.Time
	NotAfter     time.Time
}

// Object identifiers of PKCS#7 and Authenticode.
var (
	oidSignedData      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidSpcIndirectData = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 4}
	oidMessageDigest   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidRSAEncryption   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA1WithRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA384WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	digestAlgorithms   = []struct {
		oid  asn1.ObjectIdentifier
		name string
		hash crypto.Hash
	}{
		{asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}, "md5", crypto.MD5},
		{asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, "sha1", crypto.SHA1},
		{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}, "sha256", crypto.SHA256},
		{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}, "sha384", crypto.SHA384},
		{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}, "sha512", crypto.SHA512},
	}
)

func digestByOID(oid asn1.ObjectIdentifier) (string, crypto.Hash) {
	for _, d := range digestAlgorithms {
		if d.oid.Equal(oid) {
			return d.name, d.hash
		}
	}
	return oid.String(), 0
}

// imageLayout is where the parts of a PE that the Authenticode hash skips
// or walks lie.
type imageLayout struct {
	checksum      int64 // offset of the optional header's CheckSum
	securityEntry int64 // offset of data directory 4
	sizeOfHeaders int64
	sections      []rawRange
	certOffset    int64 // the certificate table, 0 when none
	certSize      int64
}

// rawRange is a section's raw data in the file.
type rawRange struct{ offset, size int64 }

// authenticode reads the certificate table and checks its first PKCS#7
// signature against the file.
func authenticode(r io.ReaderAt, size int64, l imageLayout) *Authenticode {
	a := &Authenticode{}
	if l.certOffset <= 0 || l.certSize <= 0 || l.certOffset >= size {
		a.note("the certificate table lies outside the file")
		return a
	}
	if l.certSize > size-l.certOffset {
		a.note("the certificate table runs past the end of the file")
	}
	n := min(l.certSize, size-l.certOffset, maxCertTable)
	table := make([]byte, n)
	if _, err := r.ReadAt(table, l.certOffset); err != nil {
		a.note("the certificate table cannot be read")
		return a
	}
	var signed []byte
	for off := 0; off+8 <= len(table) && len(a.Certificates) < maxWinCertificates; {
		c := WinCertificate{Offset: l.certOffset + int64(off), Length: le32(table[off:]), Revision: le16(table[off+4:]), Type: le16(table[off+6:])}
		a.Certificates = append(a.Certificates, c)
		if c.Length < 8 || int(c.Length) > len(table)-off {
			break
		}
		if c.Type == 2 && signed == nil {
			signed = table[off+8 : off+int(c.Length)]
		}
		off += align8(int(c.Length))
	}
	if signed == nil {
		a.note("no PKCS#7 signature in the certificate table")
		return a
	}
	sig, err := parseSignedData(signed)
	if err != nil {
		a.note(err.Error())
		return a
	}
	a.DigestAlgorithm, a.SignedDigest, a.Chain, a.Signer = sig.digestName, hex.EncodeToString(sig.imageDigest), sig.chain, sig.signer
	if a.Signer != nil {
		name := a.Signer.CommonName
		if name == "" {
			name = a.Signer.Subject
		}
		if name == "" {
			name = fmt.Sprintf("a certificate the signature lacks (issuer %s, serial %s)", a.Signer.Issuer, a.Signer.Serial)
		}
		a.Trust = fmt.Sprintf("signed by %s, not checked against trust roots", name)
	}
	a.SignatureValid = sig.verified
	if sig.problem != "" {
		a.note(sig.problem)
	}
	if sig.digestHash != 0 {
		h := sig.digestHash.New()
		if err := imageHash(r, size, l, h); err == nil {
			sum := h.Sum(nil)
			a.ImageDigest = hex.EncodeToString(sum)
			a.ImageHashMatches = bytes.Equal(sum, sig.imageDigest)
		} else {
			a.note(err.Error())
		}
	}
	return a
}

func align8(n int) int { return (n + 7) &^ 7 }

// imageHash writes to h the bytes of the file that Authenticode signs: the
// headers up to SizeOfHeaders without the CheckSum and the security
// directory entry, each section's raw data in file order, then whatever
// follows the last section but the certificate table.
func imageHash(r io.ReaderAt, size int64, l imageLayout, h hash.Hash) error {
	buf := make([]byte, 64<<10)
	put := func(from, to int64) error {
		from, to = max(from, 0), min(to, size)
		for from < to {
			chunk := buf[:min(int64(len(buf)), to-from)]
			k, err := r.ReadAt(chunk, from)
			h.Write(chunk[:k])
			from += int64(k)
			if k < len(chunk) {
				if err == nil {
					err = io.ErrUnexpectedEOF
				}
				return fmt.Errorf("hashing the image: %w", err)
			}
		}
		return nil
	}
	hdr := min(l.sizeOfHeaders, size)
	if l.checksum+4 > hdr || l.securityEntry+8 > hdr || l.securityEntry < l.checksum+4 {
		return errors.New("the headers are too short to hold the checksum and the security directory")
	}
	if err := put(0, l.checksum); err != nil {
		return err
	}
	if err := put(l.checksum+4, l.securityEntry); err != nil {
		return err
	}
	if err := put(l.securityEntry+8, hdr); err != nil {
		return err
	}
	secs := append([]rawRange(nil), l.sections...)
	sort.SliceStable(secs, func(i, j int) bool { return secs[i].offset < secs[j].offset })
	end := hdr
	budget := 4*size + 1<<20 // overlapping sections could make the hash read the file a thousand times
	for _, s := range secs {
		if s.size == 0 || s.offset >= size {
			continue
		}
		if budget -= min(s.size, size-s.offset); budget < 0 {
			return errors.New("the sections overlap too much to hash the image")
		}
		if err := put(s.offset, s.offset+s.size); err != nil {
			return err
		}
		end = max(end, min(s.offset+s.size, size))
	}
	certEnd := l.certOffset + l.certSize
	if l.certOffset > 0 && l.certOffset >= end {
		if err := put(end, l.certOffset); err != nil {
			return err
		}
		return put(certEnd, size)
	}
	return put(end, size)
}

// signedData is what parseSignedData takes from a PKCS#7 SignedData.
type signedData struct {
	digestName  string
	digestHash  crypto.Hash
	imageDigest []byte
	chain       []CertificateInfo
	signer      *CertificateInfo
	verified    bool
	problem     string // why the signature was not verified
}

// parseSignedData reads a ContentInfo holding an Authenticode SignedData:
// the SpcIndirectDataContent's image digest, the certificates, and the
// first SignerInfo, whose signature over the signed attributes it checks
// with the signer certificate's public key.
func parseSignedData(der []byte) (*signedData, error) {
	var ci struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		return nil, fmt.Errorf("the signature is no PKCS#7 ContentInfo: %v", err)
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("the signature's content type %v is not SignedData", ci.ContentType)
	}
	sd, err := unwrap(ci.Content)
	if err != nil {
		return nil, errors.New("the SignedData is malformed")
	}
	parts, err := elements(sd, 16)
	if err != nil || len(parts) < 4 {
		return nil, errors.New("the SignedData is malformed")
	}
	// version, digestAlgorithms, contentInfo, [0] certificates, [1] crls, signerInfos
	var inner struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if _, err := asn1.Unmarshal(parts[2].FullBytes, &inner); err != nil {
		return nil, errors.New("the SignedData's content is malformed")
	}
	if !inner.ContentType.Equal(oidSpcIndirectData) {
		return nil, fmt.Errorf("the signed content type %v is not SpcIndirectDataContent", inner.ContentType)
	}
	var spc struct {
		Data          asn1.RawValue
		MessageDigest struct {
			Algorithm pkix.AlgorithmIdentifier
			Digest    []byte
		}
	}
	content, err := unwrap(inner.Content)
	if err != nil {
		return nil, errors.New("the SpcIndirectDataContent is malformed")
	}
	if _, err := asn1.Unmarshal(content.FullBytes, &spc); err != nil {
		return nil, errors.New("the SpcIndirectDataContent is malformed")
	}
	s := &signedData{imageDigest: spc.MessageDigest.Digest}
	s.digestName, s.digestHash = digestByOID(spc.MessageDigest.Algorithm.Algorithm)

	var certs []*x509.Certificate
	var infos []asn1.RawValue
	for _, p := range parts[3:] {
		switch {
		case p.Class == asn1.ClassContextSpecific && p.Tag == 0:
			list, _ := elements(p, maxSignedDataCerts)
			for _, c := range list {
				cert, err := x509.ParseCertificate(c.FullBytes)
				if err != nil {
					continue
				}
				certs = append(certs, cert)
				s.chain = append(s.chain, certificateInfo(cert))
			}
		case p.Class == asn1.ClassUniversal && p.Tag == asn1.TagSet:
			infos, _ = elements(p, 4)
		}
	}
	if len(infos) == 0 {
		s.problem = "the signature has no SignerInfo"
		return s, nil
	}
	s.verified, s.signer, s.problem = verifySigner(infos[0], certs, content.Bytes)
	return s, nil
}

// verifySigner finds the SignerInfo's certificate and checks that the
// signed attributes carry the digest of content (the SpcIndirectDataContent
// without its tag and length) and that the certificate's key signed them.
func verifySigner(info asn1.RawValue, certs []*x509.Certificate, content []byte) (bool, *CertificateInfo, string) {
	f, err := elements(info, 8)
	if err != nil || len(f) < 5 {
		return false, nil, "the SignerInfo is malformed"
	}
	var ias struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}
	if _, err := asn1.Unmarshal(f[1].FullBytes, &ias); err != nil || ias.Serial == nil {
		return false, nil, "the SignerInfo's issuer and serial are malformed"
	}
	var signer *x509.Certificate
	for _, c := range certs {
		if c.SerialNumber.Cmp(ias.Serial) == 0 && bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) {
			signer = c
			break
		}
	}
	var who *CertificateInfo
	if signer != nil {
		ci := certificateInfo(signer)
		who = &ci
	} else {
		var rdn pkix.RDNSequence
		if _, err := asn1.Unmarshal(ias.Issuer.FullBytes, &rdn); err == nil {
			var n pkix.Name
			n.FillFromRDNSequence(&rdn)
			who = &CertificateInfo{Issuer: n.String(), Serial: ias.Serial.Text(16)}
		}
	}
	var digestAlg pkix.AlgorithmIdentifier
	if _, err := asn1.Unmarshal(f[2].FullBytes, &digestAlg); err != nil {
		return false, who, "the SignerInfo's digest algorithm is malformed"
	}
	_, h := digestByOID(digestAlg.Algorithm)
	if h == 0 || !h.Available() {
		return false, who, fmt.Sprintf("the signer's digest algorithm %v is not known", digestAlg.Algorithm)
	}
	rest := f[3:]
	if len(rest) < 3 || rest[0].Class != asn1.ClassContextSpecific || rest[0].Tag != 0 {
		return false, who, "the SignerInfo has no signed attributes"
	}
	attrs := rest[0]
	var sigAlg pkix.AlgorithmIdentifier
	if _, err := asn1.Unmarshal(rest[1].FullBytes, &sigAlg); err != nil {
		return false, who, "the SignerInfo's signature algorithm is malformed"
	}
	var signature []byte
	if _, err := asn1.Unmarshal(rest[2].FullBytes, &signature); err != nil {
		return false, who, "the SignerInfo's signature is malformed"
	}
	list, err := elements(attrs, maxSignedAttributes)
	if err != nil {
		return false, who, "the signed attributes are malformed"
	}
	var digest []byte
	for _, a := range list {
		var attr struct {
			Type   asn1.ObjectIdentifier
			Values asn1.RawValue `asn1:"set"`
		}
		if _, err := asn1.Unmarshal(a.FullBytes, &attr); err != nil || !attr.Type.Equal(oidMessageDigest) {
			continue
		}
		if _, err := asn1.Unmarshal(attr.Values.Bytes, &digest); err != nil {
			return false, who, "the messageDigest attribute is malformed"
		}
	}
	want := h.New()
	want.Write(content)
	if digest == nil || !bytes.Equal(digest, want.Sum(nil)) {
		return false, who, "the signed attributes do not carry the digest of the signed content"
	}
	if signer == nil {
		return false, who, "the signer's certificate is not in the signature"
	}
	// The signature covers the attributes DER-encoded as a SET, not with
	// the [0] tag they carry in the SignerInfo.
	signed := bytes.Clone(attrs.FullBytes)
	signed[0] = 0x31
	sum := h.New()
	sum.Write(signed)
	if err := checkSignature(signer.PublicKey, sigAlg.Algorithm, h, sum.Sum(nil), signature); err != nil {
		return false, who, err.Error()
	}
	return true, who, ""
}

// checkSignature verifies an RSA PKCS#1 v1.5 or ECDSA signature over a
// digest; SHA-1 is accepted, as old Authenticode signatures use it.
func checkSignature(pub any, alg asn1.ObjectIdentifier, h crypto.Hash, digest, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if !alg.Equal(oidRSAEncryption) && !alg.Equal(oidSHA256WithRSA) && !alg.Equal(oidSHA1WithRSA) &&
			!alg.Equal(oidSHA384WithRSA) && !alg.Equal(oidSHA512WithRSA) {
			return fmt.Errorf("the signature algorithm %v does not fit an RSA key", alg)
		}
		if err := rsa.VerifyPKCS1v15(k, h, digest, sig); err != nil {
			return errors.New("the signer's RSA signature does not verify")
		}
		return nil
	case *ecdsa.PublicKey:
		if !alg.Equal(oidECPublicKey) && !alg.Equal(oidECDSAWithSHA256) && !alg.Equal(oidECDSAWithSHA384) && !alg.Equal(oidECDSAWithSHA512) {
			return fmt.Errorf("the signature algorithm %v does not fit an ECDSA key", alg)
		}
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return errors.New("the signer's ECDSA signature does not verify")
		}
		return nil
	}
	return fmt.Errorf("the signer's %T key is not supported", pub)
}

// unwrap is the value inside an explicit tag, which encoding/asn1 leaves
// on a RawValue.
func unwrap(v asn1.RawValue) (asn1.RawValue, error) {
	var inner asn1.RawValue
	if _, err := asn1.Unmarshal(v.Bytes, &inner); err != nil {
		return inner, err
	}
	return inner, nil
}

// elements splits a constructed value into the values it holds, at most
// limit of them.
func elements(v asn1.RawValue, limit int) ([]asn1.RawValue, error) {
	if !v.IsCompound {
		return nil, errors.New("not a constructed value")
	}
	var out []asn1.RawValue
	b := v.Bytes
	for len(b) > 0 && len(out) < limit {
		var e asn1.RawValue
		rest, err := asn1.Unmarshal(b, &e)
		if err != nil {
			return out, err
		}
		out = append(out, e)
		b = rest
	}
	return out, nil
}

func certificateInfo(c *x509.Certificate) CertificateInfo {
	ci := CertificateInfo{
		Subject:    c.Subject.String(),
		CommonName: c.Subject.CommonName,
		Issuer:     c.Issuer.String(),
		NotBefore:  c.NotBefore.UTC(),
		NotAfter:   c.NotAfter.UTC(),
	}
	if len(c.Subject.Organization) > 0 {
		ci.Organization = c.Subject.Organization[0]
	}
	if c.SerialNumber != nil {
		ci.Serial = c.SerialNumber.Text(16)
	}
	return ci
}
