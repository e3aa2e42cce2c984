package auth

import "github.com/koban-project/koban/internal/audit"

// Principal is a signed-in officer or an API client: who they are, the
// organisation they act for and the role that bounds what they may do.
type Principal struct {
	UserID int64
	Email  string
	Name   string
	OrgID  int64
	Role   Role
	IP     string
	Via    string // "session" or "token"
	// MustChangePassword says a session was opened with a one-time
	// password from an administrator: pages other than the officer's own
	// account are closed to it until the password is changed.
	MustChangePassword bool
}

// Can reports whether the principal's role grants p.
func (p Principal) Can(perm Permission) bool { return p.Role.Can(perm) }

// Actor is the principal as the audit log records it.
func (p Principal) Actor() audit.Actor {
	return audit.Actor{UserID: p.UserID, OrgID: p.OrgID, Label: p.Email, IP: p.IP}
}
