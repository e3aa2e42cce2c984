package observe

import (
	"slices"
	"testing"
)

func TestExtractHTML(t *testing.T) {
	doc := `<!doctype html><html><head><title>ログイン | ＳＭＢＣ</title><style>.x{background:url(https://cdn.example-style.jp/a.png)}</style>
<script>var c2 = "https://c2.evil-script.jp/";</script></head>
<body><p>お問い合わせ：０３－１２３４－５６７８</p>
<form action="hxxps://smbc-login[.]top/post.php" method="post"><input name="pw"></form>
<a href="https://phish.example-bank.top/verify">https://www.smbc.co.jp/</a>
<a href="mailto:support@smbc-login.top?subject=x">連絡</a><a href="tel:090-1111-2222">電話</a>
<iframe src="https://frame.evil.top/x"></iframe><p>振込先 みずほ銀行 新宿支店 普通 1234567</p>`
	ev := ExtractHTML(doc)
	has := func(typ Type, v string) bool { return slices.Contains(ev.Observables, Observable{typ, v}) }
	for _, want := range []Observable{
		{Phone, "+81312345678"}, {URL, "https://smbc-login.top/post.php"}, {URL, "https://phish.example-bank.top/verify"},
		{Email, "support@smbc-login.top"}, {Phone, "+819011112222"}, {URL, "https://frame.evil.top/x"},
		{BankAccount, "name:みずほ銀行/新宿支店/1/1234567"},
	} {
		if !has(want.Type, want.Value) {
			t.Errorf("ExtractHTML lacks %v; got %v", want, ev.Observables)
		}
	}
	if has(URL, "https://c2.evil-script.jp/") || has(Domain, "cdn.example-style.jp") {
		t.Error("ExtractHTML read inside <script> or <style>")
	}
	// The link whose text names another site is flagged.
	i := slices.IndexFunc(ev.Links, func(l Link) bool { return l.URL == "https://phish.example-bank.top/verify" })
	if i < 0 || ev.Links[i].Text != "https://www.smbc.co.jp/" {
		t.Errorf("links %+v", ev.Links)
	}
	if got := ExtractHTML("<a href=\"\x00<<<"); got.Observables != nil && len(got.Observables) > 0 {
		t.Errorf("broken markup gave %v", got.Observables)
	}
}

func TestExtractFileChoosesTheReader(t *testing.T) {
	html := []byte(`<html><body><a href="https://evil.top/x">here</a></body></html>`)
	if got := ExtractFile("page.html", html); !slices.Contains(got, Observable{URL, "https://evil.top/x"}) {
		t.Errorf("ExtractFile(.html) = %v", got)
	}
	if got := ExtractFile("saved", html); !slices.Contains(got, Observable{URL, "https://evil.top/x"}) {
		t.Errorf("ExtractFile(HTML content without a name) = %v", got)
	}
	eml := []byte("From: 偽 <kanri@evil-mail.top>\r\nSubject: x\r\n\r\nhello\r\n")
	if got := ExtractFile("mail.eml", eml); !slices.Contains(got, Observable{Email, "kanri@evil-mail.top"}) {
		t.Errorf("ExtractFile(.eml) = %v", got)
	}
	if got := ExtractFile("notes.txt", []byte("電話 090-1111-2222")); !slices.Equal(got, []Observable{{Phone, "+819011112222"}}) {
		t.Errorf("ExtractFile(.txt) = %v", got)
	}
}

func FuzzExtractHTML(f *testing.F) {
	for _, s := range []string{`<a href="https://x.jp/">y</a>`, `<form action="hxxp://a[.]jp">`, `<script>`, `<a href=mailto:a@b.jp>`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		ev := ExtractHTML(doc)
		for _, o := range ev.Observables {
			if n, err := Normalize(o.Type, o.Value); err != nil || n != o.Value {
				t.Fatalf("ExtractHTML gave %v, which is not canonical (%q, %v)", o, n, err)
			}
		}
	})
}
