package config

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) (func(string) string, []string) {
	var list []string
	for k, v := range m {
		list = append(list, k+"="+v)
	}
	return func(k string) string { return m[k] }, list
}

func TestDefaults(t *testing.T) {
	get, list := env(nil)
	c, rest, err := Load([]string{"extra"}, get, list, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "localhost:8080" || c.DataDir != "./koban-data" || c.DatabaseURL != "" || c.Location.String() != "Asia/Tokyo" {
		t.Fatalf("defaults: %+v", c)
	}
	if len(rest) != 1 || rest[0] != "extra" {
		t.Fatalf("rest = %v", rest)
	}
}

func TestEnvAndFlags(t *testing.T) {
	get, list := env(map[string]string{"KOBAN_ADDR": "127.0.0.1:9000", "KOBAN_TIMEZONE": "UTC"})
	c, _, err := Load([]string{"-addr", "127.0.0.1:9001"}, get, list, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9001" {
		t.Errorf("flag must win over env: %s", c.Addr)
	}
	if c.Location.String() != "UTC" {
		t.Errorf("tz %s", c.Location)
	}
}

func TestRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unknown variable", map[string]string{"KOBAN_ADRR": "x"}, "KOBAN_ADRR"},
		{"bad addr", map[string]string{"KOBAN_ADDR": "8080"}, "KOBAN_ADDR"},
		{"bad database", map[string]string{"KOBAN_DATABASE_URL": "mysql://x"}, "KOBAN_DATABASE_URL"},
		{"bad zone", map[string]string{"KOBAN_TIMEZONE": "Mars/Base"}, "KOBAN_TIMEZONE"},
		{"bad bool", map[string]string{"KOBAN_TRUST_PROXY": "maybe"}, "KOBAN_TRUST_PROXY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			get, list := env(tc.env)
			_, _, err := Load(nil, get, list, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want mention of %s", err, tc.want)
			}
		})
	}
}

func TestStatsK(t *testing.T) {
	get, list := env(nil)
	c, _, err := Load(nil, get, list, io.Discard)
	if err != nil || c.StatsK != 10 {
		t.Fatalf("default KOBAN_STATS_K = %d (%v), want 10", c.StatsK, err)
	}
	get, list = env(map[string]string{"KOBAN_STATS_K": "5"})
	if c, _, err = Load(nil, get, list, io.Discard); err != nil || c.StatsK != 5 {
		t.Errorf("KOBAN_STATS_K=5 gives %d (%v)", c.StatsK, err)
	}
	for _, v := range []string{"2", "0", "-10", "ten", "3.5"} {
		get, list := env(map[string]string{"KOBAN_STATS_K": v})
		_, _, err := Load(nil, get, list, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "KOBAN_STATS_K") || !strings.Contains(err.Error(), "at least 3") {
			t.Errorf("KOBAN_STATS_K=%s: err = %v, want a refusal naming the variable and the minimum", v, err)
		}
	}
	c = Default()
	c.StatsK = 2
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "KOBAN_STATS_K") {
		t.Errorf("Validate with k = 2: %v", err)
	}
}

func TestPrintMasksSecrets(t *testing.T) {
	c := Default()
	c.DatabaseURL = "postgres://koban:s3cret@db:5432/koban?password=s3cret"
	c.SMTPURL = "smtp://mailer:hunter2@mail:587"
	var b bytes.Buffer
	c.Print(&b)
	if strings.Contains(b.String(), "s3cret") || strings.Contains(b.String(), "hunter2") {
		t.Fatalf("secret printed:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "db:5432") {
		t.Fatalf("host should stay visible:\n%s", b.String())
	}
}

func TestAuditSettings(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "audit-key.pem")
	os.WriteFile(keyFile, keyPEM, 0o600)

	get, list := env(nil)
	c, _, err := Load(nil, get, list, io.Discard)
	if err != nil || c.AuditSigner != nil || c.AuditAnchorInterval != 10*time.Minute {
		t.Fatalf("defaults: signer %v, interval %s, %v", c.AuditSigner, c.AuditAnchorInterval, err)
	}

	get, list = env(map[string]string{"KOBAN_AUDIT_KEY_FILE": keyFile, "KOBAN_AUDIT_ANCHOR_INTERVAL": "90s"})
	c, _, err = Load(nil, get, list, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !c.AuditSigner.Equal(priv) || c.AuditAnchorInterval != 90*time.Second {
		t.Errorf("key from file %v, interval %s", c.AuditSigner.Equal(priv), c.AuditAnchorInterval)
	}
	var b bytes.Buffer
	c.Print(&b)
	if strings.Contains(b.String(), "PRIVATE KEY") || !strings.Contains(b.String(), "KOBAN_AUDIT_KEY=***\n") || !strings.Contains(b.String(), "KOBAN_AUDIT_ANCHOR_INTERVAL=1m30s\n") {
		t.Errorf("printed settings should mask the key:\n%s", b.String())
	}

	rsaLike := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("not der")})
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"missing key file", map[string]string{"KOBAN_AUDIT_KEY_FILE": filepath.Join(dir, "nope")}, "KOBAN_AUDIT_KEY_FILE"},
		{"not PEM", map[string]string{"KOBAN_AUDIT_KEY": "hunter2"}, "KOBAN_AUDIT_KEY: want an Ed25519 private key"},
		{"public key", map[string]string{"KOBAN_AUDIT_KEY": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}, "KOBAN_AUDIT_KEY: want"},
		{"bad DER", map[string]string{"KOBAN_AUDIT_KEY": string(rsaLike)}, "not a PKCS #8 private key"},
		{"interval not a duration", map[string]string{"KOBAN_AUDIT_ANCHOR_INTERVAL": "often"}, "KOBAN_AUDIT_ANCHOR_INTERVAL"},
		{"interval too short", map[string]string{"KOBAN_AUDIT_ANCHOR_INTERVAL": "10ms"}, "KOBAN_AUDIT_ANCHOR_INTERVAL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			get, list := env(tc.env)
			_, _, err := Load(nil, get, list, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("err = %v, want mention of %q and no secret", err, tc.want)
			}
		})
	}
}

func TestLoadWithCommandFlags(t *testing.T) {
	get, list := env(nil)
	for _, args := range [][]string{
		{"--anchors", "a.txt", "--data-dir", "/srv/koban"},
		{"--data-dir", "/srv/koban", "--anchors", "a.txt"},
	} {
		var anchors string
		c, rest, err := LoadWith(append(args, "more"), get, list, io.Discard, func(fs *flag.FlagSet) { fs.StringVar(&anchors, "anchors", "", "") })
		if err != nil || c.DataDir != "/srv/koban" || anchors != "a.txt" || len(rest) != 1 {
			t.Errorf("LoadWith(%q) = data dir %q, anchors %q, rest %q, %v", args, c.DataDir, anchors, rest, err)
		}
	}
}

func TestEgressSettings(t *testing.T) {
	get, list := env(nil)
	c, _, err := Load(nil, get, list, io.Discard)
	if err != nil || c.EgressProxyURL != nil || len(c.EgressAllowed) != 0 || c.EgressTimeout != time.Minute {
		t.Fatalf("defaults: proxy %v, allow %v, timeout %s, %v", c.EgressProxyURL, c.EgressAllowed, c.EgressTimeout, err)
	}
	get, list = env(map[string]string{"KOBAN_EGRESS_PROXY": "http://koban:hunter2@proxy.example:3128", "KOBAN_EGRESS_ALLOW": "10.20.0.0/16, 192.0.2.7", "KOBAN_EGRESS_TIMEOUT": "15s", "KOBAN_EGRESS_PORTS": "8443, 9443"})
	c, _, err = Load(nil, get, list, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.EgressProxyURL == nil || c.EgressProxyURL.Host != "proxy.example:3128" || len(c.EgressAllowed) != 2 || c.EgressAllowed[1].String() != "192.0.2.7/32" || c.EgressTimeout != 15*time.Second ||
		fmt.Sprint(c.EgressPortList) != "[8443 9443]" {
		t.Fatalf("proxy %v, allow %v, timeout %s", c.EgressProxyURL, c.EgressAllowed, c.EgressTimeout)
	}
	var b bytes.Buffer
	c.Print(&b)
	if strings.Contains(b.String(), "hunter2") || !strings.Contains(b.String(), "proxy.example:3128") || !strings.Contains(b.String(), "KOBAN_EGRESS_ALLOW=10.20.0.0/16, 192.0.2.7\n") {
		t.Errorf("printed:\n%s", b.String())
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"proxy scheme", map[string]string{"KOBAN_EGRESS_PROXY": "socks5://proxy:1080"}, "KOBAN_EGRESS_PROXY"},
		{"port", map[string]string{"KOBAN_EGRESS_PORTS": "8443, https"}, "KOBAN_EGRESS_PORTS"},
		{"proxy without host", map[string]string{"KOBAN_EGRESS_PROXY": "http://"}, "KOBAN_EGRESS_PROXY"},
		{"bad CIDR", map[string]string{"KOBAN_EGRESS_ALLOW": "10.0.0.0/8,10.0.0.0/40"}, "KOBAN_EGRESS_ALLOW: item 2"},
		{"timeout not a duration", map[string]string{"KOBAN_EGRESS_TIMEOUT": "soon"}, "KOBAN_EGRESS_TIMEOUT"},
		{"timeout too short", map[string]string{"KOBAN_EGRESS_TIMEOUT": "10ms"}, "KOBAN_EGRESS_TIMEOUT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			get, list := env(tc.env)
			_, _, err := Load(nil, get, list, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want mention of %q", err, tc.want)
			}
		})
	}
}

func TestPatrolQuota(t *testing.T) {
	get, list := env(nil)
	if c, _, err := Load(nil, get, list, io.Discard); err != nil || c.PatrolQuota != 0 {
		t.Fatalf("default quota = %d, %v; want none", c.PatrolQuota, err)
	}
	for _, tc := range []struct {
		in      string
		want    int64
		printed string
	}{
		{"0", 0, "0"},
		{"1000000", 1_000_000, "1MB"},
		{"500MB", 500_000_000, "500MB"},
		{"20GB", 20_000_000_000, "20GB"},
		{"20 gb", 20_000_000_000, "20GB"},
		{"1.5TB", 1_500_000_000_000, "1500GB"},
		{"512MiB", 512 << 20, "512MiB"},
		{"2GiB", 2 << 30, "2GiB"},
		{"4k", 4000, "4KB"},
		{"123B", 123, "123"},
	} {
		get, list := env(map[string]string{"KOBAN_PATROL_QUOTA": tc.in})
		c, _, err := Load(nil, get, list, io.Discard)
		if err != nil || c.PatrolQuota != tc.want {
			t.Errorf("KOBAN_PATROL_QUOTA=%q: %d, %v; want %d", tc.in, c.PatrolQuota, err, tc.want)
			continue
		}
		var b bytes.Buffer
		c.Print(&b)
		if !strings.Contains(b.String(), "KOBAN_PATROL_QUOTA="+tc.printed+"\n") {
			t.Errorf("KOBAN_PATROL_QUOTA=%q printed as:\n%s", tc.in, b.String())
		}
		if back, err := ParseBytes(tc.printed); err != nil || back != tc.want {
			t.Errorf("%q printed as %q reads back as %d, %v", tc.in, tc.printed, back, err)
		}
	}
	if c, _, err := Load([]string{"--patrol-quota", "3GB"}, get, list, io.Discard); err != nil || c.PatrolQuota != 3_000_000_000 {
		t.Errorf("--patrol-quota 3GB: %d, %v", c.PatrolQuota, err)
	}
	for _, bad := range []string{"-1GB", "20XB", "GB", "20 G B", "1.5", "1.2345GB", "1..5GB", ".5GB", "9223372036854775807KB", "99999999999999999999", "1e9"} {
		get, list := env(map[string]string{"KOBAN_PATROL_QUOTA": bad})
		_, _, err := Load(nil, get, list, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "KOBAN_PATROL_QUOTA") || !strings.Contains(err.Error(), "500MB or 20GB") || !strings.Contains(err.Error(), strconv.Quote(bad)) {
			t.Errorf("KOBAN_PATROL_QUOTA=%q: %v; want an error naming the setting, what it wants and what it got", bad, err)
		}
	}
}

func TestOIDCSettings(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.json")
	secret := filepath.Join(dir, "secret")
	os.WriteFile(rules, []byte(`{"rules": []}`), 0o600)
	os.WriteFile(secret, []byte("client-secret-from-a-file\n"), 0o600)
	get, list := env(map[string]string{"KOBAN_OIDC_ISSUER": "https://id.police.example.jp/realms/koban", "KOBAN_OIDC_CLIENT_ID": "koban",
		"KOBAN_OIDC_CLIENT_SECRET_FILE": secret, "KOBAN_OIDC_RULES": rules, "KOBAN_OIDC_NAME": "警察庁ID"})
	c, _, err := Load(nil, get, list, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.OIDCClientSecret != "client-secret-from-a-file" || c.OIDCName != "警察庁ID" || c.OIDCRules != rules {
		t.Errorf("read %+v", c)
	}
	var out bytes.Buffer
	c.Print(&out)
	if strings.Contains(out.String(), "client-secret-from-a-file") {
		t.Error("the client secret is printed")
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"issuer not a URL", map[string]string{"KOBAN_OIDC_ISSUER": "id.police.example.jp", "KOBAN_OIDC_CLIENT_ID": "koban", "KOBAN_OIDC_RULES": rules},
			[]string{"KOBAN_OIDC_ISSUER"}},
		{"client id and rules missing", map[string]string{"KOBAN_OIDC_ISSUER": "https://id.example.jp"},
			[]string{"KOBAN_OIDC_CLIENT_ID is empty", "KOBAN_OIDC_RULES is empty"}},
		{"rules not a file", map[string]string{"KOBAN_OIDC_ISSUER": "https://id.example.jp", "KOBAN_OIDC_CLIENT_ID": "koban", "KOBAN_OIDC_RULES": dir},
			[]string{"KOBAN_OIDC_RULES", "not a readable file"}},
		{"half set up", map[string]string{"KOBAN_OIDC_CLIENT_ID": "koban"}, []string{"KOBAN_OIDC_ISSUER is empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			get, list := env(tc.env)
			_, _, err := Load(nil, get, list, io.Discard)
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v lacks %q", err, w)
				}
			}
		})
	}
}
