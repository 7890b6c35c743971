package console_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rampart-api/rampart/examples/demo"
	"github.com/rampart-api/rampart/internal/testproc"
)

const chromium = "/usr/bin/chromium"

// shown is how long the page may take to show an attack.
const shown = 2 * time.Second

// TestConsoleInBrowser runs the demo (a naive API behind a real gateway
// configuration) with its console, opens the console in headless
// Chromium, attacks the gateway and checks that the page shows each
// attack within two seconds.
func TestConsoleInBrowser(t *testing.T) {
	path, err := exec.LookPath(chromium)
	testproc.Require(t, err == nil, "chromium not installed at %s", chromium)
	if testing.Short() {
		t.Skip("starts a browser")
	}
	d, err := demo.Start(context.Background(), demo.Options{AdminListen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelTimeout()

	// Any script error or CSP violation on the page fails the test.
	var pageMu sync.Mutex
	var pageErrors []string
	listen := func(ev any) {
		pageMu.Lock()
		defer pageMu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			pageErrors = append(pageErrors, fmt.Sprintf("exception at %s:%d: %s", ev.ExceptionDetails.URL, ev.ExceptionDetails.LineNumber, ev.ExceptionDetails.Text))
		case *log.EventEntryAdded:
			if strings.Contains(ev.Entry.Text, "Content Security Policy") || ev.Entry.Source == "security" {
				pageErrors = append(pageErrors, "log: "+ev.Entry.Text)
			}
		}
	}

	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(what, js string) any {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	// waitFor polls a JavaScript condition until it holds, at most shown.
	waitFor := func(what, js string) {
		t.Helper()
		deadline := time.Now().Add(shown)
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if ok {
				return
			}
			if time.Now().After(deadline) {
				dump, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("main").innerText.slice(0, 3000)`))
				t.Fatalf("page did not show %s within %s:\n%s", what, shown, dump)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// click clicks the element sel finds. The page redraws its tables
	// every second, so a node found may be gone when the click is sent;
	// the click is then tried again on the new node.
	click := func(what, sel string) {
		t.Helper()
		var err error
		for range 10 {
			if err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err == nil || !strings.Contains(err.Error(), "No node") {
				break
			}
		}
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	count := func(sel string) string {
		return fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? Number(e.textContent) : 0; })()`, sel)
	}

	// The page asks for the token, then connects.
	if err := chromedp.Listen(ctx, listen); err != nil {
		t.Fatal(err)
	}
	do("open the console", chromedp.Navigate(d.ConsoleURL))
	do("login form", chromedp.WaitVisible(chromedp.ID("token")))
	do("wrong token", chromedp.SendKeys(chromedp.ID("token"), "not-the-token"), chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)))
	waitFor("the refusal of a wrong token", `document.getElementById("login-error").textContent === "That token was refused." && document.getElementById("main").hidden`)
	do("log in", chromedp.SendKeys(chromedp.ID("token"), d.ConsoleToken), chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)))
	waitFor("the live stream", `document.getElementById("stream-state").textContent === "Live"`)
	// The console is served by the demo's admin listener, which reports
	// the gateway's readiness: its key set is loaded and it is not
	// draining.
	waitFor("the readiness pill", `document.getElementById("health-ready").textContent === "Ready" && document.getElementById("health-ready").dataset.state === "ok"`)
	if !strings.HasPrefix(d.ConsoleURL, d.AdminURL+"/") {
		t.Fatalf("console at %s, not on the admin listener %s", d.ConsoleURL, d.AdminURL)
	}
	if stored := eval("storage", `JSON.stringify([document.cookie, localStorage.length, sessionStorage.length])`); stored != `["",0,0]` {
		t.Fatalf("the page stored something: %v", stored)
	}

	gw := d.GatewayURL
	from127_0_0_2 := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).DialContext}}
	send := func(c *http.Client, method, url, token, body string, want int) {
		t.Helper()
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d", method, url, res.StatusCode, want)
		}
	}

	// A forged "alg: none" admin token.
	enc := base64.RawURLEncoding.EncodeToString
	forged := enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(`{"sub":"admin","uid":3,"roles":["admin"]}`)) + "."
	send(http.DefaultClient, "GET", gw+"/api/admin/stats", forged, "", 401)
	waitFor("the forged token", count(`#by-event [data-event="auth.failed"] .count`)+` >= 1 && `+count(`#owasp [data-owasp="API2:2023"] .count`)+` >= 1 && !!document.querySelector('#events tr.row[data-event="auth.failed"]')`)

	// BOLA: alice reads bob's note, from another address.
	send(from127_0_0_2, "GET", gw+"/api/users/2/notes/2", d.Tokens["alice"], "", 403)
	waitFor("the BOLA refusal", count(`#by-event [data-event="authz.denied"] .count`)+` >= 1 && `+count(`#owasp [data-owasp="API1:2023"] .count`)+` >= 1 && !!document.querySelector('#events tr.row[data-event="authz.denied"][data-owasp="API1:2023"]')`)

	// A path trick whose decoded path carries markup: shown as text only.
	send(http.DefaultClient, "GET", gw+"/api/users/1%2f..%2f2%3Cimg%20src=x%20id=injected%3E", d.Tokens["alice"], "", 400)
	waitFor("the path trick", `!!document.querySelector('#events tr.row[data-event="request.rejected"]')`)

	// An oversized body.
	send(http.DefaultClient, "POST", gw+"/api/signup", "", `{"username":"`+strings.Repeat("a", 70_000)+`"}`, 413)
	waitFor("the oversized body", count(`#owasp [data-owasp="API4:2023"] .count`)+` >= 1`)

	// A brute-force burst against bob reaches a lockout.
	for i := range 5 {
		send(http.DefaultClient, "POST", gw+"/api/login", "", fmt.Sprintf(`{"username":"bob","password":"wrong-password-%d"}`, i), 401)
	}
	send(http.DefaultClient, "POST", gw+"/api/login", "", `{"username":"bob","password":"wrong-password-6"}`, 429)
	waitFor("the lockout", `!!document.querySelector('#lockouts tr[data-locked-by="username"]') && `+count(`#by-event [data-event="bruteforce.locked"] .count`)+` >= 1`)
	lockout, _ := eval("lockout row", `document.querySelector("#lockouts tbody tr").textContent`).(string)
	if strings.Contains(lockout, "bob") || !strings.Contains(lockout, "user #") {
		t.Fatalf("lockout row %q should name a hash, never the username", lockout)
	}

	// Both offenders are in the top table; clicking one filters the events.
	waitFor("the offenders", `!!document.querySelector('#top-ips tr[data-key="127.0.0.1"]') && !!document.querySelector('#top-ips tr[data-key="127.0.0.2"]')`)
	clients := chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#events tr.row td.client")).map(td => td.textContent)`)
	before, err := chromedp.Run(ctx, clients)
	if err != nil {
		t.Fatal(err)
	}
	click("filter by 127.0.0.2", `#top-ips tr[data-key="127.0.0.2"] button`)
	after, err := chromedp.Run(ctx, clients)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) == 0 || len(after) >= len(before) {
		t.Fatalf("filter kept %d of %d rows", len(after), len(before))
	}
	for _, c := range after {
		if c != "127.0.0.2" {
			t.Fatalf("filtered table shows a row of %s", c)
		}
	}
	if pressed := eval("pressed", `document.querySelector('#top-ips tr[data-key="127.0.0.2"] button').getAttribute("aria-pressed")`); pressed != "true" {
		t.Fatalf("offender button aria-pressed=%v", pressed)
	}

	// A row expands to its fields, request id included.
	click("expand", `#events tr.row button`)
	waitFor("the event's fields", `Array.from(document.querySelectorAll("#events dt")).some(dt => dt.textContent === "request_id")`)

	// The keyboard reaches the same filters: Enter on a category.
	eval("focus API1", `document.querySelector('#owasp [data-owasp="API1:2023"] button').focus(); true`)
	do("press Enter", chromedp.KeyEvent(kb.Enter))
	waitFor("the category filter", `document.getElementById("filter-text").textContent.startsWith("API1:2023") && Array.from(document.querySelectorAll("#events tr.row")).every(tr => tr.dataset.owasp === "API1:2023")`)

	// Hovering the table pauses it; new events wait until the pointer leaves.
	click("clear filter", `#filter-clear`)
	rows := eval("hover", `document.getElementById("event-wrap").dispatchEvent(new MouseEvent("mouseenter")); document.querySelectorAll("#events tr.row").length`)
	send(http.DefaultClient, "GET", gw+"/api/admin/stats", forged, "", 401)
	waitFor("the pause notice", `document.getElementById("paused").textContent.startsWith("Paused: 1 new")`)
	if still := eval("paused rows", `document.querySelectorAll("#events tr.row").length`); still != rows {
		t.Fatalf("paused table changed from %v to %v rows", rows, still)
	}
	eval("leave", `document.getElementById("event-wrap").dispatchEvent(new MouseEvent("mouseleave"))`)
	waitFor("the held event", fmt.Sprintf(`document.querySelectorAll("#events tr.row").length === %v + 1`, rows))

	if injected := eval("injection", `document.querySelectorAll("img, #injected").length`); injected != float64(0) {
		t.Fatal("an attacker's path became markup")
	}

	do("viewport", chromedp.EmulateViewport(1280, 800))
	eval("scroll", `window.scrollTo(0, 0); document.activeElement.blur(); true`)
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("RAMPART_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	file := filepath.Join(dir, "console.png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", file, len(png))
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatal("screenshot is not a PNG")
	}
	// The same page in dark mode.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
	}); err != nil {
		t.Fatal(err)
	}
	if bg := eval("dark", `getComputedStyle(document.body).backgroundColor`); bg != "rgb(15, 20, 27)" {
		t.Fatalf("dark mode background %v", bg)
	}
	if png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "console-dark.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}

	pageMu.Lock()
	defer pageMu.Unlock()
	if len(pageErrors) > 0 {
		t.Fatalf("page errors:\n%s", strings.Join(pageErrors, "\n"))
	}
}
