package wav_test

import (
	"encoding/binary"
	"fmt"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format/wav"
)

// tinyWAV returns a 16-bit mono WAV file of four samples.
func tinyWAV() []byte {
	b := []byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00")
	b = binary.LittleEndian.AppendUint16(b, 1)     // PCM
	b = binary.LittleEndian.AppendUint16(b, 1)     // mono
	b = binary.LittleEndian.AppendUint32(b, 16000) // rate
	b = binary.LittleEndian.AppendUint32(b, 32000) // bytes per second
	b = binary.LittleEndian.AppendUint16(b, 2)     // block align
	b = binary.LittleEndian.AppendUint16(b, 16)    // bits
	b = append(b, "data\x08\x00\x00\x00\x00\x00\x00\x40\x00\xc0\xff\x7f"...)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

func ExampleCodec_Write() {
	rec := aigc.Record{Label: "1", ContentProducer: "001191110108335469089C10100", ProduceID: "a1"}
	out, err := wav.Codec{}.Write(tinyWAV(), rec)
	if err != nil {
		panic(err)
	}
	m, _ := wav.Codec{}.Read(out)
	for _, s := range m.Records {
		fmt.Printf("%s at %d: %s\n", s.Kind, s.Offset, s.Payload)
	}
	// Output:
	// riff-aigc at 36: {"Label":"1","ContentProducer":"001191110108335469089C10100","ProduceID":"a1","ReservedCode1":"","ContentPropagator":"","PropagateID":"","ReservedCode2":""}
}

func ExampleDecodePCM() {
	p, err := wav.DecodePCM(tinyWAV())
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Rate, p.Format.Bits, p.Samples[0])
	// Insert one frame of silence at the start and write it back.
	p.Samples[0] = append([]float32{0}, p.Samples[0]...)
	out, _ := wav.EncodePCM(tinyWAV(), p)
	q, _ := wav.DecodePCM(out)
	fmt.Println(q.Frames())
	// Output:
	// 16000 16 [0 0.5 -0.5 0.9999695]
	// 5
}
