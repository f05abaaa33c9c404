package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aigclabel/aigclabel/server/store"
	"github.com/labstack/echo/v4"
)

// ctxKey is the echo context key holding the request's store.Key.
const ctxKey = "aigclabel.key"

// keyCache remembers verified keys for a short time, so a busy client costs
// one registry read per ttl rather than one per request. A revoked key stops
// working within ttl.
type keyCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cachedKey
}

type cachedKey struct {
	key     store.Key
	expires time.Time
}

func (kc *keyCache) get(secret string, now time.Time) (store.Key, bool) {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	ck, ok := kc.m[secret]
	if !ok || now.After(ck.expires) {
		return store.Key{}, false
	}
	return ck.key, true
}

func (kc *keyCache) put(secret string, k store.Key, now time.Time) {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	if kc.m == nil || len(kc.m) > 10000 {
		kc.m = map[string]cachedKey{}
	}
	kc.m[secret] = cachedKey{key: k, expires: now.Add(kc.ttl)}
}

// secretOf returns the API key a request presents: "Authorization: Bearer
// KEY" or "X-API-Key: KEY".
func secretOf(r *http.Request) string {
	if k := r.Header.Get("X-API-Key"); k != "" {
		return k
	}
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// authenticate resolves a presented API key. A request without a key goes on
// anonymously (public endpoints accept it); a presented key that is unknown
// or revoked is refused everywhere, so a mistyped key never silently
// downgrades to anonymous.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		secret := secretOf(c.Request())
		if secret == "" {
			return next(c)
		}
		now := s.cfg.Now()
		k, ok := s.keys.get(secret, now)
		if !ok {
			ctx, cancel := context.WithTimeout(c.Request().Context(), 5*time.Second)
			defer cancel()
			var err error
			k, err = s.st.KeyBySecret(ctx, secret)
			if errors.Is(err, store.ErrNotFound) {
				return apiErr(http.StatusUnauthorized, "unauthorized", "unknown or revoked API key")
			}
			if err != nil {
				return storeErr("", err)
			}
			s.keys.put(secret, k, now)
		}
		c.Set(ctxKey, k)
		return next(c)
	}
}

// require admits requests whose key has one of roles; admin keys are always
// admitted, and require() with no roles admits only them.
func (s *Server) require(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			k, ok := keyOf(c)
			if !ok {
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="aigclabel"`)
				return apiErr(http.StatusUnauthorized, "unauthorized", "this endpoint needs an API key (Authorization: Bearer KEY)")
			}
			if k.Role != store.RoleAdmin && !slices.Contains(roles, k.Role) {
				want := "admin"
				if len(roles) > 0 {
					want = strings.Join(roles, " or ") + " (or admin)"
				}
				return apiErr(http.StatusForbidden, "forbidden", "a %s key cannot use this endpoint; it needs a %s key", k.Role, want)
			}
			return next(c)
		}
	}
}

func keyOf(c echo.Context) (store.Key, bool) {
	k, ok := c.Get(ctxKey).(store.Key)
	return k, ok
}

// ownsJob reports whether key k may see job j: its creator or an admin.
func ownsJob(k store.Key, j store.Job) bool {
	return k.Role == store.RoleAdmin || k.ID == j.KeyID
}
