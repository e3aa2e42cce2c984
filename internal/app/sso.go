package app

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/sso"
)

// openSSO sets up single sign-on when KOBAN_OIDC_ISSUER is set: the rule
// table is read and checked against the organisations now, so that a
// mistake stops the start rather than a sign-in. The provider is reached
// through the egress client (KOBAN_EGRESS_ALLOW must name a provider on a
// private network).
func (a *App) openSSO(cfg config.Config, log *slog.Logger, clock koban.Clock) (*sso.Service, error) {
	b, err := os.ReadFile(cfg.OIDCRules)
	if err != nil {
		return nil, fmt.Errorf("KOBAN_OIDC_RULES: %w", err)
	}
	rules, err := sso.ParseRules(b, a.Tree())
	if err != nil {
		return nil, fmt.Errorf("KOBAN_OIDC_RULES %s: %w", cfg.OIDCRules, err)
	}
	return sso.New(a.DB, a.Auth, a.Tree, sso.Options{Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
		Name: cfg.OIDCName, Rules: rules, HTTP: a.Egress.HTTPClient(), Clock: clock, Log: log})
}
