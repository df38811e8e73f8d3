package main

// Issue 7 journey (b) in headless Chromium against the real binary: a
// provider user imports a CAIQ workbook with errors, reads the report,
// fixes the answers in the questionnaire editor (an inline validation
// message appears and disappears), submits, and sees the registry entry.

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/cloudtrust/cloudtrust/formats/caiq/caiqtest"
	"github.com/cloudtrust/cloudtrust/internal/testkit/browser"
)

// journeyWorkbook writes a 12-question CAIQ workbook with errors: a refused
// answer in C3 (WDG-01.1), a refused ownership in D4 (WDG-01.2) and row 5
// (GAD-01.1) left blank.
func journeyWorkbook(t *testing.T, dir string) string {
	t.Helper()
	b, err := caiqtest.Workbook(caiqtest.Complete, 12)
	webMust(t, err)
	f, err := excelize.OpenReader(bytes.NewReader(b))
	webMust(t, err)
	defer f.Close()
	webMust(t, f.SetCellStr(caiqtest.Sheet, "C3", "Maybe"))
	webMust(t, f.SetCellStr(caiqtest.Sheet, "D4", "Ours"))
	for _, c := range []string{"C5", "D5", "E5", "F5"} {
		webMust(t, f.SetCellStr(caiqtest.Sheet, c, ""))
	}
	p := filepath.Join(dir, "acme-caiq.xlsx")
	webMust(t, f.SaveAs(p))
	return p
}

// choose selects value in the select sel the way a user does: the value
// changes and a change event bubbles up (the editor autosaves on it).
func choose(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(function(){var el=document.querySelector(` + jsString(sel) + `);el.focus();el.value=` + jsString(value) +
		`;el.dispatchEvent(new Event("change",{bubbles:true}));})()`)
}

// clearStatus empties the autosave status, so that waiting for "Saved"
// waits for the next save.
func clearStatus() chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(function(){var s=document.getElementById("autosave-status");s.textContent="";s.removeAttribute("data-state");})()`)
}

func waitSaved() chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(`#autosave-status[data-state="saved"]`))
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

func TestWebProviderImportsFixesAndSubmits(t *testing.T) {
	dir := t.TempDir()
	seedWebData(t, dir)
	wb := journeyWorkbook(t, t.TempDir())
	srv := startServer(t, nil, "--data", dir)
	b := browser.Start(t, 1280, 800)

	b.Run("sign in",
		signInTasks(srv.url, "/console/assess", "alice@example.com", webPassword, chromedp.WaitVisible(chromedp.CSS("#import-form")))...)
	b.Screenshot("questionnaires")
	logPaint(t, b, "/console/assess")

	b.Run("import a workbook with errors",
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{wb}),
		chromedp.Click(chromedp.CSS(`#import-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("table.import-report")))
	b.Screenshot("import-report")
	report := browser.Get(b, "read the report", chromedp.Text(chromedp.CSS("table.import-report")))
	for _, want := range []string{`answer "Maybe"`, `ownership "Ours"`, "imported blank"} {
		if !strings.Contains(report, want) {
			t.Fatalf("import report lacks %q:\n%s", want, report)
		}
	}
	if rows := browser.Get(b, "count report rows", chromedp.Evaluate[int](`document.querySelectorAll("table.import-report tbody tr").length`)); rows != 2 {
		t.Fatalf("report rows = %d, want 2", rows)
	}

	b.Run("open the draft", chromedp.Click(chromedp.CSS("#open-draft")), chromedp.WaitVisible(chromedp.CSS("form.qform")))
	b.Screenshot("editor")
	logPaint(t, b, "/console/assess/submissions/{id}")

	b.Run("try to submit the incomplete draft",
		chromedp.Evaluate[chromedp.Void](`window.confirm = function () { return true; }`),
		chromedp.Click(chromedp.CSS("#submit-button")),
		chromedp.WaitVisible(chromedp.CSS("#problems")))
	b.Screenshot("submit-refused")
	problems := browser.Get(b, "read the problems", chromedp.Text(chromedp.CSS("#problems")))
	for _, want := range []string{"WDG-01.1 answer: answer missing", "WDG-01.2 ownership: ownership missing", "GAD-01.1 answer: answer missing"} {
		if !strings.Contains(problems, want) {
			t.Fatalf("problems lack %q:\n%s", want, problems)
		}
	}

	b.Run("follow the first problem to its field",
		chromedp.Click(chromedp.CSS("#problems li a")),
		chromedp.WaitVisible(chromedp.CSS("#f-0-answer")))
	if focus := browser.Get(b, "read the location", chromedp.Evaluate[string](`location.hash`)); focus != "#f-0-answer" {
		t.Fatalf("problem link went to %q", focus)
	}

	b.Run("answer No without a description: an inline message appears",
		clearStatus(),
		chromedp.Evaluate[chromedp.Void](`(function(){var el=document.querySelector("#f-0-description");el.value="";el.dispatchEvent(new Event("input",{bubbles:true}));})()`),
		choose("#f-0-answer", "No"),
		waitSaved(),
		chromedp.WaitVisible(chromedp.CSS("#m-0-description")))
	b.Screenshot("inline-message")
	msg := browser.Get(b, "read the inline message", chromedp.Text(chromedp.CSS("#m-0-description")))
	if !strings.Contains(msg, "a No answer needs an implementation description") {
		t.Fatalf("inline message = %q", msg)
	}
	b.Run("describe why: the message disappears",
		clearStatus(),
		chromedp.SendKeys(chromedp.CSS("#f-0-description"), "Polishing is monthly; weekly checks are automated."),
		waitSaved(),
		chromedp.WaitNotPresent(chromedp.CSS("#m-0-description")))
	b.Screenshot("inline-message-gone")

	b.Run("choose the missing ownership",
		clearStatus(),
		choose("#f-1-ownership", "CSP-owned"),
		waitSaved(),
		chromedp.WaitNotPresent(chromedp.CSS("#m-1-ownership")))

	b.Run("open the next domain and answer the blank question",
		chromedp.Click(chromedp.CSS("#d-1 > summary")),
		chromedp.WaitVisible(chromedp.CSS("#f-2-answer")),
		clearStatus(),
		choose("#f-2-answer", "Yes"),
		waitSaved(),
		clearStatus(),
		choose("#f-2-ownership", "CSP-owned"),
		waitSaved())
	b.Screenshot("domain-fixed")
	if got := browser.Get(b, "read the progress", chromedp.Text(chromedp.CSS("#overall-count"))); got != "12/12" {
		t.Fatalf("overall progress = %q, want 12/12", got)
	}

	// Keyboard: the fields of a question follow in reading order.
	b.Run("tab through a question", chromedp.Focus(chromedp.CSS("#f-2-answer")))
	for _, want := range []string{"f-2-ownership", "f-2-description", "f-2-customerResponsibilities", "f-2-other"} {
		b.Run("press tab", chromedp.KeyEvent("\t"))
		if got := browser.Get(b, "read the focused field", chromedp.Evaluate[string](`document.activeElement.id`)); got != want {
			t.Fatalf("tab moved focus to %q, want %q", got, want)
		}
	}

	// Phone width: the editor does not scroll sideways.
	b.Run("view the editor on a phone", chromedp.EmulateViewport(390, 844), chromedp.Sleep(300*time.Millisecond))
	if fits := browser.Get(b, "check the page fits the screen", chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth + 1`)); !fits {
		t.Errorf("the editor scrolls sideways at 390x844")
	}
	b.Screenshot("editor-phone")
	b.Run("back to the laptop", chromedp.EmulateViewport(1280, 800))

	b.Run("submit to the registry",
		chromedp.Evaluate[chromedp.Void](`window.confirm = function () { return true; }`),
		chromedp.Click(chromedp.CSS("#submit-button")),
		chromedp.WaitVisible(chromedp.CSS("#entry-id")))
	b.Screenshot("registry-entry")
	entry := browser.Get(b, "read the registry entry", chromedp.Text(chromedp.CSS("#registry-entry")))
	for _, want := range []string{"self-assessment", "current", "ccm@4.1.0"} {
		if !strings.Contains(entry, want) {
			t.Fatalf("registry entry lacks %q:\n%s", want, entry)
		}
	}
	if os.Getenv("CLOUDTRUST_ARTIFACTS") == "" {
		t.Logf("screenshots in a temporary directory (set CLOUDTRUST_ARTIFACTS to keep them)")
	}
}
