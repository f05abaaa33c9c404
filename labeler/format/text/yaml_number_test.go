package text

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// TestIsJSONNumberMatchesRegexp checks the hand-written number test against
// the condition it replaces: a YAML core-schema int or float that JSON
// writes as it is.
func TestIsJSONNumberMatchesRegexp(t *testing.T) {
	yamlInt := regexp.MustCompile(`^[-+]?[0-9]+$`)
	yamlFloat := regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
	jsonNum := regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)
	want := func(v string) bool {
		return (yamlInt.MatchString(v) || yamlFloat.MatchString(v)) && jsonNum.MatchString(v)
	}
	check := func(v string) {
		if got := isJSONNumber(v); got != want(v) {
			t.Fatalf("%q: %v, regexp %v", v, got, want(v))
		}
	}
	for _, v := range []string{"", "0", "-0", "+1", "007", "10", "1.", ".5", "1.5", "1e5", "1E+5", "1e", "-", "1.5e-3",
		"0x1f", "1_000", " 1", "1\n", "-01", "1.2.3", "1e5e5", "١"} {
		check(v)
	}
	const alphabet = "0123456789+-.eE x"
	r := rand.New(rand.NewPCG(5, 6))
	for range 100000 {
		b := make([]byte, r.IntN(9))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		check(string(b))
	}
}
