package evidence_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func link(id string, expires time.Time, controls ...string) evidence.Item {
	return evidence.Item{ID: id, Provider: "acme", Kind: evidence.KindLink, Title: "Report " + id, Collector: "Audit team",
		URL: "https://docs.example/" + id, Controls: controls, Visibility: evidence.Public, Expires: expires}
}

func TestItemValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*evidence.Item)
		want string // substring of the error; "" = valid
	}{
		{"complete link is valid", func(*evidence.Item) {}, ""},
		{"measurement item is valid", func(it *evidence.Item) { it.Kind, it.URL, it.Measurement = evidence.KindMeasurement, "", "m-1" }, ""},
		{"missing title is refused", func(it *evidence.Item) { it.Title = " " }, "title: required"},
		{"missing collector is refused", func(it *evidence.Item) { it.Collector = "" }, "collector: required"},
		{"missing provider is refused", func(it *evidence.Item) { it.Provider = "" }, "provider: required"},
		{"http link is refused", func(it *evidence.Item) { it.URL = "http://docs.example/x" }, "url: want an https URL"},
		{"link with credentials is refused", func(it *evidence.Item) { it.URL = "https://u:p@docs.example/x" }, "url: must not carry credentials"},
		{"link without url is refused", func(it *evidence.Item) { it.URL = "" }, "url: required"},
		{"measurement without id is refused", func(it *evidence.Item) { it.Kind, it.URL = evidence.KindMeasurement, "" }, "measurement: required"},
		{"bad measurement id is refused", func(it *evidence.Item) { it.Kind, it.URL, it.Measurement = evidence.KindMeasurement, "", "a/b" }, "measurement: \"a/b\""},
		{"unknown kind is refused", func(it *evidence.Item) { it.Kind = "video" }, "kind: \"video\""},
		{"unknown visibility is refused", func(it *evidence.Item) { it.Visibility = "secret" }, "visibility: \"secret\""},
		{"period ending before it starts is refused", func(it *evidence.Item) { it.PeriodFrom, it.PeriodTo = t0, t0.Add(-time.Hour) }, "periodTo:"},
		{"expiry in year 9999 is refused", func(it *evidence.Item) { it.Expires = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) }, "expires: year 9999"},
		{"duplicate control is refused", func(it *evidence.Item) { it.Controls = []string{"A", "A"} }, "controls[1]: \"A\" is listed twice"},
		{"blank control is refused", func(it *evidence.Item) { it.Controls = []string{" "} }, "controls[0]"},
		{"an over-long title is refused naming the field", func(it *evidence.Item) { it.Title = strings.Repeat("t", evidence.MaxTitleLength+1) }, "title: longer than 200 bytes"},
		{"a NUL byte in the description is refused", func(it *evidence.Item) { it.Description = "a\x00b" }, "description: contains a NUL byte"},
		{"a provider that is not an id is refused", func(it *evidence.Item) { it.Provider = "a b" }, `provider: "a b" is not an organisation id`},
		{"more controls than the limit are refused", func(it *evidence.Item) {
			it.Controls = make([]string, evidence.MaxControls+1)
			for i := range it.Controls {
				it.Controls[i] = fmt.Sprintf("C-%d", i)
			}
		}, "controls: more than 1000"},
		{"a file digest that is not 64 hex digits is refused", func(it *evidence.Item) {
			it.Kind, it.URL, it.File = evidence.KindFile, "", &evidence.File{SHA256: "abc"}
		}, "file.sha256: want 64 hex digits"},
		{"a file digest of 64 non-hex characters is refused", func(it *evidence.Item) {
			it.Kind, it.URL, it.File = evidence.KindFile, "", &evidence.File{SHA256: strings.Repeat("../", 21) + "x"}
		}, "file.sha256: want 64 hex digits"},
		{"every problem is reported", func(it *evidence.Item) { it.Title, it.Collector = "", "" }, "title: required; collector: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := link("ev-0000000000000001", t0, "IAM-02")
			tt.edit(&it)
			err := it.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestIDs(t *testing.T) {
	if id := evidence.NewID(); !evidence.IsID(id) || evidence.IsRequestID(id) {
		t.Fatalf("NewID() = %q", id)
	}
	if id := evidence.NewRequestID(); !evidence.IsRequestID(id) || evidence.IsID(id) {
		t.Fatalf("NewRequestID() = %q", id)
	}
	for _, s := range []string{"", "ev-", "ev-0123", "https://x", "ev-0123456789abcdeF"} {
		if evidence.IsID(s) {
			t.Errorf("IsID(%q) = true", s)
		}
	}
}

func TestCleanFileName(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf": "report.pdf", "../../etc/passwd": "passwd", `C:\x\y.pdf`: "y.pdf", "a\"b\nc.txt": "abc.txt", "..": "",
	} {
		if got := evidence.CleanFileName(in); got != want {
			t.Errorf("CleanFileName(%q) = %q, want %q", in, got, want)
		}
	}
}
