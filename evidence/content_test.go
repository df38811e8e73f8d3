package evidence_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/evidence"
)

// zipWith returns a zip archive holding empty parts with the given names.
func zipWith(names ...string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, n := range names {
		w, _ := zw.Create(n)
		w.Write([]byte("<x/>"))
	}
	zw.Close()
	return b.Bytes()
}

var (
	samplePDF  = []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	samplePNG  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
	sampleJPEG = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
	sampleXLSX = zipWith("[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml")
	sampleDOCX = zipWith("[Content_Types].xml", "word/document.xml")
	sampleZIP  = zipWith("a.txt")
)

func TestDetectType(t *testing.T) {
	tests := []struct {
		name     string
		content  []byte
		declared string
		file     string
		want     string // stored type, or the error substring when code is set
		code     string
	}{
		{"pdf declared pdf is accepted", samplePDF, "application/pdf", "r.pdf", "application/pdf", ""},
		{"png without declaration is detected", samplePNG, "", "shot", "image/png", ""},
		{"jpeg sent as octet-stream is detected", sampleJPEG, "application/octet-stream", "a.jpg", "image/jpeg", ""},
		{"csv by extension is text/csv", []byte("a,b\n1,2\n"), "", "data.csv", "text/csv", ""},
		{"csv declared with charset is accepted", []byte("a,b\n1,2\n"), "text/csv; charset=utf-8", "d", "text/csv", ""},
		{"json declared and valid is accepted", []byte(`{"a": [1, 2]}`), "application/json", "x", "application/json", ""},
		{"plain text is accepted", []byte("hello\n"), "", "notes", "text/plain", ""},
		{"xlsx declared is checked inside the zip", sampleXLSX, evidence.TypeXLSX, "a.xlsx", evidence.TypeXLSX, ""},
		{"docx without declaration is detected", sampleDOCX, "", "a.bin", evidence.TypeDOCX, ""},
		{"png declared pdf is a mismatch", samplePNG, "application/pdf", "r.pdf", "content type mismatch: declared application/pdf but the content is image/png", cloudtrust.EINVALID},
		{"text declared pdf is a mismatch", []byte("not a pdf"), "application/pdf", "r.pdf", "declared application/pdf but the content is text/plain", cloudtrust.EINVALID},
		{"docx declared xlsx is a mismatch", sampleDOCX, evidence.TypeXLSX, "a.xlsx", "but the content is " + evidence.TypeDOCX, cloudtrust.EINVALID},
		{"plain zip declared xlsx is a mismatch", sampleZIP, evidence.TypeXLSX, "a.xlsx", "neither an xlsx nor a docx", cloudtrust.EINVALID},
		{"plain zip without declaration is refused", sampleZIP, "", "a.zip", "is not allowed", cloudtrust.EINVALID},
		{"invalid json declared json is a mismatch", []byte(`{"a": `), "application/json", "x.json", "not JSON", cloudtrust.EINVALID},
		{"json with trailing data is a mismatch", []byte(`{} {}`), "application/json", "x.json", "not JSON", cloudtrust.EINVALID},
		{"html is refused", []byte("<!DOCTYPE html><html><script>x</script></html>"), "", "x.html", "content type \"text/html; charset=utf-8\" is not allowed", cloudtrust.EINVALID},
		{"gif declared gif is refused", []byte("GIF89a...."), "image/gif", "x.gif", "content type \"image/gif\" is not allowed", cloudtrust.EINVALID},
		{"latin-1 charset is refused", []byte("a"), "text/plain; charset=iso-8859-1", "x", "charset", cloudtrust.EINVALID},
		{"malformed declaration is refused", []byte("a"), "text/", "x", "malformed content type", cloudtrust.EINVALID},
		{"empty file is refused", nil, "text/plain", "x", "file: empty", cloudtrust.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evidence.DetectType(bytes.NewReader(tt.content), int64(len(tt.content)), tt.declared, tt.file)
			if tt.code == "" {
				if err != nil || got != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if cloudtrust.ErrorCode(err) != tt.code || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v; want %s containing %q", err, tt.code, tt.want)
			}
		})
	}
}
