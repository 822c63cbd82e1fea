package e2e

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

// The photo of issue 18's tests, built here rather than committed: a JPEG
// whose metadata holds everything a phone writes that could identify a
// person or a place. Each marker is a string the cleaned file must not
// contain.
var photoMarkers = []string{
	"Exif\x00\x00",                     // the EXIF block itself
	"LotseCam",                         // camera make
	"LOTSE-MODEL-X9",                   // camera model
	"http://ns.adobe.com/xap/1.0/",     // XMP
	"LOTSE-XMP-SECRET",                 // XMP content
	"Photoshop 3.0",                    // IPTC (APP13)
	"LOTSE-IPTC-BYLINE",                // IPTC content
	"LOTSE-COMMENT",                    // a JPEG comment
	"LOTSE-THUMB",                      // the embedded thumbnail's comment
	"\x00\x00\x00\x34\x00\x00\x00\x01", // the GPS latitude's degrees, 52/1
}

// photoWithMetadata encodes a w×h picture and adds, after the start of
// image: an EXIF APP1 with camera make and model, orientation 6 (turn 90°
// clockwise to show, so a cleaned copy is h×w) and a GPS position, with an
// embedded JPEG thumbnail; an XMP APP1; an IPTC APP13; and a comment.
// noise makes the picture hard to compress, as a real photo is.
func photoWithMetadata(t *testing.T, w, h int, noise bool) []byte {
	t.Helper()
	main := encodeJPEG(t, picture(w, h, noise), 90, "")
	thumb := encodeJPEG(t, picture(160, 120, false), 60, "LOTSE-THUMB")

	var out bytes.Buffer
	out.Write(main[:2]) // SOI
	writeSegment(&out, 0xe1, exifBlock(thumb))
	writeSegment(&out, 0xe1, append([]byte("http://ns.adobe.com/xap/1.0/\x00"),
		`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>LOTSE-XMP-SECRET 52.5200 13.4050</rdf:Description></x:xmpmeta>`...))
	iptc := []byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00")
	record := append([]byte{0x1c, 0x02, 0x50, 0x00, 17}, "LOTSE-IPTC-BYLINE"...) // 2:80 By-line
	iptc = binary.BigEndian.AppendUint32(iptc, uint32(len(record)))
	iptc = append(iptc, record...)
	writeSegment(&out, 0xed, iptc)
	writeSegment(&out, 0xfe, []byte("LOTSE-COMMENT"))
	out.Write(main[2:])
	return out.Bytes()
}

func picture(w, h int, noise bool) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			c := color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255}
			if noise {
				c.B = uint8(r.IntN(256))
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t *testing.T, img image.Image, quality int, comment string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	if comment == "" {
		return b.Bytes()
	}
	var out bytes.Buffer
	out.Write(b.Bytes()[:2])
	writeSegment(&out, 0xfe, []byte(comment))
	out.Write(b.Bytes()[2:])
	return out.Bytes()
}

func writeSegment(out *bytes.Buffer, marker byte, payload []byte) {
	out.Write([]byte{0xff, marker})
	binary.Write(out, binary.BigEndian, uint16(len(payload)+2))
	out.Write(payload)
}

// exifBlock is "Exif\0\0" and a big-endian TIFF structure: IFD0 with Make,
// Model, Orientation and the GPS IFD's offset, the GPS IFD with latitude
// and longitude, and IFD1 with an embedded JPEG thumbnail.
func exifBlock(thumb []byte) []byte {
	type entry struct {
		tag, typ uint16
		count    uint32
		value    []byte // inline if at most 4 bytes, else placed in the data area
	}
	rational := func(vs ...uint32) []byte {
		var b []byte
		for i := 0; i < len(vs); i += 2 {
			b = binary.BigEndian.AppendUint32(b, vs[i])
			b = binary.BigEndian.AppendUint32(b, vs[i+1])
		}
		return b
	}
	u32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	const (
		ascii = 2
		short = 3
		long  = 4
		ratio = 5
	)
	ifdLen := func(n int) int { return 2 + 12*n + 4 }
	// Layout: header (8), IFD0 (4 entries), its data, GPS IFD (4 entries),
	// its data, IFD1 (2 entries), the thumbnail.
	ifd0At := 8
	make_ := []byte("LotseCam\x00")
	model := []byte("LOTSE-MODEL-X9\x00")
	ifd0Data := ifd0At + ifdLen(4)
	gpsAt := ifd0Data + len(make_) + len(model)
	gpsAt += gpsAt % 2
	lat := rational(52, 1, 31, 1, 1234, 100)
	lon := rational(13, 1, 24, 1, 5678, 100)
	gpsData := gpsAt + ifdLen(4)
	ifd1At := gpsData + len(lat) + len(lon)
	thumbAt := ifd1At + ifdLen(2)

	var b bytes.Buffer
	b.WriteString("Exif\x00\x00")
	b.WriteString("MM\x00\x2a")
	b.Write(u32(uint32(ifd0At)))
	writeIFD := func(entries []entry, dataAt int, next int) []byte {
		var data []byte
		binary.Write(&b, binary.BigEndian, uint16(len(entries)))
		for _, e := range entries {
			binary.Write(&b, binary.BigEndian, e.tag)
			binary.Write(&b, binary.BigEndian, e.typ)
			binary.Write(&b, binary.BigEndian, e.count)
			if len(e.value) <= 4 {
				v := make([]byte, 4)
				copy(v, e.value)
				b.Write(v)
			} else {
				b.Write(u32(uint32(dataAt + len(data))))
				data = append(data, e.value...)
			}
		}
		b.Write(u32(uint32(next)))
		return data
	}
	data := writeIFD([]entry{
		{0x010f, ascii, uint32(len(make_)), make_},
		{0x0110, ascii, uint32(len(model)), model},
		{0x0112, short, 1, []byte{0, 6}},
		{0x8825, long, 1, u32(uint32(gpsAt))},
	}, ifd0Data, ifd1At)
	b.Write(data)
	for b.Len()-6 < gpsAt {
		b.WriteByte(0)
	}
	data = writeIFD([]entry{
		{0x0001, ascii, 2, []byte("N\x00")},
		{0x0002, ratio, 3, lat},
		{0x0003, ascii, 2, []byte("E\x00")},
		{0x0004, ratio, 3, lon},
	}, gpsData, 0)
	b.Write(data)
	writeIFD([]entry{
		{0x0201, long, 1, u32(uint32(thumbAt))},
		{0x0202, long, 1, u32(uint32(len(thumb)))},
	}, thumbAt, 0)
	b.Write(thumb)
	return b.Bytes()
}

// pngMarkers are what pngWithMetadata hides in a PNG's text and EXIF
// chunks; a cleaned copy holds none of them.
var pngMarkers = []string{"tEXt", "iTXt", "eXIf", "LOTSE-PNG-AUTHOR", "LOTSE-PNG-XMP", "LotseCam"}

// pngWithMetadata is a w×h PNG with a tEXt author, an iTXt XMP packet and
// an eXIf chunk with the camera and GPS of exifBlock, as screenshot and
// camera apps write them.
func pngWithMetadata(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, picture(w, h, false)); err != nil {
		t.Fatal(err)
	}
	plain := b.Bytes()
	const afterIHDR = 8 + 4 + 4 + 13 + 4 // signature, then IHDR's length, type, data, CRC
	var out bytes.Buffer
	out.Write(plain[:afterIHDR])
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	chunk("tEXt", []byte("Author\x00LOTSE-PNG-AUTHOR"))
	chunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta>LOTSE-PNG-XMP</x:xmpmeta>"))
	chunk("eXIf", exifBlock(nil)[len("Exif\x00\x00"):])
	out.Write(plain[afterIHDR:])
	return out.Bytes()
}

// jpegSegment is one segment before a JPEG's image data: its marker and
// the start of its payload.
type jpegSegment struct {
	marker byte
	head   string
}

// jpegSegments lists the segments of a JPEG before its image data, to show
// that a cleaned file has no APP1 (EXIF, XMP), APP13 (IPTC) or comment
// left.
func jpegSegments(t *testing.T, b []byte) []jpegSegment {
	t.Helper()
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		t.Fatalf("not a JPEG: starts % x", b[:min(4, len(b))])
	}
	var segs []jpegSegment
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xff {
			t.Fatalf("JPEG: no marker at %d", i)
		}
		m := b[i+1]
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		segs = append(segs, jpegSegment{m, string(b[i+4 : min(i+4+16, i+2+n, len(b))])})
		if m == 0xda { // start of scan: image data follows
			return segs
		}
		i += 2 + n
	}
	t.Fatal("JPEG: no start of scan")
	return nil
}
