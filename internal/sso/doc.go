// Package sso signs officers in through the force's identity provider with
// OpenID Connect: the authorization code flow with PKCE (S256), the state
// and nonce bound to the browser by a one-time flow row, the ID token
// checked by go-oidc (signature, issuer, audience, expiry) and its nonce
// here. A rule table maps the token's claims to an organisation and a role,
// or says the account is disabled. Accounts are linked to the provider's
// (issuer, subject), made at the first sign-in with no password of their
// own, brought in line with the rules at each later one, and disabled (their
// sessions ended) when the rules say so. The provider is trusted for the
// second factor: koban asks for no TOTP code after it.
package sso
