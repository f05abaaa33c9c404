//go:build js

package sign

import (
	"errors"
	"io"
)

// sign is not built into the browser module: the page labels without seals
// (a producer's private key has no place in a web page), and leaving out
// gmsm/sm2 keeps its NIST-curve dependencies out of the download.
func (k *sm2Priv) sign(io.Reader, []byte, []byte) ([]byte, error) {
	return nil, errors.New("sign: SM2 signing is not available in the browser build; seal with the aigclabel CLI or server")
}
