package dashboard

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/crypto/argon2"
)

// Role is what a dashboard user may do.
type Role string

// Roles. Admin does everything; Supervisor sees and reviews the posts and
// enumerators assigned to them; Viewer reads (completion, interviews,
// report) and changes nothing.
const (
	RoleAdmin      Role = "admin"
	RoleSupervisor Role = "supervisor"
	RoleViewer     Role = "viewer"
)

// ParseRole returns the role named s, or an error listing the roles.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RoleAdmin, RoleSupervisor, RoleViewer:
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q: admin, supervisor or viewer", s)
}

// User is a dashboard account with its assignments (supervisors).
type User struct {
	Name        string
	Role        Role
	Created     time.Time
	Posts       []string // supervisor: border posts assigned
	Enumerators []string // supervisor: enumerators assigned
}

// Errors of the user functions.
var (
	ErrUserExists   = errors.New("user already exists")
	ErrBadLogin     = errors.New("wrong user name or password")
	ErrWeakPassword = errors.New("password too short: at least 10 characters")
	ErrNoUser       = errors.New("no such user")
	ErrBadUserName  = errors.New("user name: 1 to 64 letters, digits, '.', '-', '_' or '@'")
)

// KDF are argon2id parameters. The stored hash records them, so changing
// DefaultKDF affects new passwords only.
type KDF struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultKDF is argon2id with 64 MiB and 3 passes (RFC 9106's second
// recommended option): about a tenth of a second a sign-in on an office PC.
var DefaultKDF = KDF{Time: 3, Memory: 64 << 10, Threads: 2}

// HashPassword returns the argon2id hash of pw in the PHC string format.
func HashPassword(pw string, k KDF) (string, error) {
	var salt [16]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt[:], k.Time, k.Memory, k.Threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, k.Memory, k.Time, k.Threads,
		enc.EncodeToString(salt[:]), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the PHC argon2id hash.
func CheckPassword(hash, pw string) bool {
	k, salt, want, ok := parsePHC(hash)
	if !ok {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, k.Time, k.Memory, k.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// maxKDF bounds the parameters a stored hash may ask for, so that a
// corrupt row cannot make a sign-in allocate gigabytes.
var maxKDF = KDF{Time: 16, Memory: 256 << 10, Threads: 16}

// parsePHC reads "$argon2id$v=19$m=M,t=T,p=P$salt$key" (base64 without
// padding), refusing parameters beyond maxKDF.
func parsePHC(hash string) (k KDF, salt, key []byte, ok bool) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return k, nil, nil, false
	}
	var m, t, p uint64
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || n != 3 ||
		m < 8*p || t == 0 || p == 0 || m > uint64(maxKDF.Memory) || t > uint64(maxKDF.Time) || p > uint64(maxKDF.Threads) {
		return k, nil, nil, false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	key, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return k, nil, nil, false
	}
	return KDF{Time: uint32(t), Memory: uint32(m), Threads: uint8(p)}, salt, key, true
}

func validName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(".-_@", r)) {
			return false
		}
	}
	return true
}

// Users manages dashboard accounts in the dashboard tables of db.
type Users struct {
	DB  *sql.DB
	KDF KDF // DefaultKDF when zero
	Now func() time.Time
}

func (u *Users) now() time.Time {
	if u.Now == nil {
		return time.Now()
	}
	return u.Now()
}

// Add creates the user with password pw. Errors: ErrBadUserName,
// ErrWeakPassword, ErrUserExists.
func (u *Users) Add(ctx context.Context, usr User, pw string) error {
	if !validName(usr.Name) {
		return ErrBadUserName
	}
	if _, err := ParseRole(string(usr.Role)); err != nil {
		return err
	}
	if len([]rune(pw)) < 10 {
		return ErrWeakPassword
	}
	k := u.KDF
	if k == (KDF{}) {
		k = DefaultKDF
	}
	h, err := HashPassword(pw, k)
	if err != nil {
		return err
	}
	err = inTx(ctx, u.DB, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM dash_users WHERE name = ?`, usr.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrUserExists
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO dash_users (name, role, hash, created) VALUES (?, ?, ?, ?)`,
			usr.Name, string(usr.Role), h, stamp(u.now())); err != nil {
			return err
		}
		return setAssignments(ctx, tx, usr.Name, usr.Posts, usr.Enumerators)
	})
	if err != nil {
		return fmt.Errorf("add user %s: %w", usr.Name, err)
	}
	return nil
}

func setAssignments(ctx context.Context, tx *sql.Tx, name string, posts, enums []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM dash_assignments WHERE user = ?`, name); err != nil {
		return err
	}
	for kind, vals := range map[string][]string{"post": posts, "enumerator": enums} {
		for _, v := range vals {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO dash_assignments (user, kind, value) VALUES (?, ?, ?)`, name, kind, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// Assign replaces a user's assigned posts and enumerators.
func (u *Users) Assign(ctx context.Context, name string, posts, enums []string) error {
	err := inTx(ctx, u.DB, func(tx *sql.Tx) error { return setAssignments(ctx, tx, name, posts, enums) })
	if err != nil {
		return fmt.Errorf("assign %s: %w", name, err)
	}
	return nil
}

// SetPassword replaces name's password and ends their sessions (a
// password is changed because it may be known to someone else).
// Errors: ErrWeakPassword, ErrNoUser.
func (u *Users) SetPassword(ctx context.Context, name, pw string) error {
	if len([]rune(pw)) < 10 {
		return ErrWeakPassword
	}
	k := u.KDF
	if k == (KDF{}) {
		k = DefaultKDF
	}
	h, err := HashPassword(pw, k)
	if err != nil {
		return err
	}
	return u.update(ctx, name, "set password of", `UPDATE dash_users SET hash = ? WHERE name = ?`, h, name)
}

// SetDisabled disables an account (no sign-in; its sessions end) or
// enables it again. The account and its audit trail are kept: an audit
// log must still name who did what. Errors: ErrNoUser.
func (u *Users) SetDisabled(ctx context.Context, name string, disabled bool) error {
	return u.update(ctx, name, "disable", `UPDATE dash_users SET disabled = ? WHERE name = ?`, disabled, name)
}

// update runs one UPDATE of name's row and deletes their sessions.
func (u *Users) update(ctx context.Context, name, what, q string, args ...any) error {
	err := inTx(ctx, u.DB, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNoUser
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM dash_sessions WHERE user = ?`, name)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, name, err)
	}
	return nil
}

// dummyHash is checked against when the user does not exist, so that a
// wrong name costs as much time as a wrong password.
var dummyHash = "$argon2id$v=19$m=65536,t=3,p=2$c2lyYXNpcmFzaXJhc2lyYQ$Yf0Mg0i4aV6Xb6cS1Vbq7Q0pG2n9D5mVv7p2sUu5Z3w"

// Check returns the user if pw is their password. Errors: ErrBadLogin.
func (u *Users) Check(ctx context.Context, name, pw string) (*User, error) {
	var h string
	var disabled bool
	err := u.DB.QueryRowContext(ctx, `SELECT hash, disabled FROM dash_users WHERE name = ?`, name).Scan(&h, &disabled)
	if errNoRows(err) {
		CheckPassword(dummyHash, pw)
		return nil, ErrBadLogin
	}
	if err != nil {
		return nil, fmt.Errorf("check user %s: %w", name, err)
	}
	if !CheckPassword(h, pw) || disabled {
		return nil, ErrBadLogin
	}
	return u.Get(ctx, name)
}

// Get returns the user and their assignments; ErrBadLogin if unknown.
func (u *Users) Get(ctx context.Context, name string) (*User, error) {
	usr := &User{Name: name}
	var created string
	err := u.DB.QueryRowContext(ctx, `SELECT role, created FROM dash_users WHERE name = ? AND disabled = 0`, name).Scan(&usr.Role, &created)
	if errNoRows(err) {
		return nil, ErrBadLogin
	}
	if err != nil {
		return nil, fmt.Errorf("user %s: %w", name, err)
	}
	usr.Created = parseStamp(created)
	rows, err := u.DB.QueryContext(ctx, `SELECT kind, value FROM dash_assignments WHERE user = ? ORDER BY kind, value`, name)
	if err != nil {
		return nil, fmt.Errorf("user %s: %w", name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		if k == "post" {
			usr.Posts = append(usr.Posts, v)
		} else {
			usr.Enumerators = append(usr.Enumerators, v)
		}
	}
	return usr, rows.Err()
}

// List returns every user, by name.
func (u *Users) List(ctx context.Context) ([]User, error) {
	rows, err := u.DB.QueryContext(ctx, `SELECT name FROM dash_users WHERE disabled = 0 ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	var out []User
	for _, n := range names {
		usr, err := u.Get(ctx, n)
		if err != nil {
			return nil, err
		}
		out = append(out, *usr)
	}
	return out, nil
}
