package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tally-sv/tally/internal/config"
	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/server"
)

// stepTimeout bounds one browser step: a page load, a click, some typing.
const stepTimeout = 30 * time.Second

// app is the real server on a fresh copy of the demo database.
type app struct {
	URL  string
	db   *pgtest.DB
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// newApp serves the real router on 127.0.0.1 against a fresh database
// holding the demo. The test fails if the server logs an error: a 500
// behind a friendly page still shows there.
func newApp(t *testing.T) *app {
	t.Helper()
	db := pgtest.NewSeeded(t, "demo", func(db *pgtest.DB) error {
		return demo.Load(context.Background(), postgres.New(db.Owner).WithFiles(db.Files), io.Discard)
	})
	logs := &syncBuffer{}
	cfg := config.Config{
		Addr: "127.0.0.1:0", DatabaseURL: db.AppURL, BaseURL: "http://127.0.0.1",
		SessionIdle: 30 * time.Minute, SessionLifetime: 12 * time.Hour, SecretKey: testSecretKey, LogLevel: "info",
	}
	srv := server.New(cfg, postgres.New(db.App).WithFiles(db.Files), slog.New(slog.NewJSONHandler(logs, nil)))
	ts := httptest.NewServer(srv) // listens on 127.0.0.1
	t.Cleanup(ts.Close)
	t.Cleanup(func() {
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, `"level":"ERROR"`) {
				t.Errorf("server logged an error: %s", line)
			}
		}
	})
	return &app{URL: ts.URL, db: db, logs: logs}
}

// chromium finds the browser. Without one the journeys skip locally, but
// CI must run them, so there they fail.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is not installed, and CI must run the browser journeys: .ci/run installs it with apt-get install -y chromium")
	}
	t.Skip("Chromium is not installed, so the browser journeys are skipped: apt-get install -y chromium to run them")
	return ""
}

// startBrowser starts one headless Chromium for the test, with a fresh
// profile and no calls home, and closes it when the test ends.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	// Chromium now and then fails to start on a busy machine: try again.
	var err error
	for range 3 {
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, cancelBrowser := chromedp.NewContext(actx)
		if err = chromedp.Do(bctx); err == nil {
			t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
			return bctx
		}
		cancelBrowser()
		cancelAlloc()
	}
	t.Fatalf("start Chromium: %v", err)
	return nil
}

// visit is one run of the journeys: one app, with JavaScript on or off,
// and the pages axe has already checked.
type visit struct {
	app     *app
	browser context.Context
	js      bool

	mu   sync.Mutex
	axed map[string]bool
}

func newVisit(app *app, browser context.Context, js bool) *visit {
	return &visit{app: app, browser: browser, js: js, axed: map[string]bool{}}
}

// session is one person's tab, in a browser context of its own so that
// each has its own cookies.
type session struct {
	v   *visit
	ctx context.Context
}

// tab opens a fresh tab in a new browser context, with scripts disabled
// when the visit runs without JavaScript. It closes when t ends.
func (v *visit) tab(t *testing.T) *session {
	t.Helper()
	ctx, cancel := chromedp.NewContext(v.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	if !v.js {
		if err := setScripts(ctx, false); err != nil {
			t.Fatal(err)
		}
	}
	return &session{v: v, ctx: ctx}
}

// setScripts turns the page's own scripts on or off in a tab. Evaluation
// through the protocol works either way.
func setScripts(tab context.Context, on bool) error {
	if _, err := chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on}); err != nil {
		return fmt.Errorf("turn scripts on=%v: %w", on, err)
	}
	return nil
}

// signIn opens a tab and signs in through /login as a person would.
func (v *visit) signIn(t *testing.T, email string) *session {
	t.Helper()
	s := v.tab(t)
	s.open(t, "/login")
	s.fill(t, "#email", email)
	s.fill(t, "#password", demo.Password)
	s.press(t, "Sign in")
	if got := s.path(t); strings.HasPrefix(got, "/login") {
		t.Fatalf("%s could not sign in; the page says:\n%s", email, s.mainText(t))
	}
	return s
}

func (s *session) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.ctx, stepTimeout)
}

// open loads a path and checks the page.
func (s *session) open(t *testing.T, path string) {
	t.Helper()
	ctx, cancel := s.step()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(s.v.app.URL+path))
	s.arrived(t, "open "+path, resp, err, 200)
}

// press clicks the button with this text and waits for the next page.
func (s *session) press(t *testing.T, button string) {
	t.Helper()
	s.clickTo(t, "//button[normalize-space()="+xq(button)+"]", 200)
}

// follow clicks the link with this text and waits for the next page.
func (s *session) follow(t *testing.T, link string) {
	t.Helper()
	s.clickTo(t, "//a[normalize-space()="+xq(link)+"]", 200)
}

// clickTo clicks the first element sel finds (CSS or XPath), waits for the
// page it leads to, and checks that page's status.
func (s *session) clickTo(t *testing.T, sel string, status int64) {
	t.Helper()
	ctx, cancel := s.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.Search(sel), chromedp.NodeVisible))
	s.arrived(t, "click "+sel, resp, err, status)
}

// arrived checks a page that just loaded: its status, that JavaScript is
// on or off as the visit says, and (once per kind of page) axe.
func (s *session) arrived(t *testing.T, what string, resp *network.Response, err error, status int64) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if resp == nil {
		t.Fatalf("%s: no page loaded", what)
	}
	if resp.Status != status {
		t.Fatalf("%s: %s answered %d, want %d; the page says:\n%s", what, resp.URL, resp.Status, status, s.mainText(t))
	}
	if js := s.eval(t, `document.body.classList.contains('js-enabled')`) == "true"; js != s.v.js {
		t.Fatalf("%s: JavaScript ran: %v, want %v", what, js, s.v.js)
	}
	s.v.axe(t, s)
}

// fill replaces a field's value by typing, as a person would.
func (s *session) fill(t *testing.T, sel, value string) {
	t.Helper()
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Focus(chromedp.Search(sel)),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)), // select what is there
		chromedp.KeyEvent(kb.Backspace),
	}
	if value != "" {
		steps = append(steps, chromedp.SendKeys(chromedp.Search(sel), value))
	}
	s.do(t, "fill "+sel, steps...)
	if got := s.value(t, sel); got != value {
		t.Fatalf("fill %s: the field holds %q, want %q", sel, got, value)
	}
}

// click clicks what sel finds (a checkbox, a summary), with no page load.
func (s *session) click(t *testing.T, sel string) {
	t.Helper()
	s.do(t, "click "+sel, chromedp.Click(chromedp.Search(sel)))
}

// choose clicks a radio or checkbox by its label's text inside the fieldset
// whose legend has this text.
func (s *session) choose(t *testing.T, legend, label string) {
	t.Helper()
	sel := "//fieldset[legend[normalize-space()=" + xq(legend) + "]]//label[normalize-space()=" + xq(label) + "]"
	s.do(t, "choose "+label, chromedp.Click(chromedp.Search(sel), chromedp.NodeVisible))
}

// upload sets the files of a file input, as the file chooser would.
func (s *session) upload(t *testing.T, sel string, files ...string) {
	t.Helper()
	s.do(t, "upload", chromedp.SetUploadFiles(chromedp.Search(sel), files))
}

func (s *session) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := s.step()
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v; the page says:\n%s", what, err, s.mainText(t))
	}
}

// value is the current value of a form field.
func (s *session) value(t *testing.T, sel string) string {
	t.Helper()
	ctx, cancel := s.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.Search(sel)))
	if err != nil {
		t.Fatalf("read the value of %s: %v", sel, err)
	}
	return v
}

// text is the rendered text of the first element sel finds.
func (s *session) text(t *testing.T, sel string) string {
	t.Helper()
	ctx, cancel := s.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Text(chromedp.Search(sel)))
	if err != nil {
		t.Fatalf("read %s: %v; the page says:\n%s", sel, err, s.mainText(t))
	}
	return strings.TrimSpace(v)
}

// attr is an attribute of the first element sel finds.
func (s *session) attr(t *testing.T, sel, name string) string {
	t.Helper()
	ctx, cancel := s.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.Search(sel), name))
	if err != nil {
		t.Fatalf("read %s of %s: %v", name, sel, err)
	}
	return v.Value
}

// eval evaluates JavaScript in the page, through the DevTools protocol: it
// works when the page's own scripts are disabled and is not subject to the
// page's CSP. The result is the value as JSON.
func (s *session) eval(t *testing.T, expr string) string {
	t.Helper()
	ctx, cancel := s.step()
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr))
	if err != nil {
		t.Fatalf("evaluate %.60q: %v", expr, err)
	}
	return string(raw)
}

// mainText is what the page shows in <main>, for failure messages.
func (s *session) mainText(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + (document.querySelector('main') || document.body || {innerText: ''}).innerText`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return v
}

// path is the current page's path and query.
func (s *session) path(t *testing.T) string {
	t.Helper()
	ctx, cancel := s.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + location.search`))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantText fails unless <main> shows each of the texts.
func (s *session) wantText(t *testing.T, texts ...string) {
	t.Helper()
	page := s.mainText(t)
	flat := strings.Join(strings.Fields(page), " ")
	for _, want := range texts {
		if !strings.Contains(flat, want) {
			t.Errorf("the page does not show %q; it says:\n%s", want, page)
		}
	}
}

// xq quotes s as an XPath string literal.
func xq(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	parts := strings.Split(s, "'")
	return "concat('" + strings.Join(parts, `', "'", '`) + "')"
}

var idSegment = regexp.MustCompile(`/\d+`)

// pageKey names a kind of page: its path with ids generalised, and its
// title (which says "Error:" on a form with errors).
func pageKey(path, title string) string {
	return idSegment.ReplaceAllString(path, "/{id}") + " " + title
}

// bothWays runs a journey twice in parallel, with JavaScript on and off,
// each in a visit of its own on its own copy of the demo. The journey runs
// beside the other parallel tests: a browser test mostly waits.
func bothWays(t *testing.T, journey func(t *testing.T, v *visit)) {
	t.Helper()
	t.Parallel()
	browser := startBrowser(t)
	for _, js := range []bool{true, false} {
		name := "JavaScript on"
		if !js {
			name = "JavaScript off"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			journey(t, newVisit(newApp(t), browser, js))
		})
	}
}

// name says how the visit runs, for labels: "JavaScript on" or "JavaScript off".
func (v *visit) name() string {
	if v.js {
		return "JavaScript on"
	}
	return "JavaScript off"
}

// testSecretKey is SECRET_KEY for tests: fixed, so a failure can be replayed.
var testSecretKey = []byte("tally-test-secret-key-32-bytes!!")
