package imagewm

import "hash/crc32"

func crcOf(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

// goldenEmbedCRC is the CRC-32 of Embed(texture(300, 260, 2), 42, DevKey)'s
// pixels, from a native amd64 run; the wasip1 run must give the same.
const goldenEmbedCRC = 0x06d47dc1

// goldenEmbedCRCInverse is the same for Embed(texture(320, 240, 3), 42,
// DevKey), which uses lawInverse.
const goldenEmbedCRCInverse = 0xe84670a8

// goldenEmbedCRCPaper is the same for Embed(textPage(320, 240, 7) with a
// dark box, 0x5eed5eed12345678, DevKey) in TestPaper, which also marks the
// ink.
const goldenEmbedCRCPaper = 0xee85c091
