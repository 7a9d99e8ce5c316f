// Package dashboard is the central office's and supervisors' web dashboard,
// mounted on the intake server (`sira intake serve`): sign-in with roles,
// completion against targets, the interviews table, review (approve, or
// reject back to the enumerator's laptop), duplicates and conflicts,
// devices and tokens, exports and the statistics report.
//
// Pages are rendered on the server with html/template from embedded
// templates and one embedded stylesheet: no JavaScript framework and no
// CDN, so it works on an office LAN without internet. French and English.
//
// The dashboard is an HTTP adapter over the office domain (package
// office): reviews and the notices to laptops, conflicts' chosen copies,
// probable duplicates, targets, devices and the audit log are the office
// store's. It still keeps, in the intake's SQLite file with its own
// migrations (dashboard_schema), its projection and counts, accounts,
// sessions and API tokens; it writes the intake's tables only through
// intake.Store (CreateToken, RevokeTokens).
// A projection table (dash_interviews), filled incrementally from the
// intake's submissions in seq order from a stored cursor, makes filtering
// and paging fast at a million interviews.
//
// Security: argon2id password hashes, sessions in HttpOnly SameSite=Strict
// cookies (Secure under TLS or Config.SecureCookies), a CSRF token on every
// form post, a role check on every route, rate-limited sign-in, and an
// audit log of views, exports and reviews. Device tokens are not accepted.
package dashboard
