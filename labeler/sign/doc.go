// Package sign makes AIGC records tamper-evident: it seals the GB 45438-2025
// Annex E record into ReservedCode1 (the producer's seal) and ReservedCode2
// (the propagator's seal), and verifies seals, aigclabel's own and the SM2
// SecurityData real providers write (MiniMax). It holds keys (Ed25519 and
// SM2), key sets (which key belongs to which producer, and when) and the
// statuses a verification ends in.
//
// This comment is the specification of aigclabel's seal: a third party can
// write a verifier from it alone (independent_test.go is such a verifier,
// using only Go's standard library).
//
// # Seal layout
//
// A seal is one compact JSON object (no whitespace) in the shape of the
// SecurityData of TC260-PG-202511A, members in this order:
//
//	{"SecurityData":{"Type":"TC260PG","Version":1,"PubSD":[
//	 {"Type":"DS","AlgID":A,"TBSData":{"Type":"Md"},"Signature":S1},
//	 {"Type":"DS","AlgID":A,"TBSData":{"Type":"aigclabel/1"},"Signature":S2},
//	 {"Type":"PubKey","KeyID":K,"AlgID":A,"KeyValue":P}],
//	 "Bindings":[{"Type":"Hash","AlgID":"2.16.840.1.101.3.4.2.1","TBSData":{"Type":"Content"},"Value":H}]}}
//
// (line breaks added here). Readers must look members up by name, not by
// position. The parts:
//
//   - A, the signature algorithm: "1.3.101.112" (Ed25519, RFC 8410) or
//     "1.2.156.10197.1.501" (SM3withSM2).
//   - P, the public key in lower-case hex: Ed25519, the 32-byte key of RFC
//     8032; SM2, the 33-byte SEC 1 compressed point 02‖x or 03‖x (aigclabel
//     generates SM2 keys with even y, so it writes 02‖x).
//   - K, the key ID: 1 to 128 printable ASCII characters without space, '"'
//     or '\'. By default "<alg>:" followed by the lower-case hex of the first
//     16 bytes of SHA-256(P as bytes), e.g. "ed25519:0c4f…" (KeyIDOf).
//   - H, the content hash in lower-case hex: SHA-256 of the file with its
//     metadata slot excluded, as each carrier's ContentHash defines it
//     (labeler/format/<kind>). Rewriting the record does not change it; any
//     change to pixels, samples or text does.
//   - S1 and S2, signatures in lower-case hex. Ed25519: the 64-byte pure
//     Ed25519 signature of the message. SM2: SM3withSM2 of GB/T 32918.2 with
//     the user ID "1234567812345678" (the default; OpenSSL 3 needs
//     -pkeyopt distid:1234567812345678), written as 64 bytes r‖s, each a
//     32-byte big-endian integer (not DER). SM2 signatures are randomized;
//     Ed25519 ones are deterministic, so an Ed25519 seal is a pure function of
//     key, record and content hash.
//
// Sizes: with a default key ID an Ed25519 seal is 807 bytes and an SM2 seal
// 829, far below aigc.MaxReservedLen (4096); the whole record with a producer
// seal is about 1.1 KB once the carrier's JSON escapes each '"' as \".
//
// # Signed messages
//
// Values enter messages through q(v): a '"', then v with every '"' and '\'
// preceded by a '\', then a '"'. All other bytes are copied unchanged
// (UTF-8 included). Sealers refuse a signed value containing a byte 0x00 to
// 0x1F or 0x7F (Annex E rule j forbids them), so q is injective over the
// values that can be sealed; a verifier reports a record holding one in a
// signed field as invalid.
//
// S1, "Md", signs the label message of TC260-PG-202511A A.1, exactly as
// MiniMax signs it (no braces, no spaces):
//
//	producer:   "Label":q(Label),"ContentProducer":q(ContentProducer),"ProduceID":q(ProduceID)
//	propagator: "Label":q(Label),"ContentPropagator":q(ContentPropagator),"PropagateID":q(PropagateID)
//
// It lets tools that know the provider recipe check the label fields; alone
// it binds neither the content nor the key ID.
//
// S2, "aigclabel/1", signs the seal message, which binds everything:
//
//	producer:
//	"Seal":"aigclabel/1/producer","Label":q(Label),"ContentProducer":q(ContentProducer),
//	"ProduceID":q(ProduceID),"KeyID":q(K),"AlgID":q(A),"HashAlgID":q(HA),"Hash":q(H)
//
//	propagator:
//	"Seal":"aigclabel/1/propagator","Label":q(Label),"ContentProducer":q(ContentProducer),
//	"ProduceID":q(ProduceID),"ReservedCode1SHA256":q(R),"ContentPropagator":q(ContentPropagator),
//	"PropagateID":q(PropagateID),"KeyID":q(K),"AlgID":q(A),"HashAlgID":q(HA),"Hash":q(H)
//
// (one line each, no line breaks). K is the PubKey entry's KeyID, A the DS
// entry's AlgID, HA and H the AlgID and Value of the first Bindings entry of
// Type "Hash", each exactly as it appears in the seal after JSON unescaping.
// R is the lower-case hex SHA-256 of the record's ReservedCode1 value (the
// string's bytes, empty string when there is none), so the propagation seal
// also breaks when the producer's seal is replaced. The record fields are
// those of the record being verified. Example: the first case of
// testdata/vectors.json (producer, Ed25519, key "prod-ed25519") signs, as one
// line,
//
//	"Seal":"aigclabel/1/producer","Label":"1","ContentProducer":"001191110108MA0000000010001",
//	"ProduceID":"vec-ed25519-0001","KeyID":"prod-ed25519","AlgID":"1.3.101.112",
//	"HashAlgID":"2.16.840.1.101.3.4.2.1",
//	"Hash":"9c95a5f9c478b948af2ddbe3fa37425184bf155f9b17c85a774839d0dcd6ef3b"
//
// and its Md message is
//
//	"Label":"1","ContentProducer":"001191110108MA0000000010001","ProduceID":"vec-ed25519-0001"
//
// testdata/vectors.json holds complete worked examples: keys, records,
// content hashes and the seals they give.
//
// # Verification
//
// Verify (VerifyProducer, VerifyPropagator) reads ReservedCode1 or 2 and
// ends in exactly one Status:
//
//  1. empty: absent. Not a SecurityData object (not JSON, truncated, Type not
//     TC260PG, bad hex, a key that is not a point on the curve, no DS
//     entry): malformed.
//  2. A key algorithm other than Ed25519 or SM2 (Honor's RSA), or no PubKey
//     entry: unsupported.
//  3. Every DS entry is checked with the embedded key over the message its
//     TBSData names: "Md" (also MiniMax's "LabelMataData") the label
//     message; "aigclabel/1" the seal message; "Binding" with a numeric or
//     empty BType the JSON bytes of that Bindings entry exactly as found
//     (MiniMax); "Binding" with BType naming a binding type (Tencent "hash")
//     the hex-decoded hash of that binding. Other TBSData types are skipped.
//     A signature that fails: invalid; except a DER-encoded "Md" signature
//     (StepFun), whose signed message is not the A.1 one and is unknown:
//     unsupported. Signatures that all verify but cover no label field
//     (Tencent's, over the content hash only): unsupported.
//  4. Identity comes from the key set only: an embedded key proves integrity,
//     not who signed. The key is looked up by KeyID, else by the key itself.
//     A key ID the set lists with a different key: invalid. Not in the set,
//     or registered for another code or role: unknown-key (Signature is true
//     and Detail says "signature valid with the embedded key"). Revoked (at or
//     after revokedAt, if given): revoked-key. Outside notBefore/notAfter at
//     the verification time: expired-key.
//  5. The signed Hash binding is compared with the caller's content hash
//     (SHA-256, or SM3 for MiniMax seals when the caller supplies it; detect
//     does, over the file without the element carrying the label):
//     different: content-modified. No signed binding, or no hash in that
//     algorithm supplied: unsupported.
//  6. Otherwise: valid. Valid therefore always means a trusted, current key
//     signed these label fields and this content.
//
// Key problems (4) take precedence over content ones (5); SealStatus.Content
// reports the content check in every case.
//
// Real provider seals: MiniMax's (SM2, Md and Binding signatures, SM3
// content binding of the file without its APP1 Exif segment) verify: they
// end as unknown-key with "signature valid with the embedded key" unless a
// key set lists MiniMax's key (x = a0b3b0b6…e4fd), then valid or
// content-modified. StepFun's (DER signatures over an unknown message) end
// as unsupported, not invalid: the README of the aigc-real corpus explains
// why they are not taken for forgeries.
//
// # Key set file
//
// A verifier trusts the keys of a key set, a JSON file:
//
//	{
//	  "version": 1,
//	  "keys": [
//	    {
//	      "keyId": "prod-ed25519",
//	      "alg": "ed25519",                       // or "sm2"
//	      "code": "001191110108MA0000000010001",  // ContentProducer or ContentPropagator; omit for any
//	      "role": "producer",                     // or "propagator"; omit for both
//	      "publicKey": "<hex, the KeyValue form>",
//	      "notBefore": "2026-01-01T00:00:00Z",    // optional
//	      "notAfter": "2027-01-01T00:00:00Z",     // optional
//	      "revoked": true,                        // optional
//	      "revokedAt": "2026-06-01T00:00:00Z",    // optional, only with revoked
//	      "comment": "free text"                  // optional
//	    }
//	  ]
//	}
//
// (comments are not part of the format). Unknown members are an error, so
// that a misspelt "revoked" never leaves a key trusted. For SM2, publicKey
// may be any form ParsePublicKey reads (02/03‖x, 04‖x‖y, 00‖x, DER SPKI).
//
// # Choices where TC260-PG-202511A is not public
//
// The guide's text was not available; the layout follows the MiniMax files
// (the only provider seals that verify) and the public verifier of
// wiltodelta/remove-ai-watermarks: Type "TC260PG", Version 1, PubSD with DS
// and PubKey entries, SM3withSM2 with the default user ID, r‖s signatures,
// OIDs as AlgID. Where they differ from what we write: the guide's "Md"
// instead of MiniMax's "LabelMataData"; a Hash binding holding its hash in
// "Value" (Tencent, Honor) rather than "Signature" (MiniMax); SEC 1
// compressed keys (02/03‖x) rather than MiniMax's 00‖x, which cannot express
// an odd y; SHA-256 content hashes (the carriers' ContentHash) rather than
// SM3; a KeyID member on PubKey (observed in wiltodelta's description of the
// guide); and the "aigclabel/1" signature, which MiniMax's two separate
// signatures lack: theirs let a label signature be combined with another
// file's binding signature from the same key.
package sign
