package web

import (
	"bytes"
	"encoding/binary"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"qingfeng/internal/evidencetest"
)

// wavTone is a short WAV recording (a quarter second of a 440 Hz square wave).
func wavTone() []byte {
	const rate, n = 8000, 2000
	var data bytes.Buffer
	for i := range n {
		v := int16(6000)
		if (i*440/rate)%2 == 1 {
			v = -6000
		}
		binary.Write(&data, binary.LittleEndian, v)
	}
	var out bytes.Buffer
	out.WriteString("RIFF")
	binary.Write(&out, binary.LittleEndian, uint32(36+data.Len()))
	out.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(rate * 2), uint16(2), uint16(16)} {
		binary.Write(&out, binary.LittleEndian, v)
	}
	out.WriteString("data")
	binary.Write(&out, binary.LittleEndian, uint32(data.Len()))
	out.Write(data.Bytes())
	return out.Bytes()
}

// The staff ticket page in Chromium: the evidence a reporter added shows under the
// complaint, the photo as the server's thumbnail, the recording as a player, every file
// with a download link; a change of the ticket (a download recorded in its history)
// redraws the page and the panel stays as it was.
func TestTicketPageShowsEvidenceInChromium(t *testing.T) {
	e := newEvidenceEnv(t, false, func(*Config) {})
	number, code := e.report(t, "evidence-browser")
	for name, body := range map[string][]byte{"现场照片.jpg": evidencetest.JPEGWithSecrets(t, 640, 400),
		"通话录音.wav": wavTone(), "收据.pdf": evidencetest.PDF("", "x")} {
		if status, got := e.upload(t, number, code, name, body); status != http.StatusCreated {
			t.Fatalf("%s: %d %v", name, status, got)
		}
	}
	ctx := browse(t)
	e.browserLogin(t, ctx, "handler-a") // no identity for a handler, but the evidence all the same
	// handler-a sees tickets of its bodies only: route this one there first.
	tk, err := e.store.Get(t.Context(), number)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := e.do(t, e.logins["intake1"], "POST", "/staff/api/tickets/"+number+"/moves", map[string]any{"action": "accept", "version": tk.Version}); code != 200 {
		t.Fatalf("accept: %d %s", code, body)
	}
	if code, body := e.do(t, e.logins["intake1"], "POST", "/staff/api/tickets/"+number+"/moves",
		map[string]any{"action": "route", "version": tk.Version + 1, "mode": "assigned", "body": "town-a1", "due": "2026-12-31"}); code != 200 {
		t.Fatalf("route: %d %s", code, body)
	}

	var thumbWidth, thumbHeight, items, links int
	var under bool
	var audioSrc, names string
	run(t, ctx, "open the ticket",
		chromedp.Navigate(e.srv.URL+"/staff/ticket?id="+number),
		chromedp.WaitVisible("#text", chromedp.ByID),
		until(`(() => { const i = document.querySelector("#evidence img"); return !!i && i.complete && i.naturalWidth > 0; })()`),
		chromedp.Evaluate(`document.querySelector("#evidence img").naturalWidth`, &thumbWidth),
		chromedp.Evaluate(`document.querySelector("#evidence img").naturalHeight`, &thumbHeight),
		chromedp.Evaluate(`document.querySelectorAll("#evidence .evidence-item").length`, &items),
		chromedp.Evaluate(`document.querySelectorAll("#evidence a.download[download]").length`, &links),
		chromedp.Evaluate(`(() => { const p = document.getElementById("evidence"); return !p.hidden && p.closest("section.main") === document.getElementById("text").parentElement; })()`, &under),
		chromedp.Evaluate(`(() => { const a = document.querySelector("#evidence audio[controls]"); return a ? a.getAttribute("src") : ""; })()`, &audioSrc),
		chromedp.Evaluate(`[...document.querySelectorAll("#evidence .evidence-name")].map(n => n.textContent).join(" ")`, &names),
	)
	if thumbWidth != 150 || thumbHeight != 240 {
		t.Errorf("the thumbnail is %d×%d, want the server's 150×240 (a 640×400 photo taken on its side)", thumbWidth, thumbHeight)
	}
	if items != 3 || links != 3 || !under {
		t.Errorf("%d items, %d download links, panel shown with the complaint: %v", items, links, under)
	}
	if !strings.HasPrefix(audioSrc, "/staff/api/tickets/"+number+"/attachments/") {
		t.Errorf("the recording plays from %q", audioSrc)
	}
	if !strings.Contains(names, "现场照片.jpg") || !strings.Contains(names, "收据.pdf") {
		t.Errorf("names shown: %q", names)
	}
	screenshot(t, ctx, "console-evidence.png")

	// A download is recorded, and the page shows it; the panel is left as it was (a
	// recording playing plays on). A file the reporter adds meanwhile appears.
	var same bool
	run(t, ctx, "download",
		chromedp.Evaluate(`document.querySelector("#evidence img").dataset.kept = "1"`, nil),
		chromedp.Evaluate(`fetch(document.querySelector("#evidence a.download").getAttribute("href")).then(r => r.blob()).then(() => 1)`, nil),
		until(`[...document.querySelectorAll("#audit td")].some(td => td.textContent === "查看证据文件")`),
		chromedp.Evaluate(`document.querySelector("#evidence img").dataset.kept === "1"`, &same),
	)
	if !same {
		t.Error("the panel was drawn anew after a download")
	}
	if status, got := e.upload(t, number, code, "补充.pdf", evidencetest.PDF("", "y")); status != http.StatusCreated {
		t.Fatalf("another file: %d %v", status, got)
	}
	run(t, ctx, "a file added while the page is open",
		until(`document.querySelectorAll("#evidence .evidence-item").length === 4`))
	if got := strings.Join(e.auditActions(t, number), " "); !strings.Contains(got, "handler-a:view_evidence") {
		t.Errorf("the download is not in the history: %s", got)
	}
}
