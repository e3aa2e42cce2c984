package app_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/config"
)

// A mistake in the rule table stops the start, naming the rule, rather
// than a sign-in later; a good table starts koban with single sign-on on.
func TestSSORulesCheckedAtStart(t *testing.T) {
	for _, c := range []struct {
		name, rules, want string
	}{
		{"unknown organisation", `{"rules": [{"match": [], "org": "pref-48", "role": "intake"}]}`, `rule 1: unknown organisation code "pref-48"`},
		{"unknown role", `{"rules": [{"match": [], "disabled": true}, {"match": [], "org": "pref-13", "role": "boss"}]}`, `rule 2: unknown role "boss"`},
		{"not JSON", `rules: []`, "KOBAN_OIDC_RULES"},
		{"good", `{"rules": [{"match": [{"claim": "groups", "contains": "g"}], "org": "ncu", "role": "analyst"}]}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			rules := filepath.Join(t.TempDir(), "rules.json")
			if err := os.WriteFile(rules, []byte(c.rules), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := config.Default()
			// The provider is not running: koban asks it at the first sign-in, not at start.
			cfg.DataDir, cfg.OIDCIssuer, cfg.OIDCClientID, cfg.OIDCRules = dir, "https://id.police.example.jp", "koban", rules
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			a, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{HasherParams: &apptest.TestHasher})
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				defer a.Close()
				if a.SSO == nil || a.SSO.Name() != "OpenID Connect" {
					t.Error("single sign-on is not on")
				}
				return
			}
			if err == nil {
				a.Close()
				t.Fatal("koban started")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q lacks %q", err, c.want)
			}
		})
	}
}
