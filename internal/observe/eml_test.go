package observe

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The .eml fixtures under testdata/eml are koban's own: Japanese phishing
// mails with ISO-2022-JP, Shift_JIS and UTF-8 parts, quoted-printable and
// base64 bodies, an attachment, a forwarded message and a broken message.
func readEML(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "eml", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hasAll checks that every observable of want is in got, and reports the
// missing ones.
func hasAll(t *testing.T, got []Observable, want ...Observable) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing %v in %v", w, got)
		}
	}
}

func hasNone(t *testing.T, got []Observable, unwanted ...Observable) {
	t.Helper()
	for _, w := range unwanted {
		if slices.Contains(got, w) {
			t.Errorf("unexpected %v in %v", w, got)
		}
	}
}

// checkEvidence checks the invariants of any Evidence: observables once
// each, in canonical form.
func checkEvidence(t *testing.T, ev Evidence) {
	t.Helper()
	seen := map[Observable]bool{}
	for _, ob := range ev.Observables {
		if seen[ob] {
			t.Fatalf("observable %v repeated", ob)
		}
		seen[ob] = true
		if v, err := Normalize(ob.Type, ob.Value); err != nil || v != ob.Value {
			t.Fatalf("observable %v normalises to %q, %v", ob, v, err)
		}
	}
	for _, l := range ev.Links {
		if v, err := Normalize(URL, l.URL); err != nil || v != l.URL {
			t.Fatalf("link %q normalises to %q, %v", l.URL, v, err)
		}
	}
}

func TestExtractEmailISO2022JP(t *testing.T) {
	ev, err := ExtractEmail(readEML(t, "phish_iso2022jp.eml"))
	if err != nil {
		t.Fatal(err)
	}
	checkEvidence(t, ev)
	h := ev.Headers
	if h.Subject != "【重要】ご利用確認のお願い（Ｖｅｒ．２）" {
		t.Errorf("subject %q", h.Subject)
	}
	if !slices.Equal(h.From, []string{"info@smbc-card.account-verify.top"}) ||
		!slices.Equal(h.ReplyTo, []string{"support@kaishu-desk.xyz"}) ||
		!slices.Equal(h.ReturnPath, []string{"bounce-8812@mailer.account-verify.top"}) {
		t.Errorf("addresses %+v", h)
	}
	if h.MessageID != "20251013001228.8812@mailer.account-verify.top" {
		t.Errorf("message id %q", h.MessageID)
	}
	if len(h.Received) != 3 || h.Received[1] != (ReceivedHop{Helo: "smtp.account-verify.top", IP: "203.0.113.45", By: "mx01.victim-isp.ne.jp"}) {
		t.Errorf("received %+v", h.Received)
	}
	hasAll(t, ev.Observables,
		o(Email, "info@smbc-card.account-verify.top"), o(Domain, "smbc-card.account-verify.top"),
		o(Email, "support@kaishu-desk.xyz"), o(Domain, "kaishu-desk.xyz"),
		o(Email, "bounce-8812@mailer.account-verify.top"), o(Domain, "mailer.account-verify.top"),
		o(Domain, "smtp.account-verify.top"), o(IPv4, "203.0.113.45"),
		o(URL, "https://smbc-card.account-verify.top/login?id=8812"),
		o(Phone, "+81312345678"),
		o(BankAccount, "name:みずほ銀行/新宿支店/1/1234567"))
	// The private address of the first hop and the To address are not
	// observables of the sender.
	hasNone(t, ev.Observables, o(IPv4, "10.0.0.5"), o(Email, "taro@victim-isp.ne.jp"))
	if ev.Observables[0] != o(Email, "info@smbc-card.account-verify.top") {
		t.Errorf("the From address should come first: %v", ev.Observables)
	}
	if len(ev.Warnings) != 0 {
		t.Errorf("warnings %v", ev.Warnings)
	}
}

func TestExtractEmailAlternativeHTML(t *testing.T) {
	ev, err := ExtractEmail(readEML(t, "alternative_html.eml"))
	if err != nil {
		t.Fatal(err)
	}
	checkEvidence(t, ev)
	if ev.Headers.Subject != "お支払い方法の更新が必要です" {
		t.Errorf("subject %q", ev.Headers.Subject)
	}
	hasAll(t, ev.Observables,
		o(Email, "account-update@amazon.co.jp.pay-update.shop"),
		o(Email, "bulk@mass-mailer.example.com"),
		o(Domain, "pay-update.shop"), // the Message-ID's
		o(IPv4, "198.51.100.77"), o(Domain, "mail.pay-update.shop"),
		o(Phone, "+815012345678"), // from the quoted-printable text part
		o(URL, "https://amazon-co-jp.pay-update.shop/signin?ref=mail&id=7"),
		o(Domain, "amazon-co-jp.pay-update.shop"),
		o(URL, "https://collect.pay-update.shop/post.php"),
		o(Email, "help@pay-update.shop"),
		o(BTC, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")) // from the Shift_JIS HTML text
	// Scripts and styles are not text.
	hasNone(t, ev.Observables, o(Domain, "tracker.example.org"), o(Domain, "style.example.net"))
	want := []Link{
		{URL: "https://amazon-co-jp.pay-update.shop/signin?ref=mail&id=7", Text: "https://www.amazon.co.jp/", Deceptive: true},
		{URL: "https://amazon-co-jp.pay-update.shop/help", Text: "ヘルプ"},
		{URL: "https://collect.pay-update.shop/post.php"},
	}
	if !slices.Equal(ev.Links, want) {
		t.Errorf("links\n got  %+v\n want %+v", ev.Links, want)
	}
	if len(ev.Warnings) != 0 {
		t.Errorf("warnings %v", ev.Warnings)
	}
}

func TestExtractEmailAttachment(t *testing.T) {
	ev, err := ExtractEmail(readEML(t, "attachment.eml"))
	if err != nil {
		t.Fatal(err)
	}
	checkEvidence(t, ev)
	zip := append([]byte("PK\x03\x04"), bytes.Repeat(func() []byte {
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}(), 4)...)
	sum := sha256.Sum256(zip)
	zipHash := hex.EncodeToString(sum[:])
	if len(ev.Attachments) != 2 {
		t.Fatalf("attachments %+v", ev.Attachments)
	}
	a := ev.Attachments[0]
	if a.Filename != "請求書.zip" || a.ContentType != "application/zip" || a.Size != len(zip) || a.SHA256 != zipHash || len(a.MD5) != 32 {
		t.Errorf("attachment %+v, want sha256 %s", a, zipHash)
	}
	if f := ev.Attachments[1]; f.Filename != "forwarded.eml" || f.ContentType != "message/rfc822" {
		t.Errorf("forwarded message %+v", f)
	}
	if ev.Headers.Subject != "Fwd: 不審なメール" {
		t.Errorf("subject %q", ev.Headers.Subject)
	}
	hasAll(t, ev.Observables,
		o(SHA256, zipHash), o(MD5, a.MD5),
		o(Line, "scam-line01"), // the citizen's ISO-2022-JP note
		// The forwarded phishing mail is read too.
		o(Email, "info@smbc-card.account-verify.top"), o(IPv4, "203.0.113.45"),
		o(URL, "https://smbc-card.account-verify.top/login?id=8812"),
		o(BankAccount, "name:みずほ銀行/新宿支店/1/1234567"))
}

func TestExtractEmailBroken(t *testing.T) {
	ev, err := ExtractEmail(readEML(t, "broken.eml"))
	if err != nil {
		t.Fatal(err)
	}
	checkEvidence(t, ev)
	if ev.Headers.Subject != "未調" {
		t.Errorf("subject %q (the header goes on after a bad line)", ev.Headers.Subject)
	}
	hasAll(t, ev.Observables,
		o(Email, "sagi@bad-shop.example.net"),
		o(IPv6, "2001:db8:85a3::8a2e:370:7334"), // [IPv6:…] literal
		o(URL, "http://bad-shop.example.net/pay"),
		o(ETH, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
		o(URL, "https://bad-shop.example.net/login"))
	if len(ev.Attachments) != 1 || ev.Attachments[0].Size != len("Hello, world!") {
		t.Errorf("attachments %+v", ev.Attachments)
	}
	for _, w := range []string{"without a name", "not closed", "x-klingon", "outside the alphabet"} {
		if !slices.ContainsFunc(ev.Warnings, func(s string) bool { return strings.Contains(s, w) }) {
			t.Errorf("no warning about %q in %q", w, ev.Warnings)
		}
	}
}

func TestExtractEmailNotEmail(t *testing.T) {
	ev, err := ExtractEmail([]byte("これはメールではありません。連絡先 090-1234-5678"))
	if !errors.Is(err, ErrNotEmail) {
		t.Fatalf("err = %v", err)
	}
	hasAll(t, ev.Observables, o(Phone, "+819012345678"))
	if ev, err := ExtractEmail(nil); !errors.Is(err, ErrNotEmail) || ev.Observables == nil {
		t.Fatalf("empty input: %+v, %v", ev, err)
	}
}

func TestExtractEmailTruncations(t *testing.T) {
	// Every prefix of every fixture is read without a panic and gives
	// canonical observables.
	for _, name := range []string{"phish_iso2022jp.eml", "alternative_html.eml", "attachment.eml", "broken.eml"} {
		raw := readEML(t, name)
		for n := 0; n <= len(raw); n += 7 {
			ev, _ := ExtractEmail(raw[:n])
			checkEvidence(t, ev)
		}
	}
}

func TestParseReceived(t *testing.T) {
	cases := []struct {
		in   string
		want ReceivedHop
	}{
		{"from mail.example.net (mail.example.net [198.51.100.7]) by mx.example.jp (Postfix) with ESMTP id X; Mon, 1 Jan 2024 00:00:00 +0900",
			ReceivedHop{Helo: "mail.example.net", Host: "mail.example.net", IP: "198.51.100.7", By: "mx.example.jp"}},
		{"from [203.0.113.9] (port=4455 helo=spam.example.com) by mx.example.jp with esmtp",
			ReceivedHop{Helo: "spam.example.com", IP: "203.0.113.9", By: "mx.example.jp"}},
		{"from helo.example.org (HELO fake) (198.51.100.1)\n\tby relay.example.jp",
			ReceivedHop{Helo: "helo.example.org", IP: "198.51.100.1", By: "relay.example.jp"}},
		{"from x (x [IPv6:2001:DB8::25]) by y", ReceivedHop{IP: "2001:db8::25"}},
		{"by mx.example.jp with LMTP", ReceivedHop{By: "mx.example.jp"}},
		{"garbage ((( [[[", ReceivedHop{}},
	}
	for _, c := range cases {
		if got := parseReceived(c.in); got != c.want {
			t.Errorf("parseReceived(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

// BenchmarkExtractEmail reads the multipart fixture.
func BenchmarkExtractEmail(b *testing.B) {
	raw := readEML(b, "attachment.eml")
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := ExtractEmail(raw); err != nil {
			b.Fatal(err)
		}
	}
}
