package main

import (
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aigclabel/aigclabel/labeler/sign"
)

func init() {
	commands["keygen"] = command{summary: "make a seal key (SM2 or Ed25519) and optionally add it to a key set", run: cmdKeygen}
}

func cmdKeygen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	alg := fs.String("alg", "ed25519", "algorithm: ed25519 or sm2 (SM3withSM2, the national algorithms)")
	out := fs.String("o", "", "private key `file` to write (PEM, mode 0600); the public key goes to FILE.pub")
	keyset := fs.String("keyset", "", "key set `file` (JSON) to add the public key to; created when missing")
	code := fs.String("code", "", "producer or propagator `code` the key signs for (key set entry)")
	role := fs.String("role", "", "producer or propagator (key set entry; empty allows both)")
	keyID := fs.String("key-id", "", "key ID (default: derived from the public key)")
	valid := fs.Duration("valid", 0, "validity period from now, e.g. 8760h (key set entry; 0 = open-ended)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: aigclabel keygen --alg sm2|ed25519 -o KEY [--keyset KEYSET --code CODE --role producer]\n\nflags:")
		fs.PrintDefaults()
	}
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	if *out == "" {
		fs.Usage()
		return 2
	}
	if *role != "" && *role != string(sign.Producer) && *role != string(sign.Propagator) {
		fmt.Fprintf(stderr, "aigclabel keygen: --role %q: want producer or propagator\n", *role)
		return 2
	}
	priv, err := sign.GenerateKey(sign.Alg(*alg), rand.Reader)
	if err != nil {
		fmt.Fprintf(stderr, "aigclabel keygen: %v\n", err)
		return 2
	}
	if err := writeKeyFiles(*out, priv); err != nil {
		fmt.Fprintf(stderr, "aigclabel keygen: %v\n", err)
		return 1
	}
	id := *keyID
	if id == "" {
		id = sign.KeyIDOf(priv.Public())
	}
	if *keyset != "" {
		e := sign.KeyEntry{KeyID: id, Code: *code, Role: sign.Role(*role), Public: priv.Public(), NotBefore: time.Now().UTC().Truncate(time.Second)}
		if *valid > 0 {
			e.NotAfter = e.NotBefore.Add(*valid)
		}
		if err := addToKeySet(*keyset, e); err != nil {
			fmt.Fprintf(stderr, "aigclabel keygen: %v\n", err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "key %s written to %s (public key %s.pub)\n", id, *out, *out)
	return 0
}

func writeKeyFiles(path string, priv sign.PrivateKey) error {
	pem, err := sign.MarshalPrivateKeyPEM(priv)
	if err != nil {
		return err
	}
	pub, err := sign.MarshalPublicKeyPEM(priv.Public())
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists; refusing to overwrite a key", path)
	}
	if err := writeFileAtomic(path, pem, 0o600); err != nil {
		return err
	}
	return writeFileAtomic(path+".pub", pub, 0o644)
}

func addToKeySet(path string, e sign.KeyEntry) error {
	ks := &sign.KeySet{}
	if data, err := os.ReadFile(path); err == nil {
		if ks, err = sign.ParseKeySet(data); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := ks.AddKey(e); err != nil {
		return err
	}
	data, err := ks.Marshal()
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data, 0o644)
}

// loadSealer reads a private key file for sealing.
func loadSealer(path, keyID string) (*sign.Sealer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	priv, err := sign.ParsePrivateKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if keyID == "" {
		keyID = sign.KeyIDOf(priv.Public())
	}
	return sign.NewSealer(priv, keyID, rand.Reader)
}

// loadKeySet reads a key set file.
func loadKeySet(path string) (*sign.KeySet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ks, err := sign.ParseKeySet(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ks, nil
}
