package rdap

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sharedRDAP, "rdap-responses", name))
	if err != nil {
		t.Skipf("shared data: %v", err)
	}
	return data
}

// Each of the 11 real answers in shared/data/rdap gives the contact
// PROVENANCE.md describes for it.
func TestExtractContactFixtures(t *testing.T) {
	for _, tc := range []struct {
		file  string
		want  Contact
		error string // the catalog code of the error expected instead
	}{
		{file: "icann-rdap__autnum_16509.json", want: Contact{ // nested inside the registrant
			Email: "abuse@amazonaws.com", Emails: []string{"abuse@amazonaws.com"}, Phone: "+1-206-555-0000",
			Name: "Amazon EC2 Abuse", Handle: "AEA8-ARIN", Basis: BasisAbuse, Path: []string{"AMAZON-4", "AEA8-ARIN"}}},
		{file: "icann-rdap__network_192_198_0_0.json", want: Contact{ // top level and nested: the top level wins
			Email: "daniel.petsinger@radiolinkinternet.com", Emails: []string{"daniel.petsinger@radiolinkinternet.com"},
			Phone: "+1-507-417-4176", Name: "Daniel Petsinger", Handle: "PETSI-ARIN", Basis: BasisAbuse, Path: []string{"PETSI-ARIN"}}},
		{file: "icann-rdap__microsoft.click.json", want: Contact{ // nested under the registrar; the registrant is redacted
			Email: "abusecomplaints@markmonitor.com", Emails: []string{"abusecomplaints@markmonitor.com"}, Phone: "+1.2083895740",
			Name: "Markmonitor", Handle: "CO_03a1e5a41de9801039c48cce9ea7414f-UR", Basis: BasisAbuse,
			Path: []string{"292", "CO_03a1e5a41de9801039c48cce9ea7414f-UR"}}},
		{file: "icann-rdap__domain_afnic_fr.json", want: Contact{ // no abuse role: the registrar
			Email: "support@afnic.fr", Emails: []string{"support@afnic.fr"}, Phone: "+33.139308300",
			Name: "Registry Operations", Handle: "RAR939-FRNIC", Basis: BasisRegistrar, Path: []string{"RAR939-FRNIC"}}},
		{file: "icann-rdap__error_ripe_net.json", error: "rdap.error.server"},
		{file: "icann-rdap__help_nic_fr.json", error: "rdap.error.no_contact"},
		{file: "ipwhois__afrinic_ip_196.11.240.215_remark_only.json", want: Contact{ // only in a remark
			Email: "abuse@mtnbusiness.co.za", Emails: []string{"abuse@mtnbusiness.co.za"}, Basis: BasisRemark,
			Handle: "196.11.239.0 - 196.11.246.255"}},
		{file: "ipwhois__apnic_ip_2001-240-jpnic-block.json", want: Contact{ // "look up JPNIC Whois"
			Basis: BasisReferral, Referral: "whois.nic.ad.jp", Handle: "2001:0240::/32"}},
		{file: "ipwhois__apnic_ip_210.107.73.73_krnic.json", want: Contact{ // the IRT, not the technical contact's abuse@ address
			Email: "hostmaster@nic.or.kr", Emails: []string{"hostmaster@nic.or.kr"}, Name: "IRT-KRNIC-KR",
			Handle: "IRT-KRNIC-KR", Basis: BasisAbuse, Path: []string{"IRT-KRNIC-KR"}}},
		{file: "ipwhois__arin_ip_74.125.225.229.json", want: Contact{ // nested in the registrant GOGL
			Email: "arin-contact@google.com", Emails: []string{"arin-contact@google.com"}, Phone: "+1-650-253-0000",
			Name: "Google Inc", Handle: "ZG39-ARIN", Basis: BasisAbuse, Path: []string{"GOGL", "ZG39-ARIN"}}},
		{file: "ipwhois__ripe_ip_62.239.237.1.json", want: Contact{ // several addresses: the first, all kept
			Email: "zzdnsr@bt.com", Emails: []string{"zzdnsr@bt.com", "steve.a.marshall@bt.com", "lee.bailey-hague@bt.com"},
			Name: "BT Corporate Registry", Handle: "BTCR3-RIPE", Basis: BasisAbuse, Path: []string{"BTCR3-RIPE"}}},
	} {
		t.Run(strings.TrimSuffix(tc.file, ".json"), func(t *testing.T) {
			got, err := ExtractContact(readFixture(t, tc.file), "rdap.example", "q")
			if tc.error != "" {
				var coded interface{ Code() string }
				if !errors.As(err, &coded) || coded.Code() != tc.error {
					t.Fatalf("got %+v, %v; want error %s", got, err, tc.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Source, tc.want.Server = SourceRDAP, "rdap.example"
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestExtractContactRules(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		email      string
		basis      string
		phone      string
		err        error
	}{
		{name: "not JSON", body: `<html>`, err: &MalformedError{}},
		{name: "a JSON array", body: `[]`, err: &MalformedError{}},
		{name: "empty object", body: `{}`, err: ErrNoContact},
		{name: "role case and spaces", body: `{"entities":[{"roles":[" Abuse "],"vcardArray":["vcard",[["email",{},"text","a@x.example"]]]}]}`,
			email: "a@x.example", basis: BasisAbuse},
		{name: "abuse entity without address falls through to a remark",
			body:  `{"entities":[{"roles":["abuse"],"vcardArray":["vcard",[["tel",{},"text","+81-3-0000-0000"]]]}],"remarks":[{"description":["Abuse reports:","abuse@isp.example."]}]}`,
			email: "abuse@isp.example", basis: BasisRemark},
		{name: "phone-only abuse entity when nothing else", body: `{"entities":[{"roles":["abuse"],"vcardArray":["vcard",[["tel",{"type":["fax"]},"uri","tel:+1-555-0100"],["tel",{"type":["voice"]},"uri","tel:+1-555-0199"]]]}]}`,
			phone: "+1-555-0199", basis: BasisAbuse},
		{name: "remark that never says abuse names nobody", body: `{"remarks":[{"title":"maintainer","description":["mnt@isp.example"]}]}`, err: ErrNoContact},
		{name: "remark title says abuse", body: `{"remarks":[{"title":"Abuse contact","description":["noc@isp.example"]}]}`,
			email: "noc@isp.example", basis: BasisRemark},
		{name: "registrar only for domains", body: `{"objectClassName":"ip network","entities":[{"roles":["registrar"],"vcardArray":["vcard",[["email",{},"text","r@x.example"]]]}]}`,
			err: ErrNoContact},
		{name: "registrar for a domain", body: `{"objectClassName":"domain","entities":[{"roles":["registrar"],"vcardArray":["vcard",[["email",{},"text","r@x.example"]]]}]}`,
			email: "r@x.example", basis: BasisRegistrar},
		{name: "lenient fields", body: `{"objectClassName":"domain","roles":7,"remarks":"x","entities":[{"roles":"abuse","vcardArray":["vcard",[["email",{},"text",null],["email",{},"text","ok@x.example"],5]]}]}`,
			email: "ok@x.example", basis: BasisAbuse},
		{name: "error document", body: `{"errorCode":404,"title":"Not Found"}`, err: &ServerError{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ExtractContact([]byte(tc.body), "s", "q")
			if tc.err != nil {
				switch want := tc.err.(type) {
				case *MalformedError:
					if !errors.As(err, &want) {
						t.Fatalf("got %v, want a MalformedError", err)
					}
				case *ServerError:
					if !errors.As(err, &want) || want.Status != 404 || want.Title != "Not Found" {
						t.Fatalf("got %v, want a ServerError", err)
					}
				default:
					if !errors.Is(err, tc.err) {
						t.Fatalf("got %+v, %v; want %v", got, err, tc.err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Email != tc.email || got.Basis != tc.basis || got.Phone != tc.phone {
				t.Errorf("got %+v; want email %q phone %q basis %s", got, tc.email, tc.phone, tc.basis)
			}
		})
	}
}

// A deeply nested answer is read up to the depth limit and does not run
// away.
func TestExtractContactDepthLimit(t *testing.T) {
	inner := `{"roles":["abuse"],"vcardArray":["vcard",[["email",{},"text","deep@x.example"]]]}`
	body := inner
	for i := 0; i < maxDepth+5; i++ {
		body = `{"entities":[` + body + `]}`
	}
	if _, err := ExtractContact([]byte(body), "s", "q"); !errors.Is(err, ErrNoContact) {
		t.Errorf("an entity below the depth limit was read: %v", err)
	}
}

func FuzzExtractContact(f *testing.F) {
	entries, _ := os.ReadDir(filepath.Join(sharedRDAP, "rdap-responses"))
	for _, e := range entries {
		if data, err := os.ReadFile(filepath.Join(sharedRDAP, "rdap-responses", e.Name())); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"entities":[{"roles":["abuse"],"vcardArray":["vcard",[["email",{},"text","a@b.example"]]]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := ExtractContact(body, "s", "q")
		if err != nil {
			var coded interface{ Code() string }
			if !errors.As(err, &coded) {
				t.Fatalf("an error without a catalog code: %v", err)
			}
			return
		}
		if c.Email == "" && c.Referral == "" && c.Phone == "" {
			t.Fatalf("a contact with nothing to write to: %+v", c)
		}
		if c.Email != "" && (len(c.Emails) == 0 || c.Emails[0] != c.Email) {
			t.Fatalf("Email %q not first of Emails %v", c.Email, c.Emails)
		}
	})
}
