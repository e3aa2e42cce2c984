package auth

import (
	"context"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/koban"
)

// SignInVerified opens a full session for an account whose holder another
// party has already proven: an OpenID Connect provider koban trusts, which
// asks for its own second factor, so that koban asks for no TOTP code of
// its own. A disabled account, or one whose role may not use the web
// pages, is refused (Forbidden, "auth.oidc.error.account_disabled"). e is
// the sign-in's audit entry, written as the failure count is cleared.
func (s *Service) SignInVerified(ctx context.Context, userID int64, ip string, e audit.Entry) (string, error) {
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return "", err
	}
	if u.Disabled || !u.Role.WebLogin() {
		return "", koban.Errorf(koban.Forbidden, "auth.oidc.error.account_disabled")
	}
	if err := s.store.LoginSucceeded(ctx, u.ID, e); err != nil {
		return "", err
	}
	return s.newSession(ctx, u.ID, StageFull, "", ip)
}
