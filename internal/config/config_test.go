package config

import (
	"bytes"
	"io"
	"strings"
	"testing"
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
