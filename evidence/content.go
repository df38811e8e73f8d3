package evidence

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// The content types of office documents (zip packages).
const (
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)

// AllowedTypes lists the content types an uploaded file may have.
var AllowedTypes = []string{"application/pdf", "image/png", "image/jpeg", "text/plain", "text/csv", "application/json", TypeXLSX, TypeDOCX}

// family is what http.DetectContentType can tell about each allowed type.
var family = map[string]string{
	"application/pdf":  "application/pdf",
	"image/png":        "image/png",
	"image/jpeg":       "image/jpeg",
	"text/plain":       "text/plain; charset=utf-8",
	"text/csv":         "text/plain; charset=utf-8",
	"application/json": "text/plain; charset=utf-8",
	TypeXLSX:           "application/zip",
	TypeDOCX:           "application/zip",
}

// byExtension gives the type a file name implies when none is declared.
var byExtension = map[string]string{
	".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
	".txt": "text/plain", ".csv": "text/csv", ".json": "application/json", ".xlsx": TypeXLSX, ".docx": TypeDOCX,
}

// DetectType checks an uploaded file's content against the type the client
// declared (a Content-Type value; "" or application/octet-stream means "not
// declared") and returns the type to store. The content is sniffed with
// http.DetectContentType; text that is declared JSON must parse as JSON,
// and a zip must be an xlsx or docx package (it must hold
// xl/workbook.xml or word/document.xml). Without a declared type, the file
// name's extension and the content decide. Every refusal is an EINVALID
// naming the declared and the detected type.
func DetectType(content io.ReaderAt, size int64, declared, fileName string) (string, error) {
	if size == 0 {
		return "", cloudtrust.Errorf(cloudtrust.EINVALID, "file: empty")
	}
	head := make([]byte, min(size, 512))
	if _, err := content.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	sniffed := http.DetectContentType(head)
	want, err := declaredType(declared)
	if err != nil {
		return "", err
	}
	if want == "" {
		want = inferType(sniffed, strings.ToLower(path.Ext(fileName)), content, size)
		if want == "" {
			return "", cloudtrust.Errorf(cloudtrust.EINVALID, "file: content type %q is not allowed; allowed: %s", describe(sniffed, content, size), strings.Join(AllowedTypes, ", "))
		}
	}
	if family[want] != sniffed {
		return "", mismatch(want, describe(sniffed, content, size))
	}
	switch want {
	case "application/json":
		if err := checkJSON(io.NewSectionReader(content, 0, size)); err != nil {
			return "", cloudtrust.Errorf(cloudtrust.EINVALID, "content type mismatch: declared application/json but the content is not JSON (%v)", err)
		}
	case TypeXLSX, TypeDOCX:
		if got := officeType(content, size); got != want {
			return "", mismatch(want, describe(sniffed, content, size))
		}
	}
	return want, nil
}

// declaredType normalises a declared Content-Type to one of AllowedTypes,
// or "" when nothing useful was declared.
func declaredType(declared string) (string, error) {
	if strings.TrimSpace(declared) == "" {
		return "", nil
	}
	mt, params, err := mime.ParseMediaType(declared)
	if err != nil {
		return "", cloudtrust.Errorf(cloudtrust.EINVALID, "file: malformed content type %q", clip(declared))
	}
	if mt == "application/octet-stream" {
		return "", nil
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
		return "", cloudtrust.Errorf(cloudtrust.EINVALID, "file: charset %q is not allowed; text must be UTF-8", clip(cs))
	}
	if _, ok := family[mt]; !ok {
		return "", cloudtrust.Errorf(cloudtrust.EINVALID, "file: content type %q is not allowed; allowed: %s", clip(mt), strings.Join(AllowedTypes, ", "))
	}
	return mt, nil
}

// inferType picks the stored type from the sniffed type and the extension.
func inferType(sniffed, ext string, content io.ReaderAt, size int64) string {
	switch sniffed {
	case "application/pdf", "image/png", "image/jpeg":
		return sniffed
	case "text/plain; charset=utf-8":
		if t := byExtension[ext]; t == "text/csv" || t == "application/json" {
			return t
		}
		return "text/plain"
	case "application/zip":
		return officeType(content, size)
	}
	return ""
}

// officeType returns TypeXLSX or TypeDOCX for a zip holding a workbook or a
// document part, "" otherwise.
func officeType(content io.ReaderAt, size int64) string {
	zr, err := zip.NewReader(content, size)
	if err != nil {
		return ""
	}
	for _, f := range zr.File {
		switch f.Name {
		case "xl/workbook.xml":
			return TypeXLSX
		case "word/document.xml":
			return TypeDOCX
		}
	}
	return ""
}

// describe names the detected content for error messages.
func describe(sniffed string, content io.ReaderAt, size int64) string {
	if sniffed == "application/zip" {
		if t := officeType(content, size); t != "" {
			return t
		}
		return "application/zip (neither an xlsx nor a docx package)"
	}
	return sniffed
}

func mismatch(declared, detected string) error {
	return cloudtrust.Errorf(cloudtrust.EINVALID, "content type mismatch: declared %s but the content is %s", declared, detected)
}

// checkJSON reads one JSON value and nothing after it, without holding the
// document in memory.
func checkJSON(r io.Reader) error {
	dec := json.NewDecoder(r)
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			break
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}
