package rdap

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"
)

// fakeWhois is a loopback WHOIS server answering queries from a table;
// a query it does not know gets "No match!!".
type fakeWhois struct {
	ln      net.Listener
	answers map[string][]byte
	hang    bool // read the query, then answer nothing until closed

	mu      sync.Mutex
	queries []string
}

func newFakeWhois(t *testing.T, answers map[string]string) *fakeWhois {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &fakeWhois{ln: ln, answers: map[string][]byte{}}
	for q, file := range answers {
		if strings.HasPrefix(file, "raw:") {
			w.answers[q] = []byte(strings.TrimPrefix(file, "raw:"))
			continue
		}
		data, err := os.ReadFile(filepath.Join("testdata", "whois", file))
		if err != nil {
			t.Fatal(err)
		}
		w.answers[q] = data
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		for {
			conn, err := ln.Accept()
			if err != nil {
				wg.Wait()
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				line, err := bufio.NewReader(conn).ReadString('\n')
				if err != nil || !strings.HasSuffix(line, "\r\n") {
					return
				}
				q := strings.TrimSuffix(line, "\r\n")
				w.mu.Lock()
				w.queries = append(w.queries, q)
				w.mu.Unlock()
				if w.hang {
					conn.Read(make([]byte, 1))
					return
				}
				if a, ok := w.answers[q]; ok {
					conn.Write(a)
				} else {
					conn.Write([]byte("[ JPRS database provides information on network administration. ]\n\nNo match!!\n"))
				}
			}()
		}
	}()
	return w
}

func (w *fakeWhois) asked() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.queries...)
}

// dialTo returns a Dialer that sends each WHOIS host to its loopback
// server and refuses every other host, recording what was dialled.
func dialTo(servers map[string]*fakeWhois, dialled *[]string) Dialer {
	var mu sync.Mutex
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		*dialled = append(*dialled, addr)
		mu.Unlock()
		s, ok := servers[host]
		if !ok || port != "43" {
			return nil, errors.New("test dialer: refused " + addr)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, s.ln.Addr().String())
	}
}

func TestWhoisDotJP(t *testing.T) {
	jprs := newFakeWhois(t, map[string]string{
		"sample-shop.jp/e":         "jprs-general.txt",
		"example-trading.co.jp/e":  "jprs-cojp.txt",
		"ET002JP/e":                "jprs-contact-et002jp.txt",
		"handles-only.co.jp/e":     "raw:Domain Information:\na. [Domain Name]  HANDLES-ONLY.CO.JP\nn. [Technical Contact]  NOPE01JP\n",
		"sample-shop-jp-unused/e":  "raw:",
		"example-trading.co.jp/ex": "raw:",
	})
	var dialled []string
	f := newFakeRegistries(t)
	c, _ := newTestClient(t, f, Options{Dial: dialTo(map[string]*fakeWhois{"whois.jprs.jp": jprs}, &dialled)})
	ctx := context.Background()

	// A general-use .jp domain: the contact address is in the answer.
	got, err := c.AbuseContact(ctx, "https://www.sample-shop.jp/campaign")
	if err != nil {
		t.Fatal(err)
	}
	want := Contact{Email: "info@sample-shop.jp", Emails: []string{"info@sample-shop.jp"}, Phone: "03-0000-0000",
		Name: "Sample Shop LLC", Source: SourceWhois, Basis: BasisContact, Server: "whois.jprs.jp"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sample-shop.jp:\n got  %+v\n want %+v", got, want)
	}

	// An organisational .co.jp domain shows handles only: the technical
	// contact is asked next.
	got, err = c.AbuseContact(ctx, "login.example-trading.co.jp")
	if err != nil {
		t.Fatal(err)
	}
	want = Contact{Email: "hostmaster@example-trading.co.jp", Emails: []string{"hostmaster@example-trading.co.jp"}, Phone: "03-0000-0002",
		Name: "Example Trading Co., Ltd.", Handle: "ET002JP", Source: SourceWhois, Basis: BasisContact, Server: "whois.jprs.jp",
		Path: []string{"ET002JP"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("example-trading.co.jp:\n got  %+v\n want %+v", got, want)
	}

	if _, err := c.AbuseContact(ctx, "no-such-domain.jp"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown domain: %v", err)
	}
	if _, err := c.AbuseContact(ctx, "handles-only.co.jp"); !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrNoContact) {
		t.Errorf("handle without an answer: %v", err)
	}

	// English output asked for every time; the cache spares a second query.
	if _, err := c.AbuseContact(ctx, "sample-shop.jp"); err != nil {
		t.Fatal(err)
	}
	wantQueries := []string{"sample-shop.jp/e", "example-trading.co.jp/e", "ET002JP/e", "no-such-domain.jp/e", "handles-only.co.jp/e", "NOPE01JP/e"}
	if got := jprs.asked(); !reflect.DeepEqual(got, wantQueries) {
		t.Errorf("queries %q\nwant    %q", got, wantQueries)
	}
	for _, d := range dialled {
		if d != "whois.jprs.jp:43" {
			t.Errorf("dialled %s", d)
		}
	}
}

// An APNIC answer that refers to JPNIC's WHOIS is followed there: the
// network's technical contact gives the address.
func TestJPNICReferral(t *testing.T) {
	jpnic := newFakeWhois(t, map[string]string{
		"2001:240:10c:1::ca20:9d1d/e": "jpnic-network.txt",
		"EN5678JP/e":                  "jpnic-contact-en5678jp.txt",
		"133.0.2.1/e":                 "jpnic-network-abuse.txt",
	})
	f := newFakeRegistries(t)
	jpBlock := readFixture(t, "ipwhois__apnic_ip_2001-240-jpnic-block.json")
	f.serve("/apnic/ip/2001:240:10c:1::ca20:9d1d", 200, jpBlock)
	f.serve("/apnic/ip/133.0.2.1", 200, jpBlock)
	var dialled []string
	c, _ := newTestClient(t, f, Options{Dial: dialTo(map[string]*fakeWhois{"whois.nic.ad.jp": jpnic}, &dialled)})
	ctx := context.Background()

	got, err := c.AbuseContact(ctx, "2001:240:10c:1::ca20:9d1d")
	if err != nil {
		t.Fatal(err)
	}
	want := Contact{Email: "noc@example-networks.example.jp", Emails: []string{"noc@example-networks.example.jp"}, Phone: "03-0000-0001",
		Name: "Example Networks K.K.", Handle: "EN5678JP", Source: SourceWhois, Basis: BasisContact, Server: "whois.nic.ad.jp",
		Path: []string{"EN5678JP"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("\n got  %+v\n want %+v", got, want)
	}

	// A network record with an abuse address needs no second query.
	got, err = c.AbuseContact(ctx, "133.0.2.1")
	if err != nil || got.Email != "abuse@example-hosting.example.jp" || got.Basis != BasisAbuse || got.Name != "Example Hosting Inc." {
		t.Errorf("abuse field: %+v %v", got, err)
	}
	if q := jpnic.asked(); !reflect.DeepEqual(q, []string{"2001:240:10c:1::ca20:9d1d/e", "EN5678JP/e", "133.0.2.1/e"}) {
		t.Errorf("queries %q", q)
	}
}

func TestWhoisLimits(t *testing.T) {
	ctx := context.Background()
	t.Run("time", func(t *testing.T) {
		slow := newFakeWhois(t, nil)
		slow.hang = true
		var dialled []string
		c, _ := newTestClient(t, newFakeRegistries(t), Options{Dial: dialTo(map[string]*fakeWhois{"whois.jprs.jp": slow}, &dialled), WhoisTimeout: 200 * time.Millisecond})
		start := time.Now()
		_, err := c.AbuseContact(ctx, "slow.jp")
		var te *TimeoutError
		if !errors.As(err, &te) {
			t.Fatalf("got %v, want a TimeoutError", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("took %s", d)
		}
	})
	t.Run("size", func(t *testing.T) {
		big := newFakeWhois(t, map[string]string{"big.jp/e": "raw:" + strings.Repeat("[Email] x@y.example\n", 1000)})
		var dialled []string
		c, _ := newTestClient(t, newFakeRegistries(t), Options{Dial: dialTo(map[string]*fakeWhois{"whois.jprs.jp": big}, &dialled), MaxWhois: 1024})
		_, err := c.AbuseContact(ctx, "big.jp")
		var tl *TooLargeError
		if !errors.As(err, &tl) || tl.Limit != 1024 {
			t.Fatalf("got %v, want a TooLargeError", err)
		}
	})
	t.Run("rate", func(t *testing.T) {
		srv := newFakeWhois(t, map[string]string{"a.jp/e": "jprs-general.txt", "b.jp/e": "jprs-general.txt"})
		var dialled []string
		c, _ := newTestClient(t, newFakeRegistries(t), Options{Dial: dialTo(map[string]*fakeWhois{"whois.jprs.jp": srv}, &dialled),
			Interval: time.Minute, Burst: 1, MaxWait: -1})
		if _, err := c.AbuseContact(ctx, "a.jp"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AbuseContact(ctx, "b.jp"); !errors.Is(err, ErrLimited) {
			t.Fatalf("second WHOIS query within the minute: %v", err)
		}
		if len(srv.asked()) != 1 {
			t.Fatalf("queries %q", srv.asked())
		}
	})
	t.Run("injection", func(t *testing.T) {
		var dialled []string
		c, _ := newTestClient(t, newFakeRegistries(t), Options{Dial: dialTo(nil, &dialled)})
		if _, err := c.Whois(ctx, "whois.jprs.jp", "a.jp\r\nhelp"); err == nil || len(dialled) != 0 {
			t.Fatalf("a query with a line break was sent: %v", err)
		}
	})
}

func TestParseWhois(t *testing.T) {
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("testdata", "whois", name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	for _, tc := range []struct {
		name, file, email, basis string
		err                      error
	}{
		{name: "JPRS general-use", file: "jprs-general.txt", email: "info@sample-shop.jp", basis: BasisContact},
		{name: "JPRS contact", file: "jprs-contact-et002jp.txt", email: "hostmaster@example-trading.co.jp", basis: BasisContact},
		{name: "JPRS handles only", file: "jprs-cojp.txt", err: ErrNoContact},
		{name: "JPRS no match", file: "jprs-nomatch.txt", err: ErrNotFound},
		{name: "JPNIC network with no match below", file: "jpnic-network.txt", err: ErrNoContact},
		{name: "JPNIC abuse field", file: "jpnic-network-abuse.txt", email: "abuse@example-hosting.example.jp", basis: BasisAbuse},
		{name: "RIPE comment line", file: "ripe-style.txt", email: "abuse@provider.example", basis: BasisAbuse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseWhois(read(tc.file), "whois.example", "q")
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("got %+v, %v; want %v", c, err, tc.err)
				}
				return
			}
			if err != nil || c.Email != tc.email || c.Basis != tc.basis || c.Source != SourceWhois {
				t.Fatalf("got %+v, %v", c, err)
			}
		})
	}
}

// JPRS and JPNIC answer in ISO-2022-JP without "/e"; the answer is read
// as UTF-8 all the same, and its Japanese labels are understood.
func TestWhoisJapaneseOutput(t *testing.T) {
	text := "[ JPRS データベース ]\n\n[名前]                          サンプル商店\n[電子メール]                    info@sample-shop.jp\n[電話番号]                      03-0000-0000\n"
	for name, enc := range map[string]func(string) ([]byte, error){
		"ISO-2022-JP": func(s string) ([]byte, error) { return japanese.ISO2022JP.NewEncoder().Bytes([]byte(s)) },
		"EUC-JP":      func(s string) ([]byte, error) { return japanese.EUCJP.NewEncoder().Bytes([]byte(s)) },
		"Shift_JIS":   func(s string) ([]byte, error) { return japanese.ShiftJIS.NewEncoder().Bytes([]byte(s)) },
		"UTF-8":       func(s string) ([]byte, error) { return []byte(s), nil },
	} {
		raw, err := enc(text)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseWhois(raw, "whois.jprs.jp", "sample-shop.jp")
		if err != nil || c.Email != "info@sample-shop.jp" || c.Name != "サンプル商店" || c.Phone != "03-0000-0000" {
			t.Errorf("%s: %+v %v", name, c, err)
		}
	}
}

func FuzzParseWhois(f *testing.F) {
	entries, _ := os.ReadDir(filepath.Join("testdata", "whois"))
	for _, e := range entries {
		if data, err := os.ReadFile(filepath.Join("testdata", "whois", e.Name())); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		c, err := ParseWhois(text, "s", "q")
		if err != nil {
			if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrNoContact) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if c.Email == "" || c.Emails[0] != c.Email || !isEmail(c.Email) {
			t.Fatalf("contact %+v", c)
		}
	})
}
