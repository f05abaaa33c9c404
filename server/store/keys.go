package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Roles an API key may have.
const (
	RoleProducer = "producer" // may label, only with its own producer code
	RolePlatform = "platform" // may propagate
	RoleAdmin    = "admin"    // everything, plus key management and export
)

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool { return r == RoleProducer || r == RolePlatform || r == RoleAdmin }

// Key is an API key's public part. The secret itself is never stored: only
// its SHA-256, which is enough for keys of 256 random bits (no password
// stretching is needed when the secret cannot be guessed).
type Key struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Role     string    `json:"role"`
	Producer string    `json:"producer,omitempty"`
	Created  time.Time `json:"created"`
	Revoked  time.Time `json:"revoked,omitzero"`
}

// keyPrefix starts every secret, so leaked keys are recognizable by scanners.
const keyPrefix = "aigck_"

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// AddKey creates a key and returns it with its secret, which is shown once.
// A producer key needs the producer code it may label with.
func (s *Store) AddKey(ctx context.Context, role, producer, name string) (Key, string, error) {
	if !ValidRole(role) {
		return Key{}, "", fmt.Errorf("store: unknown role %q (want producer, platform or admin)", role)
	}
	if role == RoleProducer && producer == "" {
		return Key{}, "", errors.New("store: a producer key needs its producer code")
	}
	var idb [6]byte
	var sec [32]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return Key{}, "", err
	}
	if _, err := rand.Read(sec[:]); err != nil {
		return Key{}, "", err
	}
	k := Key{ID: hex.EncodeToString(idb[:]), Name: name, Role: role, Producer: producer, Created: s.now().UTC().Truncate(time.Microsecond)}
	secret := keyPrefix + k.ID + "_" + base64.RawURLEncoding.EncodeToString(sec[:])
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO api_keys (id, hash, role, producer, name, created) VALUES (?, ?, ?, ?, ?, ?)`),
		k.ID, hashSecret(secret), k.Role, k.Producer, k.Name, micros(k.Created))
	if err != nil {
		return Key{}, "", fmt.Errorf("store: adding a key: %w", err)
	}
	return k, secret, nil
}

const keyCols = `id, role, producer, name, created, revoked`

func scanKey(r scanner) (Key, error) {
	var k Key
	var c, rv int64
	err := r.Scan(&k.ID, &k.Role, &k.Producer, &k.Name, &c, &rv)
	k.Created, k.Revoked = fromMicros(c), fromMicros(rv)
	return k, err
}

// KeyBySecret returns the live (not revoked) key whose secret is secret, or
// ErrNotFound.
func (s *Store) KeyBySecret(ctx context.Context, secret string) (Key, error) {
	if !strings.HasPrefix(secret, keyPrefix) || len(secret) > 200 {
		return Key{}, ErrNotFound
	}
	k, err := scanKey(s.rdb.QueryRowContext(ctx, s.q(`SELECT `+keyCols+` FROM api_keys WHERE hash = ? AND revoked = 0`), hashSecret(secret)))
	if errors.Is(err, sql.ErrNoRows) {
		return Key{}, ErrNotFound
	}
	return k, err
}

// Keys lists every key, revoked ones included, oldest first.
func (s *Store) Keys(ctx context.Context) ([]Key, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+keyCols+` FROM api_keys ORDER BY created, id`)
	if err != nil {
		return nil, fmt.Errorf("store: listing keys: %w", err)
	}
	defer rows.Close()
	ks := []Key{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		ks = append(ks, k)
	}
	return ks, rows.Err()
}

// RevokeKey revokes key id; ErrNotFound when no live key has that id.
func (s *Store) RevokeKey(ctx context.Context, id string) error {
	r, err := s.db.ExecContext(ctx, s.q(`UPDATE api_keys SET revoked = ? WHERE id = ? AND revoked = 0`), micros(s.now()), id)
	if err != nil {
		return fmt.Errorf("store: revoking a key: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
