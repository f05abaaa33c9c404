package mp3_test

import (
	"fmt"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format/mp3"
)

func ExampleCodec_Write() {
	audio := []byte{0xFF, 0xFB, 0x90, 0x44, 0, 0, 0, 0} // an MPEG frame header and data
	rec := aigc.Record{Label: "1", ContentProducer: "001191110108335469089C10100", ProduceID: "a1"}
	out, err := mp3.Codec{}.Write(audio, rec)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%q\n", out[:4])
	m, _ := mp3.Codec{}.Read(out)
	fmt.Printf("%s at %d: %s\n", m.Records[0].Kind, m.Records[0].Offset, m.Records[0].Payload)
	// Output:
	// "ID3\x04"
	// id3-txxx at 10: {"Label":"1","ContentProducer":"001191110108335469089C10100","ProduceID":"a1","ReservedCode1":"","ContentPropagator":"","PropagateID":"","ReservedCode2":""}
}
