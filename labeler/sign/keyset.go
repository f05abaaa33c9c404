package sign

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// MaxKeySetSize bounds the key set files ParseKeySet reads.
const MaxKeySetSize = 4 << 20

// KeySet is the list of public keys a verifier trusts, with the producer or
// propagator each key belongs to and when it may be used. Its JSON form is
// documented in the package doc.
type KeySet struct {
	Keys []KeyEntry
}

// KeyEntry is one trusted key.
type KeyEntry struct {
	// KeyID is the ID seals name the key by (unique in the set).
	KeyID string
	// Code is the ContentProducer or ContentPropagator value the key signs for;
	// empty means any.
	Code string
	// Role limits the key to producer or propagator seals; empty means both.
	Role Role
	// Public is the key.
	Public PublicKey
	// NotBefore and NotAfter bound the key's validity; a zero value is open.
	NotBefore, NotAfter time.Time
	// Revoked marks a withdrawn key; RevokedAt, when set, is when it stopped
	// being trusted (verifications at an earlier time still accept it).
	Revoked   bool
	RevokedAt time.Time
	// Comment is free text (who, why) that verifiers ignore.
	Comment string
}

// keySetJSON and keyJSON are the file format.
type keySetJSON struct {
	Version int       `json:"version"`
	Keys    []keyJSON `json:"keys"`
}

type keyJSON struct {
	KeyID     string     `json:"keyId"`
	Alg       Alg        `json:"alg"`
	Code      string     `json:"code,omitempty"`
	Role      Role       `json:"role,omitempty"`
	PublicKey string     `json:"publicKey"`
	NotBefore *time.Time `json:"notBefore,omitempty"`
	NotAfter  *time.Time `json:"notAfter,omitempty"`
	Revoked   bool       `json:"revoked,omitempty"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
	Comment   string     `json:"comment,omitempty"`
}

// ParseKeySet reads a key set file. It rejects unknown fields, unknown
// algorithms, keys that do not decode, duplicate key IDs and an empty
// validity period, so that a typo never silently trusts or distrusts a key.
func ParseKeySet(data []byte) (*KeySet, error) {
	if len(data) > MaxKeySetSize {
		return nil, fmt.Errorf("sign: key set of %d bytes exceeds %d", len(data), MaxKeySetSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f keySetJSON
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("sign: key set: %w", err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("sign: key set version %d, want 1", f.Version)
	}
	ks := &KeySet{Keys: make([]KeyEntry, 0, len(f.Keys))}
	seen := map[string]bool{}
	for i, k := range f.Keys {
		if err := checkKeyID(k.KeyID); err != nil {
			return nil, fmt.Errorf("sign: key set entry %d: %w", i, err)
		}
		if seen[k.KeyID] {
			return nil, fmt.Errorf("sign: key set entry %d: duplicate key ID %q", i, k.KeyID)
		}
		seen[k.KeyID] = true
		raw, err := hex.DecodeString(k.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("sign: key set entry %q: publicKey is not hex: %w", k.KeyID, err)
		}
		pub, err := ParsePublicKey(k.Alg, raw)
		if err != nil {
			return nil, fmt.Errorf("sign: key set entry %q: %w", k.KeyID, err)
		}
		if k.Role != "" && k.Role != Producer && k.Role != Propagator {
			return nil, fmt.Errorf("sign: key set entry %q: role %q is not producer or propagator", k.KeyID, k.Role)
		}
		e := KeyEntry{KeyID: k.KeyID, Code: k.Code, Role: k.Role, Public: pub,
			Revoked: k.Revoked, Comment: k.Comment}
		if k.NotBefore != nil {
			e.NotBefore = *k.NotBefore
		}
		if k.NotAfter != nil {
			e.NotAfter = *k.NotAfter
		}
		if k.RevokedAt != nil {
			if !k.Revoked {
				return nil, fmt.Errorf("sign: key set entry %q: revokedAt without revoked", k.KeyID)
			}
			e.RevokedAt = *k.RevokedAt
		}
		if !e.NotBefore.IsZero() && !e.NotAfter.IsZero() && !e.NotAfter.After(e.NotBefore) {
			return nil, fmt.Errorf("sign: key set entry %q: notAfter is not after notBefore", k.KeyID)
		}
		ks.Keys = append(ks.Keys, e)
	}
	return ks, nil
}

// Marshal returns the key set file: indented JSON, entries in order, times in
// RFC 3339 UTC.
func (ks *KeySet) Marshal() ([]byte, error) {
	f := keySetJSON{Version: 1, Keys: make([]keyJSON, 0, len(ks.Keys))}
	seen := map[string]bool{}
	for _, e := range ks.Keys {
		if err := checkKeyID(e.KeyID); err != nil {
			return nil, err
		}
		if seen[e.KeyID] {
			return nil, fmt.Errorf("sign: duplicate key ID %q", e.KeyID)
		}
		seen[e.KeyID] = true
		if e.Public.alg == "" {
			return nil, fmt.Errorf("sign: key %q has no public key", e.KeyID)
		}
		k := keyJSON{KeyID: e.KeyID, Alg: e.Public.alg, Code: e.Code, Role: e.Role,
			PublicKey: e.Public.String(), Revoked: e.Revoked, Comment: e.Comment,
			NotBefore: utcPtr(e.NotBefore), NotAfter: utcPtr(e.NotAfter), RevokedAt: utcPtr(e.RevokedAt)}
		f.Keys = append(f.Keys, k)
	}
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

func utcPtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// lookup finds the entry for a seal's key: by key ID when the seal names one
// the set holds, else by the key itself, preferring an entry usable for
// role, code and at (one key may be registered for several codes). It
// reports a key ID the set holds for a different key as a mismatch.
func (ks *KeySet) lookup(keyID string, pub PublicKey, role Role, code string, at time.Time) (e *KeyEntry, mismatch bool) {
	if ks == nil {
		return nil, false
	}
	if keyID != "" {
		for i := range ks.Keys {
			if ks.Keys[i].KeyID == keyID {
				return &ks.Keys[i], pub.alg != "" && !ks.Keys[i].Public.Equal(pub)
			}
		}
	}
	if pub.alg == "" {
		return nil, false
	}
	for i := range ks.Keys {
		if ks.Keys[i].Public.Equal(pub) {
			if e == nil {
				e = &ks.Keys[i]
			}
			if st, _ := ks.Keys[i].usable(role, code, at); st == "" {
				return &ks.Keys[i], false
			}
		}
	}
	return e, false
}

// usable checks e for role, code and time at; it returns the failing status
// and why, or "" when e may be used.
func (e *KeyEntry) usable(role Role, code string, at time.Time) (Status, string) {
	if e.Role != "" && e.Role != role {
		return StatusUnknownKey, fmt.Sprintf("key %q is registered for %s seals only", e.KeyID, e.Role)
	}
	if e.Code != "" && e.Code != code {
		return StatusUnknownKey, fmt.Sprintf("key %q belongs to %q, the record names %q", e.KeyID, e.Code, code)
	}
	if e.Revoked && (e.RevokedAt.IsZero() || at.IsZero() || !at.Before(e.RevokedAt)) {
		msg := fmt.Sprintf("key %q is revoked", e.KeyID)
		if !e.RevokedAt.IsZero() {
			msg += " since " + e.RevokedAt.UTC().Format(time.RFC3339)
		}
		return StatusRevokedKey, msg
	}
	if at.IsZero() {
		return "", ""
	}
	if !e.NotBefore.IsZero() && at.Before(e.NotBefore) {
		return StatusExpiredKey, fmt.Sprintf("key %q is not valid before %s", e.KeyID, e.NotBefore.UTC().Format(time.RFC3339))
	}
	if !e.NotAfter.IsZero() && at.After(e.NotAfter) {
		return StatusExpiredKey, fmt.Sprintf("key %q expired at %s", e.KeyID, e.NotAfter.UTC().Format(time.RFC3339))
	}
	return "", ""
}

// AddKey appends e to the set; an empty KeyID becomes KeyIDOf(e.Public).
// It is a convenience for tools that generate keys.
func (ks *KeySet) AddKey(e KeyEntry) error {
	if e.KeyID == "" {
		e.KeyID = KeyIDOf(e.Public)
	}
	if err := checkKeyID(e.KeyID); err != nil {
		return err
	}
	for _, k := range ks.Keys {
		if k.KeyID == e.KeyID {
			return fmt.Errorf("sign: duplicate key ID %q", e.KeyID)
		}
	}
	if e.Public.alg == "" {
		return fmt.Errorf("sign: key %q has no public key", e.KeyID)
	}
	e.Code = strings.TrimSpace(e.Code)
	ks.Keys = append(ks.Keys, e)
	return nil
}
