package webp

// Extracted is the metadata of a WebP file that survives conversion to
// another format: the ICC profile, the EXIF (TIFF) data, the XMP packet and a
// C2PA manifest store. Slices point into the input.
type Extracted struct {
	ICC, EXIF, XMP, C2PA []byte
}

// Extract returns the metadata chunks of b, for writing them into the PNG
// that labeling makes of a WebP whose pixels changed (Go has no WebP
// encoder).
func Extract(b []byte) (Extracted, error) {
	f, err := parse(b, nil)
	if err != nil {
		return Extracted{}, err
	}
	var e Extracted
	for _, c := range f.chunks {
		switch c.id {
		case "ICCP":
			e.ICC = c.data
		case "EXIF":
			e.EXIF = tiff(c.data)
		case "XMP ":
			e.XMP = c.data
		case "C2PA":
			e.C2PA = c.data
		}
	}
	return e, nil
}
