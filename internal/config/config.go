// Package config reads koban's settings from KOBAN_* environment variables
// and command-line flags (flags win), checks them, and prints them with
// secrets masked. There are no globals: the app passes a Config along.
package config

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/stats"
)

// Config is every setting koban reads.
type Config struct {
	Addr        string // KOBAN_ADDR
	DataDir     string // KOBAN_DATA_DIR
	DatabaseURL string // KOBAN_DATABASE_URL (secret: may hold a password)
	BaseURL     string // KOBAN_BASE_URL: the public address, for status links handed out; "" = links relative to this server
	TimeZone    string // KOBAN_TIMEZONE: how dates are shown (IANA name)
	LogLevel    string // KOBAN_LOG_LEVEL: debug, info, warn, error
	SMTPURL     string // KOBAN_SMTP_URL: smtp://user:pass@host:port (secret); "" = no e-mail
	MailFrom    string // KOBAN_MAIL_FROM
	TrustProxy  bool   // KOBAN_TRUST_PROXY: take the client address from X-Forwarded-For
	SubmitRate  float64
	SubmitBurst int
	// MetricsAddr (KOBAN_METRICS_ADDR) serves /metrics on an address of its
	// own, and no longer on Addr; MetricsToken (KOBAN_METRICS_TOKEN, secret)
	// opens /metrics on Addr to a bearer of it. With neither, /metrics on
	// Addr answers loopback clients only.
	MetricsAddr  string
	MetricsToken string
	// AuditKey (KOBAN_AUDIT_KEY, usually KOBAN_AUDIT_KEY_FILE; secret) is an
	// Ed25519 private key in PEM that signs the audit anchors; "" leaves
	// them unsigned.
	AuditKey string
	// AuditAnchorInterval (KOBAN_AUDIT_ANCHOR_INTERVAL) is how often the
	// audit chain's head is written outside the database.
	AuditAnchorInterval time.Duration
	// EncryptionKeys (KOBAN_ENCRYPTION_KEYS) is the path of the key file
	// (age secret keys, one a line, the first current) that evidence files
	// and reporters' contact fields are encrypted with at rest; "" leaves
	// them in the clear. koban re-reads the file when it changes.
	EncryptionKeys string
	// PDFFont (KOBAN_PDF_FONT) is a TrueType font with Japanese glyphs
	// for the court bundle's PDF; "" looks where Debian puts IPA Gothic.
	PDFFont string
	// Counterparts (KOBAN_COUNTERPARTS) is the file of countries and
	// agencies abroad for international requests; "" the shipped list.
	Counterparts string
	// YaraRules (KOBAN_YARA_RULES) is a folder of operators' YARA rule sets
	// (sets.json naming each file with its licence and author), scanned
	// beside koban's own; "" koban's own alone.
	YaraRules string
	// EgressProxy (KOBAN_EGRESS_PROXY; secret, it may hold a password) is
	// an http(s) proxy every outbound fetch goes through; "" = direct.
	EgressProxy string
	// LLMURL (KOBAN_LLM_URL) is an OpenAI-compatible endpoint (a local vLLM
	// or Ollama) asked for a second opinion on triage; "" = off, the
	// default. LLMModel names its model, LLMKey (secret) is its bearer
	// token, LLMAllow lists the hosts it may be on (the URL's host must be
	// one; on a private network KOBAN_EGRESS_ALLOW must reach it too).
	LLMURL, LLMModel, LLMKey, LLMAllow string
	// EgressAllow (KOBAN_EGRESS_ALLOW) lists CIDRs outbound fetches may reach
	// although they are not public addresses (partners on a private network).
	EgressAllow string
	// EgressPorts (KOBAN_EGRESS_PORTS) lists the ports outbound fetches may
	// reach on public addresses besides 80 and 443.
	EgressPorts string
	// EgressTimeout (KOBAN_EGRESS_TIMEOUT) bounds each outbound fetch.
	EgressTimeout time.Duration
	// TakedownBatch (KOBAN_TAKEDOWN_BATCH) is how long takedown requests to
	// one provider are gathered into one mail; 0 sends each at once.
	TakedownBatch time.Duration
	// PatrolQuota (KOBAN_PATROL_QUOTA) is how many bytes patrol's kept
	// captures may take in the file store before pages that changed are
	// no longer kept (a warning from 80 %); 0: no quota.
	PatrolQuota int64
	// RetentionPolicy (KOBAN_RETENTION_POLICY) is the operator's JSON file
	// of retention periods laid over koban's defaults (docs/operations.md,
	// "Retention"); empty: the defaults.
	RetentionPolicy string
	// StatsK (KOBAN_STATS_K) is the smallest count the public statistics
	// publish: smaller counts, and what would give them away, are hidden.
	StatsK int
	// OIDCIssuer (KOBAN_OIDC_ISSUER) turns on single sign-on through the
	// force's OpenID Connect provider; "" = off, local accounts alone.
	// OIDCClientID and OIDCClientSecret (secret) are koban's registration
	// there, OIDCRules the JSON rule table from claims to organisation and
	// role, OIDCName the provider's name on the sign-in button.
	OIDCIssuer, OIDCClientID, OIDCClientSecret, OIDCRules, OIDCName string

	Location       *time.Location     // TimeZone, loaded
	AuditSigner    ed25519.PrivateKey // AuditKey, read; nil without one
	EgressProxyURL *url.URL           // EgressProxy, parsed; nil without one
	EgressAllowed  []netip.Prefix     // EgressAllow, parsed
	EgressPortList []uint16           // EgressPorts, parsed
}

// vars maps each environment variable to its field and help text.
type setting struct {
	env, flag, help string
	secret          bool
	set             func(c *Config, v string) error
	get             func(c *Config) string
}

var settings = []setting{
	{"KOBAN_ADDR", "addr", "address to listen on", false, func(c *Config, v string) error { c.Addr = v; return nil }, func(c *Config) string { return c.Addr }},
	{"KOBAN_DATA_DIR", "data-dir", "folder for the SQLite database and evidence files", false, func(c *Config, v string) error { c.DataDir = v; return nil }, func(c *Config) string { return c.DataDir }},
	{"KOBAN_DATABASE_URL", "database-url", "empty: SQLite in the data folder; postgres://…: PostgreSQL", true, func(c *Config, v string) error { c.DatabaseURL = v; return nil }, func(c *Config) string { return c.DatabaseURL }},
	{"KOBAN_BASE_URL", "base-url", "public address of koban, e.g. https://koban.example.jp", false, func(c *Config, v string) error { c.BaseURL = strings.TrimRight(v, "/"); return nil }, func(c *Config) string { return c.BaseURL }},
	{"KOBAN_TIMEZONE", "timezone", "time zone dates are shown in", false, func(c *Config, v string) error { c.TimeZone = v; return nil }, func(c *Config) string { return c.TimeZone }},
	{"KOBAN_LOG_LEVEL", "log-level", "debug, info, warn or error", false, func(c *Config, v string) error { c.LogLevel = v; return nil }, func(c *Config) string { return c.LogLevel }},
	{"KOBAN_SMTP_URL", "smtp-url", "smtp://user:password@host:587 to e-mail reporters; empty: no e-mail", true, func(c *Config, v string) error { c.SMTPURL = v; return nil }, func(c *Config) string { return c.SMTPURL }},
	{"KOBAN_MAIL_FROM", "mail-from", "sender address of e-mail to reporters", false, func(c *Config, v string) error { c.MailFrom = v; return nil }, func(c *Config) string { return c.MailFrom }},
	{"KOBAN_TRUST_PROXY", "trust-proxy", "true when behind a reverse proxy that sets X-Forwarded-For", false, func(c *Config, v string) error {
		switch strings.ToLower(v) {
		case "true", "1", "yes":
			c.TrustProxy = true
		case "false", "0", "no", "":
			c.TrustProxy = false
		default:
			return fmt.Errorf("want true or false, got %q", v)
		}
		return nil
	}, func(c *Config) string { return fmt.Sprint(c.TrustProxy) }},
	{"KOBAN_SUBMIT_RATE", "submit-rate", "public submissions per second per client address", false, func(c *Config, v string) error {
		_, err := fmt.Sscanf(v, "%g", &c.SubmitRate)
		return err
	}, func(c *Config) string { return fmt.Sprint(c.SubmitRate) }},
	{"KOBAN_SUBMIT_BURST", "submit-burst", "public submissions a client may make at once", false, func(c *Config, v string) error {
		_, err := fmt.Sscanf(v, "%d", &c.SubmitBurst)
		return err
	}, func(c *Config) string { return fmt.Sprint(c.SubmitBurst) }},
	{"KOBAN_METRICS_ADDR", "metrics-addr", "serve /metrics here alone (e.g. 127.0.0.1:9090) instead of on KOBAN_ADDR", false, func(c *Config, v string) error { c.MetricsAddr = v; return nil }, func(c *Config) string { return c.MetricsAddr }},
	{"KOBAN_METRICS_TOKEN", "metrics-token", "bearer token that opens /metrics on KOBAN_ADDR to a remote Prometheus", true, func(c *Config, v string) error { c.MetricsToken = v; return nil }, func(c *Config) string { return c.MetricsToken }},
	{"KOBAN_AUDIT_KEY", "audit-key", "Ed25519 private key (PEM) that signs audit anchors; give it as KOBAN_AUDIT_KEY_FILE", true, func(c *Config, v string) error { c.AuditKey = v; return nil }, func(c *Config) string { return c.AuditKey }},
	{"KOBAN_AUDIT_ANCHOR_INTERVAL", "audit-anchor-interval", "how often the audit chain's head is written to the anchor file and the log, e.g. 10m", false, func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("want a duration such as 10m, got %q", v)
		}
		c.AuditAnchorInterval = d
		return nil
	}, func(c *Config) string { return c.AuditAnchorInterval.String() }},
	{"KOBAN_EGRESS_PROXY", "egress-proxy", "http(s) proxy for koban's outbound fetches (TAXII polls, feeds), e.g. http://proxy.example:3128; empty: direct", true, func(c *Config, v string) error { c.EgressProxy = v; return nil }, func(c *Config) string { return c.EgressProxy }},
	{"KOBAN_LLM_URL", "llm-url", "OpenAI-compatible endpoint (local vLLM or Ollama) for a second opinion on triage, e.g. http://10.0.0.5:8000; empty: off", false, func(c *Config, v string) error { c.LLMURL = v; return nil }, func(c *Config) string { return c.LLMURL }},
	{"KOBAN_LLM_MODEL", "llm-model", "the endpoint's model name, e.g. qwen2.5-7b-instruct", false, func(c *Config, v string) error { c.LLMModel = v; return nil }, func(c *Config) string { return c.LLMModel }},
	{"KOBAN_LLM_KEY", "llm-key", "bearer token of the LLM endpoint, if it wants one", true, func(c *Config, v string) error { c.LLMKey = v; return nil }, func(c *Config) string { return c.LLMKey }},
	{"KOBAN_LLM_ALLOW", "llm-allow", "comma-separated hosts the LLM endpoint may be on (its host must be one)", false, func(c *Config, v string) error { c.LLMAllow = v; return nil }, func(c *Config) string { return c.LLMAllow }},
	{"KOBAN_EGRESS_PORTS", "egress-ports", "comma-separated ports outbound fetches may reach on public addresses besides 80 and 443, e.g. 8443", false, func(c *Config, v string) error { c.EgressPorts = v; return nil }, func(c *Config) string { return c.EgressPorts }},
	{"KOBAN_EGRESS_ALLOW", "egress-allow", "comma-separated CIDRs outbound fetches may reach although private, e.g. 10.20.0.0/16", false, func(c *Config, v string) error { c.EgressAllow = v; return nil }, func(c *Config) string { return c.EgressAllow }},
	{"KOBAN_EGRESS_TIMEOUT", "egress-timeout", "time limit of one outbound fetch, body included, e.g. 60s", false, func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("want a duration such as 60s, got %q", v)
		}
		c.EgressTimeout = d
		return nil
	}, func(c *Config) string { return c.EgressTimeout.String() }},
	{"KOBAN_TAKEDOWN_BATCH", "takedown-batch", "how long takedown requests to one provider are gathered into one mail, e.g. 10m; 0 sends each at once", false, func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > 24*time.Hour {
			return fmt.Errorf("want a duration from 0 to 24h such as 10m, got %q", v)
		}
		c.TakedownBatch = d
		return nil
	}, func(c *Config) string { return c.TakedownBatch.String() }},
	{"KOBAN_STATS_K", "stats-k", "smallest count the public statistics publish (at least 3); smaller ones are hidden", false, func(c *Config, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < stats.MinK {
			return fmt.Errorf("want a whole number of at least %d (the smallest count /statistics publishes; %d by default), got %q: "+
				"below %d a hidden count could only be 1 or 2, and a 1 beside its total tells who is alone", stats.MinK, stats.DefaultK, v, stats.MinK)
		}
		c.StatsK = n
		return nil
	}, func(c *Config) string { return strconv.Itoa(c.StatsK) }},
	{"KOBAN_YARA_RULES", "yara-rules", "folder of YARA rule sets scanned beside koban's own: sets.json lists each .yar file with its name, licence (SPDX), author and source", false, func(c *Config, v string) error { c.YaraRules = v; return nil }, func(c *Config) string { return c.YaraRules }},
	{"KOBAN_COUNTERPARTS", "counterparts", "JSON file of the countries and agencies abroad (with their 24/7 contacts) for international requests; empty: the list koban ships, without contacts", false, func(c *Config, v string) error { c.Counterparts = v; return nil }, func(c *Config) string { return c.Counterparts }},
	{"KOBAN_PATROL_QUOTA", "patrol-quota", "bytes patrol captures may take in the file store, e.g. 500MB or 20GB; warned of at 80 %, at 100 % pages that changed are not kept; empty or 0: no quota", false, func(c *Config, v string) error {
		n, err := ParseBytes(v)
		if err != nil {
			return err
		}
		c.PatrolQuota = n
		return nil
	}, func(c *Config) string { return FormatBytes(c.PatrolQuota) }},
	{"KOBAN_ENCRYPTION_KEYS", "encryption-keys", "key file (age secret keys, one a line, the first current; `koban keys generate` makes one) that evidence files and reporters' contact details are encrypted with at rest; empty: not encrypted", false, func(c *Config, v string) error { c.EncryptionKeys = v; return nil }, func(c *Config) string { return c.EncryptionKeys }},
	{"KOBAN_OIDC_ISSUER", "oidc-issuer", "issuer URL of the OpenID Connect provider for single sign-on, e.g. https://id.police.example.jp/realms/koban; empty: off", false, func(c *Config, v string) error { c.OIDCIssuer = strings.TrimSpace(v); return nil }, func(c *Config) string { return c.OIDCIssuer }},
	{"KOBAN_OIDC_CLIENT_ID", "oidc-client-id", "koban's client id at the OpenID Connect provider", false, func(c *Config, v string) error { c.OIDCClientID = v; return nil }, func(c *Config) string { return c.OIDCClientID }},
	{"KOBAN_OIDC_CLIENT_SECRET", "oidc-client-secret", "koban's client secret at the OpenID Connect provider; give it as KOBAN_OIDC_CLIENT_SECRET_FILE", true, func(c *Config, v string) error { c.OIDCClientSecret = v; return nil }, func(c *Config) string { return c.OIDCClientSecret }},
	{"KOBAN_OIDC_RULES", "oidc-rules", "JSON file of the rules from the provider's claims to organisation and role (docs/operations.md)", false, func(c *Config, v string) error { c.OIDCRules = v; return nil }, func(c *Config) string { return c.OIDCRules }},
	{"KOBAN_OIDC_NAME", "oidc-name", "the provider's name on the sign-in button, e.g. 警察庁ID; empty: OpenID Connect", false, func(c *Config, v string) error { c.OIDCName = v; return nil }, func(c *Config) string { return c.OIDCName }},
	{"KOBAN_RETENTION_POLICY", "retention-policy", "JSON file of retention periods (reports by kind and category, patrol captures, cases, evidence, audit) over koban's defaults; empty: the defaults", false, func(c *Config, v string) error { c.RetentionPolicy = v; return nil }, func(c *Config) string { return c.RetentionPolicy }},
	{"KOBAN_PDF_FONT", "pdf-font", "TrueType font (.ttf) with Japanese glyphs for court bundle PDFs; empty: IPA Gothic where Debian installs it", false, func(c *Config, v string) error { c.PDFFont = v; return nil }, func(c *Config) string { return c.PDFFont }},
}

// Default returns the settings koban runs with when nothing is set.
func Default() Config {
	return Config{Addr: "localhost:8080", DataDir: "./koban-data", TimeZone: "Asia/Tokyo", LogLevel: "info",
		MailFrom: "koban@localhost", SubmitRate: 0.2, SubmitBurst: 10, AuditAnchorInterval: 10 * time.Minute,
		EgressTimeout: 60 * time.Second, TakedownBatch: 10 * time.Minute, StatsK: stats.DefaultK}
}

// Load reads the environment (through getenv and environ, for tests) and
// then the flags in args. An unknown KOBAN_* variable is an error: a typo
// must not silently leave a default in force.
func Load(args []string, getenv func(string) string, environ []string, stderr io.Writer) (Config, []string, error) {
	return LoadWith(args, getenv, environ, stderr, nil)
}

// LoadWith is Load for a command with flags of its own: more adds them to
// the settings' flag set, so that the two kinds may come in any order.
func LoadWith(args []string, getenv func(string) string, environ []string, stderr io.Writer, more func(*flag.FlagSet)) (Config, []string, error) {
	c := Default()
	// Test-only variables may share the environment with a running koban.
	known := map[string]bool{"KOBAN_TEST_POSTGRES": true, "KOBAN_TEST_BACKEND": true, "KOBAN_ARTIFACTS": true,
		"KOBAN_MIGRATE_BENCH_REPORTS": true, "KOBAN_MIGRATE_BENCH_BATCH": true}
	for _, s := range settings {
		known[s.env] = true
		v := getenv(s.env)
		if v == "" {
			// *_FILE lets secrets come from files (Docker/Kubernetes secrets).
			if f := getenv(s.env + "_FILE"); f != "" {
				b, err := os.ReadFile(f)
				if err != nil {
					return c, nil, fmt.Errorf("%s_FILE: %w", s.env, err)
				}
				v = strings.TrimSpace(string(b))
			}
		}
		known[s.env+"_FILE"] = true
		if v != "" {
			if err := s.set(&c, v); err != nil {
				return c, nil, fmt.Errorf("%s: %w", s.env, err)
			}
		}
	}
	var unknown []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "KOBAN_") && !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return c, nil, fmt.Errorf("unknown setting %s (known: see `koban help`)", strings.Join(unknown, ", "))
	}
	fs := flag.NewFlagSet("koban", flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, s := range settings {
		s := s
		fs.Func(s.flag, s.help+" ("+s.env+")", func(v string) error { return s.set(&c, v) })
	}
	if more != nil {
		more(fs)
	}
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	return c, fs.Args(), c.Validate()
}

// Validate checks the settings, across fields too, and loads the time zone.
func (c *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("KOBAN_ADDR %q: want host:port", c.Addr))
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("KOBAN_METRICS_ADDR %q: want host:port", c.MetricsAddr))
		} else if c.MetricsAddr == c.Addr && !strings.HasSuffix(c.Addr, ":0") {
			errs = append(errs, errors.New("KOBAN_METRICS_ADDR must differ from KOBAN_ADDR"))
		}
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		errs = append(errs, errors.New("KOBAN_METRICS_TOKEN: use at least 16 characters"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("KOBAN_DATA_DIR is empty"))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("KOBAN_DATABASE_URL: want postgres://… or empty for SQLite"))
	}
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("KOBAN_BASE_URL %q: want http(s)://host", c.BaseURL))
		}
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		errs = append(errs, fmt.Errorf("KOBAN_TIMEZONE %q: %v", c.TimeZone, err))
	}
	c.Location = loc
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("KOBAN_LOG_LEVEL %q: want debug, info, warn or error", c.LogLevel))
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			errs = append(errs, errors.New("KOBAN_SMTP_URL: want smtp://[user:password@]host:port"))
		}
	}
	if c.SubmitRate <= 0 || c.SubmitBurst <= 0 {
		errs = append(errs, errors.New("KOBAN_SUBMIT_RATE and KOBAN_SUBMIT_BURST must be positive"))
	}
	if c.AuditAnchorInterval < time.Second {
		errs = append(errs, fmt.Errorf("KOBAN_AUDIT_ANCHOR_INTERVAL %s: want a second or more", c.AuditAnchorInterval))
	}
	if c.PDFFont != "" {
		if fi, err := os.Stat(c.PDFFont); err != nil || !fi.Mode().IsRegular() {
			errs = append(errs, fmt.Errorf("KOBAN_PDF_FONT %q: not a readable font file", c.PDFFont))
		}
	}
	c.EgressProxyURL = nil
	if c.EgressProxy != "" {
		u, err := url.Parse(c.EgressProxy)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			errs = append(errs, errors.New("KOBAN_EGRESS_PROXY: want http(s)://[user:password@]host:port"))
		} else {
			c.EgressProxyURL = u
		}
	}
	allow, err := egress.ParseAllow(c.EgressAllow)
	if err != nil {
		errs = append(errs, fmt.Errorf("KOBAN_EGRESS_ALLOW: %v", err))
	}
	c.EgressAllowed = allow
	c.EgressPortList = nil
	for _, f := range strings.FieldsFunc(c.EgressPorts, func(r rune) bool { return r == ',' || r == ' ' }) {
		n, err := strconv.ParseUint(f, 10, 16)
		if err != nil || n == 0 {
			errs = append(errs, fmt.Errorf("KOBAN_EGRESS_PORTS: %q is not a port", f))
			continue
		}
		c.EgressPortList = append(c.EgressPortList, uint16(n))
	}
	if c.StatsK < stats.MinK {
		errs = append(errs, fmt.Errorf("KOBAN_STATS_K %d: want at least %d", c.StatsK, stats.MinK))
	}
	if c.EgressTimeout < time.Second {
		errs = append(errs, fmt.Errorf("KOBAN_EGRESS_TIMEOUT %s: want a second or more", c.EgressTimeout))
	}
	errs = append(errs, c.validateOIDC()...)
	c.AuditSigner = nil
	if c.AuditKey != "" {
		key, err := parseAuditKey(c.AuditKey)
		if err != nil {
			// The key itself stays out of the message: it is a secret.
			errs = append(errs, fmt.Errorf("KOBAN_AUDIT_KEY: %v", err))
		}
		c.AuditSigner = key
	}
	return errors.Join(errs...)
}

// validateOIDC checks the single sign-on settings: all or nothing. The rule
// table is read and checked against the organisations when koban opens.
func (c *Config) validateOIDC() []error {
	if c.OIDCIssuer == "" {
		if c.OIDCClientID != "" || c.OIDCClientSecret != "" || c.OIDCRules != "" {
			return []error{errors.New("KOBAN_OIDC_ISSUER is empty but other KOBAN_OIDC_* settings are set: set the issuer too, or none of them")}
		}
		return nil
	}
	var errs []error
	if u, err := url.Parse(c.OIDCIssuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("KOBAN_OIDC_ISSUER %q: want https://host[/path], as the provider's discovery document names it", c.OIDCIssuer))
	}
	if c.OIDCClientID == "" {
		errs = append(errs, errors.New("KOBAN_OIDC_CLIENT_ID is empty: the provider knows koban by it"))
	}
	if c.OIDCRules == "" {
		errs = append(errs, errors.New("KOBAN_OIDC_RULES is empty: without a rule table no one can be given a role"))
	} else if fi, err := os.Stat(c.OIDCRules); err != nil || !fi.Mode().IsRegular() {
		errs = append(errs, fmt.Errorf("KOBAN_OIDC_RULES %q: not a readable file", c.OIDCRules))
	}
	return errs
}

// byteUnits are the suffixes ParseBytes reads, upper-cased: powers of 1000
// (KB, MB, …, as disks are sold) and of 1024 (KiB, MiB, …).
var byteUnits = map[string]int64{"": 1, "B": 1,
	"K": 1e3, "KB": 1e3, "M": 1e6, "MB": 1e6, "G": 1e9, "GB": 1e9, "T": 1e12, "TB": 1e12,
	"KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40}

// ParseBytes reads a size such as 500MB, 20GB, 1.5TB, 512MiB or 1000000
// (bytes; a fraction only of a unit, to three places); "" and 0 are 0. The units are case-insensitive and a space may
// come before them.
func ParseBytes(v string) (int64, error) {
	bad := fmt.Errorf("want a size in bytes such as 500MB or 20GB (KB, MB, GB, TB: powers of 1000; KiB, MiB, GiB, TiB: of 1024), got %q", v)
	s := strings.TrimSpace(v)
	if s == "" {
		return 0, nil
	}
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(s)
	}
	num, unit := s[:i], strings.ToUpper(strings.TrimSpace(s[i:]))
	mult, ok := byteUnits[unit]
	if num == "" || !ok {
		return 0, bad
	}
	if whole, frac, dotted := strings.Cut(num, "."); dotted {
		// A fraction of a unit (1.5GB), to three places.
		if mult == 1 || whole == "" || frac == "" || len(frac) > 3 || strings.Contains(frac, ".") {
			return 0, bad
		}
		w, err := strconv.ParseInt(whole, 10, 64)
		if err != nil || w > math.MaxInt64/mult-1 {
			return 0, bad
		}
		f, _ := strconv.ParseInt(frac+strings.Repeat("0", 3-len(frac)), 10, 64) // thousandths
		return w*mult + f*mult/1000, nil
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > math.MaxInt64/mult {
		return 0, bad
	}
	return n * mult, nil
}

// FormatBytes writes a size as ParseBytes reads it, in a unit that says it
// exactly, the larger the better ("0" for none).
func FormatBytes(n int64) string {
	if n == 0 {
		return "0"
	}
	for _, u := range []string{"TB", "TiB", "GB", "GiB", "MB", "MiB", "KB", "KiB"} {
		if m := byteUnits[strings.ToUpper(u)]; n%m == 0 {
			return strconv.FormatInt(n/m, 10) + u
		}
	}
	return strconv.FormatInt(n, 10)
}

// parseAuditKey reads an Ed25519 private key in PEM ("PRIVATE KEY", PKCS #8,
// as `openssl genpkey -algorithm ed25519` writes it).
func parseAuditKey(s string) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode([]byte(s))
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New("want an Ed25519 private key in PEM (-----BEGIN PRIVATE KEY-----), as openssl genpkey -algorithm ed25519 writes it")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, errors.New("the PEM block is not a PKCS #8 private key")
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("the key is not an Ed25519 key (RSA and ECDSA keys cannot sign anchors)")
	}
	return key, nil
}

// Print writes the settings, secrets masked.
func (c *Config) Print(w io.Writer) {
	for _, s := range settings {
		v := s.get(c)
		if s.secret && v != "" {
			v = mask(v)
		}
		fmt.Fprintf(w, "%s=%s\n", s.env, v)
	}
}

// mask hides a secret, keeping a URL's scheme and host so the setting can
// still be recognised.
func mask(v string) string {
	if u, err := url.Parse(v); err == nil && u.Host != "" {
		if u.User != nil {
			u.User = url.User("***")
		}
		u.RawQuery = ""
		return u.String()
	}
	return "***"
}
